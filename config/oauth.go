package config

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// OAuthClient is one OAuth 2.0 client with which mailboxes sign in (the
// [oauth.NAME] tables): a mailbox URL names it with oauth=NAME, and so may
// the smtp URL. Secrets come from the environment as ${NAME}.
type OAuthClient struct {
	// Provider is microsoft (Microsoft 365, app-only), google (Google
	// Workspace, a refresh token) or generic (any token endpoint).
	Provider string `toml:"provider"`
	// Tenant is the Microsoft Entra tenant id or domain (microsoft).
	Tenant       string `toml:"tenant"`
	ClientID     string `toml:"client_id"`
	ClientSecret string `toml:"client_secret"`
	// ClientCertificate is the path of a PEM file holding the certificate
	// registered for the client and its RSA private key, used instead of
	// ClientSecret with client credentials (microsoft, generic).
	ClientCertificate string `toml:"client_certificate"`
	// ServiceAccountKey is the path of the JSON key of a Google service
	// account with domain-wide delegation (google, instead of client_id,
	// client_secret and refresh_token): it acts as each mailbox's user.
	ServiceAccountKey string `toml:"service_account_key"`
	// RefreshToken is the consent kept for google (and for generic, where
	// it chooses the refresh-token flow over client credentials).
	RefreshToken string `toml:"refresh_token"`
	// TokenURL is the token endpoint: required for generic; it replaces the
	// well-known one of microsoft or google.
	TokenURL string `toml:"token_url"`
	// Scopes asked for; by default the provider's mail scope.
	Scopes []string `toml:"scopes"`
}

// OAuth providers.
const (
	OAuthMicrosoft = "microsoft"
	OAuthGoogle    = "google"
	OAuthGeneric   = "generic"
)

// Flow is the grant this client uses: client_credentials or refresh_token.
func (o OAuthClient) Flow() string {
	if o.Provider == OAuthGoogle && o.ServiceAccountKey != "" {
		return "service_account"
	}
	if o.Provider == OAuthGoogle || o.RefreshToken != "" {
		return "refresh_token"
	}
	return "client_credentials"
}

// expandOAuthSecrets replaces ${NAME} in every value of the [oauth.*]
// tables.
func (c *Config) expandOAuthSecrets(getenv func(string) string) error {
	for name, o := range c.OAuth {
		for key, p := range map[string]*string{"tenant": &o.Tenant, "client_id": &o.ClientID, "client_secret": &o.ClientSecret,
			"client_certificate": &o.ClientCertificate, "service_account_key": &o.ServiceAccountKey, "refresh_token": &o.RefreshToken, "token_url": &o.TokenURL} {
			v, err := expandVars(*p, getenv)
			if err != nil {
				return fmt.Errorf("config key oauth.%s.%s: %w", name, key, err)
			}
			*p = v
		}
		c.OAuth[name] = o
	}
	return nil
}

// validateOAuth checks each client has what its provider needs, and that
// every oauth=NAME of the imap and smtp URLs names one.
func (c Config) validateOAuth(bad func(key, format string, args ...any)) {
	for _, name := range c.OAuthNames() {
		o, key := c.OAuth[name], "oauth."+name
		need := map[string]string{"client_id": o.ClientID}
		switch o.Provider {
		case OAuthMicrosoft:
			need["client_secret"] = o.ClientSecret + o.ClientCertificate
			if o.TokenURL == "" {
				need["tenant"] = o.Tenant
			}
		case OAuthGoogle:
			need["client_secret"], need["refresh_token"] = o.ClientSecret, o.RefreshToken
			if o.ServiceAccountKey != "" {
				need = map[string]string{}
				if o.ClientID+o.ClientSecret+o.RefreshToken+o.ClientCertificate != "" {
					bad(key+".service_account_key", "a service account replaces client_id, client_secret and refresh_token: give one or the other")
				}
			}
		case OAuthGeneric:
			need["token_url"] = o.TokenURL
			if o.RefreshToken == "" {
				need["client_secret"] = o.ClientSecret + o.ClientCertificate
			}
		default:
			bad(key+".provider", "want microsoft, google or generic, got %q", o.Provider)
			continue
		}
		for _, k := range []string{"tenant", "client_id", "client_secret", "refresh_token", "token_url"} {
			if v, ok := need[k]; ok && v == "" {
				or := ""
				if k == "client_secret" && o.Flow() == "client_credentials" {
					or = ", or client_certificate"
				}
				bad(key+"."+k, "required for provider %s (%s flow)%s", o.Provider, o.Flow(), or)
			}
		}
		if o.ServiceAccountKey != "" && o.Provider != OAuthGoogle {
			bad(key+".service_account_key", "for provider google only")
		}
		if o.ClientCertificate != "" && (o.ClientSecret != "" || o.Flow() != "client_credentials") {
			bad(key+".client_certificate", "replaces client_secret with client credentials: give one of them, without refresh_token")
		}
		if o.TokenURL != "" {
			if u, err := url.Parse(o.TokenURL); err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
				bad(key+".token_url", "want an https:// URL (http:// only on loopback, for tests), got %q", o.TokenURL)
			}
		}
	}
	if ms, err := ParseIMAP(c.IMAP, c.MaxMessageBytes); err == nil {
		for _, m := range ms {
			if _, ok := c.OAuth[m.OAuth]; m.OAuth != "" && !ok {
				bad("imap", "mailbox %s: oauth=%s names no [oauth.%s] table", m.Name, m.OAuth, m.OAuth)
			}
		}
	}
	if name := SMTPOAuth(c.SMTP); name != "" {
		if _, ok := c.OAuth[name]; !ok {
			bad("smtp", "oauth=%s names no [oauth.%s] table", name, name)
		}
	}
}

// SMTPOAuth is the oauth=NAME of the smtp URL, "" without one.
func SMTPOAuth(smtp string) string {
	u, err := url.Parse(strings.TrimSpace(smtp))
	if err != nil {
		return ""
	}
	return u.Query().Get("oauth")
}

// OAuthNames are the names of the [oauth.*] tables, sorted.
func (c Config) OAuthNames() []string {
	names := make([]string, 0, len(c.OAuth))
	for n := range c.OAuth {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// redactedOAuth hides the secrets of the [oauth.*] tables.
func redactedOAuth(in map[string]OAuthClient) map[string]OAuthClient {
	if in == nil {
		return nil
	}
	out := make(map[string]OAuthClient, len(in))
	for n, o := range in {
		if o.ClientSecret != "" {
			o.ClientSecret = "(redacted)"
		}
		if o.RefreshToken != "" {
			o.RefreshToken = "(redacted)"
		}
		out[n] = o
	}
	return out
}
