package mailauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Providers.
const (
	ProviderMicrosoft = "microsoft" // Microsoft 365 / Exchange Online, app-only
	ProviderGoogle    = "google"    // Google Workspace / Gmail, refresh token
	ProviderGeneric   = "generic"   // any token endpoint
)

// Flows (OAuth 2.0 grants).
const (
	FlowClientCredentials = "client_credentials" // app-only: the client signs in as itself
	FlowRefreshToken      = "refresh_token"      // a user's consent, kept as a refresh token
	// FlowServiceAccount: a Google service account with domain-wide
	// delegation acting as the mailbox's user (a signed JWT, RFC 7523).
	FlowServiceAccount = "service_account"
)

// Well-known endpoints and scopes.
const (
	MicrosoftScope      = "https://outlook.office365.com/.default"
	GoogleScope         = "https://mail.google.com/"
	GoogleTokenURL      = "https://oauth2.googleapis.com/token"
	microsoftTokenURLFn = "https://login.microsoftonline.com/%s/oauth2/v2.0/token"
)

// MicrosoftTokenURL is the token endpoint of a Microsoft Entra tenant (its
// id or a verified domain).
func MicrosoftTokenURL(tenant string) string {
	return fmt.Sprintf(microsoftTokenURLFn, url.PathEscape(tenant))
}

// Options describe one OAuth 2.0 client and how to obtain its tokens.
type Options struct {
	Provider     string // ProviderMicrosoft, ProviderGoogle or ProviderGeneric
	Tenant       string // Microsoft: the tenant id or domain
	ClientID     string
	ClientSecret string
	// ClientCertificate, instead of ClientSecret for client credentials: a
	// PEM with the certificate registered for the client and its RSA
	// private key; the client signs a JWT assertion with it (RFC 7523), as
	// Microsoft Entra accepts.
	ClientCertificate []byte
	// ServiceAccountKey, for Google instead of a refresh token: the JSON
	// key of a service account with domain-wide delegation; it acts as
	// Subject, the mailbox's user. Its client_email is the client id.
	ServiceAccountKey []byte
	Subject           string
	// RefreshToken selects the refresh-token flow (required for Google;
	// with the generic provider, its presence chooses the flow).
	RefreshToken string
	// TokenURL is the token endpoint: required for the generic provider;
	// for Microsoft and Google it replaces the well-known one.
	TokenURL string
	// Scopes asked for; default MicrosoftScope for Microsoft, GoogleScope
	// for Google, none for the generic provider.
	Scopes []string
	// HTTPClient talks to the token endpoint; default one with a 30 s timeout.
	HTTPClient *http.Client
	// Clock is the time now (tests); default time.Now.
	Clock func() time.Time
	// RetryMin and RetryMax bound the pause after the endpoint failed,
	// during which Token returns that failure again (default 5 s and 5 min).
	RetryMin, RetryMax time.Duration
}

// Token is one access token and when it expires (zero: unknown).
type Token struct {
	Value  string
	Expiry time.Time
}

// Source hands out the current access token of one client, renewing it
// before it expires. It is safe for concurrent use; one renewal runs at a
// time.
type Source struct {
	o     Options
	flow  string
	fetch func(ctx context.Context, refresh string) (*oauth2.Token, error)
	cert  *clientCert // with ClientCertificate

	mu       sync.Mutex
	cur      Token
	renewAt  time.Time
	refresh  string // the current refresh token (it may be rotated)
	lastErr  error
	retryAt  time.Time
	failures int
	fetched  int
}

// New checks o and returns its Source. No request is made until Token.
func New(o Options) (*Source, error) {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.RetryMin <= 0 {
		o.RetryMin = 5 * time.Second
	}
	if o.RetryMax < o.RetryMin {
		o.RetryMax = max(5*time.Minute, o.RetryMin)
	}
	s := &Source{o: o, refresh: o.RefreshToken}
	if err := s.setFlow(); err != nil {
		return nil, err
	}
	return s, nil
}

// setFlow checks the options of the provider and chooses the flow.
func (s *Source) setFlow() error {
	o := &s.o
	switch o.Provider {
	case ProviderMicrosoft:
		if o.Tenant == "" && o.TokenURL == "" {
			return errors.New("mailauth: microsoft needs a tenant")
		}
		if o.TokenURL == "" {
			o.TokenURL = MicrosoftTokenURL(o.Tenant)
		}
		if len(o.Scopes) == 0 {
			o.Scopes = []string{MicrosoftScope}
		}
		s.flow = FlowClientCredentials
		if o.RefreshToken != "" {
			s.flow = FlowRefreshToken
		}
	case ProviderGoogle:
		if len(o.ServiceAccountKey) > 0 {
			return s.setServiceAccount()
		}
		if o.RefreshToken == "" {
			return errors.New("mailauth: google needs a refresh token or a service account key")
		}
		if o.TokenURL == "" {
			o.TokenURL = GoogleTokenURL
		}
		if len(o.Scopes) == 0 {
			o.Scopes = []string{GoogleScope}
		}
		s.flow = FlowRefreshToken
	case ProviderGeneric:
		if o.TokenURL == "" {
			return errors.New("mailauth: the generic provider needs a token URL")
		}
		s.flow = FlowClientCredentials
		if o.RefreshToken != "" {
			s.flow = FlowRefreshToken
		}
	default:
		return fmt.Errorf("mailauth: provider %q: want microsoft, google or generic", o.Provider)
	}
	if o.ClientID == "" {
		return errors.New("mailauth: a client id is required")
	}
	if len(o.ClientCertificate) > 0 {
		if s.flow != FlowClientCredentials || o.ClientSecret != "" {
			return errors.New("mailauth: a client certificate replaces the client secret of the client credentials flow")
		}
		var err error
		if s.cert, err = parseClientCert(o.ClientCertificate); err != nil {
			return err
		}
	}
	if s.flow == FlowClientCredentials && o.ClientSecret == "" && s.cert == nil {
		return errors.New("mailauth: the client credentials flow needs a client secret or certificate")
	}
	s.fetch = s.clientCredentials
	if s.flow == FlowRefreshToken {
		s.fetch = s.refreshGrant
	}
	return nil
}

