package mailauth_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/internal/oauthtest"
	"github.com/helpdesk-gw/helpdesk/mailauth"
)

// clock is a settable time for the renewal tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestMicrosoftAppOnlyAsksTheTenantForTheOutlookScope checks the form a
// Microsoft 365 app-only client sends: client credentials, its id and
// secret, and the Exchange Online scope, to its tenant's endpoint.
func TestMicrosoftAppOnlyAsksTheTenantForTheOutlookScope(t *testing.T) {
	var got http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		got = *r
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at-1", "token_type": "Bearer", "expires_in": 3599})
	}))
	defer srv.Close()
	s, err := mailauth.New(mailauth.Options{Provider: mailauth.ProviderMicrosoft, Tenant: "contoso.onmicrosoft.com",
		ClientID: "app-id", ClientSecret: "s3cret", TokenURL: srv.URL + "/contoso.onmicrosoft.com/oauth2/v2.0/token"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Token(context.Background())
	if err != nil || tok.Value != "at-1" {
		t.Fatalf("token %+v, %v", tok, err)
	}
	f := got.PostForm
	if f.Get("grant_type") != "client_credentials" || f.Get("client_id") != "app-id" || f.Get("client_secret") != "s3cret" ||
		f.Get("scope") != mailauth.MicrosoftScope || got.URL.Path != "/contoso.onmicrosoft.com/oauth2/v2.0/token" {
		t.Errorf("request %s %v", got.URL.Path, f)
	}
	if w := "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"; mailauth.MicrosoftTokenURL("contoso.onmicrosoft.com") != w {
		t.Errorf("tenant endpoint %s", mailauth.MicrosoftTokenURL("contoso.onmicrosoft.com"))
	}
	if d := s.String(); !strings.Contains(d, "microsoft, client_credentials (app-only)") || strings.Contains(d, "s3cret") {
		t.Errorf("String() = %q", d)
	}
}

// TestGoogleRefreshTokenKeepsARotatedRefreshToken: the refresh grant sends
// the refresh token, and a new one the endpoint returns replaces it.
func TestGoogleRefreshTokenKeepsARotatedRefreshToken(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		seen = append(seen, r.PostForm.Get("grant_type")+" "+r.PostForm.Get("refresh_token")+" "+r.PostForm.Get("scope"))
		n++
		rt := "rt-" + string(rune('0'+n))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "expires_in": 60, "refresh_token": rt})
	}))
	defer srv.Close()
	s, err := mailauth.New(mailauth.Options{Provider: mailauth.ProviderGoogle, ClientID: "cid", ClientSecret: "cs",
		RefreshToken: "rt-0", TokenURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tok, _ := s.Token(ctx)
	if _, err := s.Renew(ctx, tok.Value); err != nil {
		t.Fatal(err)
	}
	want := []string{"refresh_token rt-0 ", "refresh_token rt-1 "} // the scope is the consent's
	if strings.Join(seen, "|") != strings.Join(want, "|") {
		t.Errorf("requests %q, want %q", seen, want)
	}
}

// TestTokenRenewedBeforeExpiryAndOnceOnRefusal: a cached token is used
// until a fifth of its life is left; a refused token is renewed once
// however many report it.
func TestTokenRenewedBeforeExpiryAndOnceOnRefusal(t *testing.T) {
	as := oauthtest.Start(t, 100*time.Second)
	as.AddClient("app", oauthtest.Client{Secret: "s", Mailboxes: []string{"support@example.com"}})
	c := &clock{t: time.Now()}
	s, err := mailauth.New(mailauth.Options{Provider: mailauth.ProviderGeneric, ClientID: "app", ClientSecret: "s",
		TokenURL: as.TokenURL, Clock: c.now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, _ := s.Token(ctx)
	c.add(79 * time.Second)
	if tok, _ := s.Token(ctx); tok.Value != first.Value || as.Issued() != 1 {
		t.Fatalf("renewed with 21s of 100s left (issued %d)", as.Issued())
	}
	c.add(2 * time.Second)
	second, _ := s.Token(ctx)
	if second.Value == first.Value || as.Issued() != 2 {
		t.Fatalf("not renewed with 19s of 100s left (issued %d)", as.Issued())
	}
	third, _ := s.Renew(ctx, second.Value)
	again, _ := s.Renew(ctx, second.Value) // a second report of the same refused token
	if third.Value == second.Value || again.Value != third.Value || as.Issued() != 3 {
		t.Errorf("refusals renewed %d times, want once", as.Issued()-2)
	}
	if !as.Check(third.Value, "support@example.com") || as.Check(third.Value, "other@example.com") {
		t.Error("the test server's grants are wrong")
	}
}

// TestRevokedSecretIsAClearErrorWithBackoffAndRecovers: a refused secret
// gives a TokenError naming invalid_client and what to check; the
// endpoint is not asked again until the backoff passed; a fixed secret
// works again.
func TestRevokedSecretIsAClearErrorWithBackoffAndRecovers(t *testing.T) {
	as := oauthtest.Start(t, time.Hour)
	as.AddClient("app", oauthtest.Client{Secret: "new-secret"})
	c := &clock{t: time.Now()}
	o := mailauth.Options{Provider: mailauth.ProviderMicrosoft, Tenant: "t1", ClientID: "app", ClientSecret: "old-secret",
		TokenURL: as.TokenURL, Clock: c.now, RetryMin: 10 * time.Second}
	s, _ := mailauth.New(o)
	ctx := context.Background()
	_, err := s.Token(ctx)
	var te *mailauth.TokenError
	if !errors.As(err, &te) || te.Code != "invalid_client" || te.Status != 401 ||
		!strings.Contains(err.Error(), "check the client id and client secret") || strings.Contains(err.Error(), "old-secret") {
		t.Fatalf("error %v", err)
	}
	if _, err2 := s.Token(ctx); err2 == nil || as.Refused() != 1 {
		t.Fatalf("asked the endpoint again within the backoff: refused %d, err %v", as.Refused(), err2)
	}
	c.add(11 * time.Second)
	_, _ = s.Token(ctx)
	if as.Refused() != 2 {
		t.Fatalf("not asked again after the backoff: refused %d", as.Refused())
	}
	as.SetSecret("app", "old-secret") // the operator puts the right secret back
	c.add(21 * time.Second)           // the second pause doubled
	if tok, err := s.Token(ctx); err != nil || tok.Value == "" {
		t.Fatalf("no recovery: %v", err)
	}
}

// TestOptionsRefusedWithoutWhatTheFlowNeeds names the missing setting.
func TestOptionsRefusedWithoutWhatTheFlowNeeds(t *testing.T) {
	for _, c := range []struct {
		o    mailauth.Options
		want string
	}{
		{mailauth.Options{Provider: mailauth.ProviderMicrosoft, ClientID: "a", ClientSecret: "b"}, "tenant"},
		{mailauth.Options{Provider: mailauth.ProviderGoogle, ClientID: "a", ClientSecret: "b"}, "refresh token"},
		{mailauth.Options{Provider: mailauth.ProviderGeneric, ClientID: "a", ClientSecret: "b"}, "token URL"},
		{mailauth.Options{Provider: mailauth.ProviderMicrosoft, Tenant: "t", ClientID: "a"}, "client secret"},
		{mailauth.Options{Provider: "yahoo", ClientID: "a"}, "want microsoft, google or generic"},
	} {
		if _, err := mailauth.New(c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one naming %q", c.o, err, c.want)
		}
	}
}