// Flow is the grant the Source uses: FlowClientCredentials or FlowRefreshToken.
func (s *Source) Flow() string { return s.flow }

// String describes the client without its secrets: provider, flow, tenant,
// client id, token endpoint and scopes.
func (s *Source) String() string {
	o := s.o
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %s", o.Provider, s.flow)
	if s.flow == FlowClientCredentials && o.Provider == ProviderMicrosoft {
		b.WriteString(" (app-only)")
	}
	if s.cert != nil {
		fmt.Fprintf(&b, ", certificate %s", s.cert.thumbprint)
	}
	if s.flow == FlowServiceAccount {
		fmt.Fprintf(&b, ", acting as %s", o.Subject)
	}
	if o.Tenant != "" {
		fmt.Fprintf(&b, ", tenant %s", o.Tenant)
	}
	fmt.Fprintf(&b, ", client id %s, token endpoint %s", o.ClientID, o.TokenURL)
	if len(o.Scopes) > 0 {
		fmt.Fprintf(&b, ", scope %s", strings.Join(o.Scopes, " "))
	}
	return b.String()
}

// Fetched is how many tokens the endpoint has given this Source.
func (s *Source) Fetched() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetched
}

// Token returns the current token, fetching a new one when there is none
// or the current one is near its expiry.
func (s *Source) Token(ctx context.Context) (Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.o.Clock()
	if s.cur.Value != "" && (s.renewAt.IsZero() || now.Before(s.renewAt)) {
		return s.cur, nil
	}
	return s.renew(ctx, now)
}

// Renew is called when a server refused refused, a token this Source gave:
// unless the token was renewed since, it is dropped and a new one fetched.
// Only one renewal happens however many callers report the same token.
func (s *Source) Renew(ctx context.Context, refused string) (Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.o.Clock()
	if s.cur.Value != "" && s.cur.Value != refused {
		return s.cur, nil
	}
	s.cur = Token{}
	return s.renew(ctx, now)
}

// renew fetches a token, unless the endpoint failed less than the backoff
// ago; s.mu is held.
func (s *Source) renew(ctx context.Context, now time.Time) (Token, error) {
	if s.lastErr != nil && now.Before(s.retryAt) {
		if s.cur.Value != "" && (s.cur.Expiry.IsZero() || now.Before(s.cur.Expiry)) {
			return s.cur, nil // still valid: keep using it while the endpoint recovers
		}
		return Token{}, s.lastErr
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, s.o.HTTPClient)
	t, err := s.fetch(ctx, s.refresh)
	if err != nil {
		s.failures++
		s.lastErr = s.tokenError(err)
		pause := s.o.RetryMin
		for i := 1; i < s.failures && pause < s.o.RetryMax; i++ {
			pause *= 2
		}
		s.retryAt = now.Add(min(pause, s.o.RetryMax))
		if s.cur.Value != "" && (s.cur.Expiry.IsZero() || now.Before(s.cur.Expiry)) {
			return s.cur, nil
		}
		return Token{}, s.lastErr
	}
	if t.AccessToken == "" {
		s.lastErr = &TokenError{Provider: s.o.Provider, Flow: s.flow, Endpoint: s.o.TokenURL, Code: "no_token",
			Description: "the endpoint answered without an access token"}
		s.retryAt = now.Add(s.o.RetryMin)
		return Token{}, s.lastErr
	}
	s.failures, s.lastErr, s.fetched = 0, nil, s.fetched+1
	if t.RefreshToken != "" {
		s.refresh = t.RefreshToken // rotated
	}
	s.cur = Token{Value: t.AccessToken, Expiry: t.Expiry}
	s.renewAt = time.Time{}
	if !t.Expiry.IsZero() {
		early := min(t.Expiry.Sub(now)/5, 5*time.Minute)
		s.renewAt = t.Expiry.Add(-early)
	}
	return s.cur, nil
}

// clientCredentials is the app-only grant.
func (s *Source) clientCredentials(ctx context.Context, _ string) (*oauth2.Token, error) {
	c := clientcredentials.Config{ClientID: s.o.ClientID, ClientSecret: s.o.ClientSecret, TokenURL: s.o.TokenURL,
		Scopes: s.o.Scopes, AuthStyle: oauth2.AuthStyleInParams}
	if s.cert != nil {
		jwt, err := s.cert.assertion(s.o.ClientID, s.o.TokenURL, s.o.Clock())
		if err != nil {
			return nil, err
		}
		c.EndpointParams = url.Values{"client_assertion_type": {assertionType}, "client_assertion": {jwt}}
	}
	return c.Token(ctx)
}

// refreshGrant exchanges the refresh token for an access token.
func (s *Source) refreshGrant(ctx context.Context, refresh string) (*oauth2.Token, error) {
	c := oauth2.Config{ClientID: s.o.ClientID, ClientSecret: s.o.ClientSecret, Scopes: s.o.Scopes,
		Endpoint: oauth2.Endpoint{TokenURL: s.o.TokenURL, AuthStyle: oauth2.AuthStyleInParams}}
	return c.TokenSource(ctx, &oauth2.Token{RefreshToken: refresh}).Token()
}
