package web_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/web"
)

// ssoPortal is the portal of newPortal served a second time, with staff
// single sign-on against a real OpenID provider (mockoidc) on loopback.
// sam@help.example and owner@help.example are staff; ann@acme.com is not.
type ssoPortal struct {
	*portal
	idp  *mockoidc.MockOIDC
	logs *lockedBuffer // the portal's log, where an operator reads why
}

// lockedBuffer is a log shared by the server's goroutines and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// since returns what was logged after mark, and the new mark.
func (l *lockedBuffer) since(mark int) (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	return s[mark:], len(s)
}

func newSSOPortal(t *testing.T) *ssoPortal {
	t.Helper()
	w := &ssoPortal{portal: newPortal(t, store.SQLite), logs: &lockedBuffer{}}
	// The provider signs with the real clock: the portal's runs from now.
	w.now = time.Now().UTC().Truncate(time.Second)
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idp.Shutdown() })
	w.idp = idp
	w.srv = w.serve(&web.SSO{Issuer: idp.Issuer(), ClientID: idp.ClientID, ClientSecret: idp.ClientSecret})
	return w
}

// serve starts the portal on a loopback port of its own, its base URL
// that port's, with sso (nil: off) on the same store.
func (w *ssoPortal) serve(sso *web.SSO) *httptest.Server {
	w.t.Helper()
	var h http.Handler
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { h.ServeHTTP(rw, r) }))
	clock := func() time.Time { return w.now }
	ws, err := web.New(web.Options{Store: w.st, Acts: w.p.Acts(), Pipeline: w.p, Admin: w.adm, BaseURL: "http://" + srv.Listener.Addr().String(),
		Clock: clock, Logger: slog.New(slog.NewTextHandler(w.logs, nil)), SSO: sso})
	if err != nil {
		w.t.Fatal(err)
	}
	h = ws.Handler()
	srv.Start()
	w.t.Cleanup(srv.Close)
	return srv
}

// idpUser is a person at the provider; tamper changes their ID token's
// claims before it is signed, as a broken or hostile provider would.
type idpUser struct {
	email    string
	verified any // the email_verified claim; nil leaves it out
	tamper   func(c jwt.MapClaims)
}

func (u idpUser) ID() string { return "sub-" + u.email }

func (u idpUser) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]any{"sub": u.ID(), "email": u.email})
}

func (u idpUser) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	c := jwt.MapClaims{"iss": base.Issuer, "sub": base.Subject, "aud": base.Audience, "exp": base.ExpiresAt.Unix(),
		"iat": base.IssuedAt.Unix(), "nbf": base.NotBefore.Unix(), "jti": base.ID, "nonce": base.Nonce, "email": u.email}
	if u.verified != nil {
		c["email_verified"] = u.verified
	}
	if u.tamper != nil {
		u.tamper(c)
	}
	return c, nil
}

// get fetches an absolute URL in this browser, not following redirects.
func (b *browser) get(abs string) (int, string, http.Header) {
	b.w.t.Helper()
	resp, err := b.c.Get(abs)
	if err != nil {
		b.w.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out), resp.Header
}

// ssoSignIn walks the sign-in through the provider as u, with
// callback changing the provider's redirect back (nil: as sent). It
// returns the answer of the portal's callback.
func (w *ssoPortal) ssoSignIn(b *browser, u idpUser, callback func(u *url.URL)) (int, string, http.Header) {
	w.t.Helper()
	code, _, h := b.do("GET", "/signin/sso?next=/console", nil)
	authorize, err := url.Parse(h.Get("Location"))
	if code != http.StatusFound || err != nil || !strings.HasPrefix(authorize.String(), w.idp.AuthorizationEndpoint()) {
		w.t.Fatalf("W1: /signin/sso does not send the browser to the provider: %d %q", code, h.Get("Location"))
	}
	w.idp.QueueUser(u)
	code, _, h = b.get(authorize.String())
	back, err := url.Parse(h.Get("Location"))
	if code != http.StatusFound || err != nil {
		w.t.Fatalf("the provider did not send the browser back: %d %v", code, h)
	}
	if callback != nil {
		callback(back)
	}
	return b.get(back.String())
}

// inConsole reports whether the browser's session reaches the console.
func inConsole(b *browser) bool {
	code, body, _ := b.do("GET", "/console", nil)
	return code == http.StatusOK && strings.Contains(body, "/console/t/1")
}

// TestW1_W5_StaffSignInWithSSO: a staff member signs in through the
// provider and reaches the console, in a session with the cookie flags of
// W6; the request to the provider carries state, nonce and a PKCE S256
// challenge, and the redirect URL is derived from the base URL.
func TestW1_W5_StaffSignInWithSSO(t *testing.T) {
	w := newSSOPortal(t)
	sam := w.browser()
	if _, body, _ := sam.do("GET", "/signin", nil); !strings.Contains(body, `href="/signin/sso?next=`) || !strings.Contains(body, "Sign in with single sign-on") {
		t.Fatalf("W1: the sign-in page offers staff no single sign-on: %s", body)
	}
	_, _, h := sam.do("GET", "/signin/sso", nil)
	q := mustURL(t, h.Get("Location")).Query()
	if q.Get("state") == "" || q.Get("nonce") == "" || q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256" ||
		q.Get("redirect_uri") != w.srv.URL+"/signin/sso/callback" || q.Get("client_id") != w.idp.ClientID || !strings.Contains(q.Get("scope"), "openid") {
		t.Fatalf("W1: the authorization request lacks state, nonce, PKCE or the derived redirect URL: %v", q)
	}
	code, _, h := w.ssoSignIn(sam, idpUser{email: "Sam@Help.Example", verified: true}, nil)
	if code != http.StatusSeeOther || h.Get("Location") != "/console" {
		t.Fatalf("W1: staff SSO sign-in: %d %v", code, h)
	}
	if ck := sessionCookie(h); !strings.Contains(ck, "hd_session=") || !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") {
		t.Fatalf("W6: session cookie %q", ck)
	}
	if !inConsole(sam) {
		t.Fatal("W5: the staff member signed in with SSO does not reach the console")
	}
	// A provider that sends email_verified as text is read the same way.
	owner := w.browser()
	if code, _, _ := w.ssoSignIn(owner, idpUser{email: "owner@help.example", verified: "true"}, nil); code != http.StatusSeeOther || !inConsole(owner) {
		t.Fatalf("W1: email_verified \"true\": %d", code)
	}
	// Sign-out ends the SSO session like any other (W6).
	sam.do("POST", "/signout", url.Values{})
	if inConsole(sam) {
		t.Fatal("W6: the SSO session outlived sign-out")
	}
	// Removed from staff: the SSO session ends (W6), and the provider's
	// word no longer signs them in (W1).
	sam = w.browser()
	w.ssoSignIn(sam, idpUser{email: "sam@help.example"}, nil)
	w.must(w.adm.StaffSet(w.ctx, admin.Request{As: "owner@help.example"}, "sam@help.example", model.RoleNone, "staff.remove"))
	if inConsole(sam) {
		t.Fatal("W6: the SSO session outlived the end of the staff role")
	}
	if code, body, _ := w.ssoSignIn(w.browser(), idpUser{email: "sam@help.example"}, nil); code != http.StatusForbidden || !strings.Contains(body, "not a staff member") {
		t.Fatalf("W1: SSO after the staff role was removed: %d", code)
	}
}

// TestW1_SSORefusedTokensSignNobodyIn: whatever is wrong with the answer
// (an ID token for another client, expired, with another browser's nonce,
// an unverified email, no email; a state that is not this browser's, or
// no started sign-in at all) the page says nobody was signed in, and no
// session reaches the console or the portal.
func TestW1_SSORefusedTokensSignNobodyIn(t *testing.T) {
	w := newSSOPortal(t)
	cases := []struct {
		name     string
		user     idpUser
		callback func(u *url.URL)
		status   int
		says     string
		logged   string // why, in the log
	}{
		{"wrong audience", idpUser{email: "sam@help.example", tamper: func(c jwt.MapClaims) { c["aud"] = "another-client" }}, nil, 403, "did not complete", "expected audience"},
		{"another audience too", idpUser{email: "sam@help.example", tamper: func(c jwt.MapClaims) { c["aud"] = []string{w.idp.ClientID, "another-client"} }}, nil, 403, "did not complete", "audiences"},
		{"expired", idpUser{email: "sam@help.example", tamper: func(c jwt.MapClaims) {
			c["iat"], c["nbf"], c["exp"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
		}}, nil, 403, "did not complete", "token is expired"},
		{"bad nonce", idpUser{email: "sam@help.example", tamper: func(c jwt.MapClaims) { c["nonce"] = "another-browsers-nonce" }}, nil, 403, "did not complete", "nonce"},
		{"bad state", idpUser{email: "sam@help.example"}, func(u *url.URL) {
			q := u.Query()
			q.Set("state", "forged-state")
			u.RawQuery = q.Encode()
		}, 400, "did not complete", "state does not match"},
		{"email not verified", idpUser{email: "sam@help.example", verified: false}, nil, 403, "has not verified", "email not verified"},
		{"no email", idpUser{email: ""}, nil, 403, "did not complete", "no usable email"},
		{"provider error", idpUser{email: "sam@help.example"}, func(u *url.URL) { u.RawQuery = url.Values{"error": {"access_denied"}}.Encode() }, 403, "did not complete", "access_denied"},
	}
	_, mark := w.logs.since(0)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := w.browser()
			code, body, h := w.ssoSignIn(b, tc.user, tc.callback)
			if code != tc.status || !strings.Contains(body, tc.says) || !strings.Contains(body, "nobody was signed in") {
				t.Fatalf("W1: %s: %d %s", tc.name, code, body)
			}
			var logged string
			if logged, mark = w.logs.since(mark); !strings.Contains(logged, tc.logged) {
				t.Errorf("%s: the log does not say why (%q): %s", tc.name, tc.logged, logged)
			}
			if ck := sessionCookie(h); ck != "" {
				t.Fatalf("W1: %s: a session cookie was set: %q", tc.name, ck)
			}
			if inConsole(b) {
				t.Fatalf("W1, W5: %s reached the console", tc.name)
			}
			if _, body, _ := b.do("GET", "/", nil); !strings.Contains(body, `name="email"`) {
				t.Fatalf("W1: %s: signed in to the portal", tc.name)
			}
		})
	}
	// The provider's answer in a browser that did not start the sign-in
	// (login cross-site request forgery) is refused.
	starter, victim := w.browser(), w.browser()
	_, _, h := starter.do("GET", "/signin/sso", nil)
	w.idp.QueueUser(idpUser{email: "sam@help.example"})
	_, _, h = starter.get(h.Get("Location"))
	if code, _, _ := victim.get(h.Get("Location")); code != http.StatusBadRequest || inConsole(victim) {
		t.Fatalf("W1: the answer in a browser that did not start the sign-in: %d", code)
	}
}

// TestW1_W5_SSONotStaffRefused: someone the provider vouches for who is not
// staff here (a customer, or an address the helpdesk does not know) is told
// single sign-on is for staff, gets no session, and is not made a user.
func TestW1_W5_SSONotStaffRefused(t *testing.T) {
	w := newSSOPortal(t)
	for _, email := range []string{"ann@acme.com", "stranger@elsewhere.example"} {
		b := w.browser()
		code, body, h := w.ssoSignIn(b, idpUser{email: email, verified: true}, nil)
		if code != http.StatusForbidden || !strings.Contains(body, "not a staff member") || !strings.Contains(body, email) {
			t.Fatalf("W1: %s through SSO: %d %s", email, code, body)
		}
		if sessionCookie(h) != "" || inConsole(b) {
			t.Fatalf("W5: %s got a session", email)
		}
		if _, body, _ := b.do("GET", "/", nil); !strings.Contains(body, `name="email"`) {
			t.Fatalf("W1: %s is signed in to the portal", email)
		}
	}
	if _, err := w.st.UserByEmail(w.ctx, "stranger@elsewhere.example"); err == nil {
		t.Fatal("O3: a refused SSO sign-in made a user")
	}
}

var anyLinkRE = regexp.MustCompile(`http://127\.0\.0\.1:\d+(/signin/[A-Za-z0-9_-]+)`)

// linkTo is the newest sign-in link mailed to email, "" if none.
func (w *ssoPortal) linkTo(email string) string {
	w.t.Helper()
	rows, err := w.st.ListOutbox(w.ctx, store.OutboxFilter{})
	if err != nil {
		w.t.Fatal(err)
	}
	for i := len(rows) - 1; i >= 0; i-- {
		if rows[i].To == email {
			if m := anyLinkRE.FindStringSubmatch(rows[i].TextBody); m != nil {
				return m[1]
			}
		}
	}
	return ""
}

// TestW1_SSOConfiguredMailLinkRefusedForStaff: with single sign-on
// configured, a staff address asking for a link gets the same answer as
// anyone and no link; a link mailed before (SSO not yet configured) and a
// session begun with one no longer make anyone staff; customers keep the
// mail link.
func TestW1_SSOConfiguredMailLinkRefusedForStaff(t *testing.T) {
	w := newSSOPortal(t)
	withSSO := w.srv
	before := w.serve(nil) // the same helpdesk before SSO was configured

	// Before: sam signs in by mail and reaches the console; a second link
	// is mailed and kept.
	w.srv = before
	oldSession := w.browser()
	oldSession.do("POST", "/signin", url.Values{"email": {"sam@help.example"}})
	link := w.linkTo("sam@help.example")
	oldSession.do("POST", link, url.Values{})
	if !inConsole(oldSession) {
		t.Fatal("without SSO, the mail link does not sign staff in")
	}
	w.now = w.now.Add(time.Second)
	w.browser().do("POST", "/signin", url.Values{"email": {"sam@help.example"}})
	kept := w.linkTo("sam@help.example")
	if kept == "" || kept == link {
		t.Fatal("no second link mailed")
	}

	// After: SSO is configured.
	w.srv = withSSO
	if inConsole(oldSession) {
		t.Fatal("W1: a session begun by mail link still reaches the console once SSO is configured")
	}
	b := w.browser()
	if code, body, _ := b.do("POST", kept, url.Values{}); code != http.StatusForbidden || !strings.Contains(body, "Staff sign in with single sign-on") ||
		!strings.Contains(body, `href="/signin/sso"`) {
		t.Fatalf("W1: a staff member's mail link with SSO configured: %d %s", code, body)
	}
	if inConsole(b) {
		t.Fatal("W1: the mail link made a staff session")
	}
	if _, body, _ := b.do("GET", "/", nil); !strings.Contains(body, `name="email"`) {
		t.Fatal("W1: the staff member's mail link signed in to the portal")
	}
	w.now = w.now.Add(time.Second)
	_, staffAnswer, _ := w.browser().do("POST", "/signin", url.Values{"email": {"sam@help.example"}})
	_, customerAnswer, _ := w.browser().do("POST", "/signin", url.Values{"email": {"bob@acme.com"}})
	if w.linkTo("sam@help.example") != kept {
		t.Fatal("W1: a sign-in link was mailed to staff with SSO configured")
	}
	if strings.ReplaceAll(staffAnswer, "sam@help.example", "X") != strings.ReplaceAll(customerAnswer, "bob@acme.com", "X") {
		t.Fatal("W1: the answer to a staff address differs from a customer's")
	}
	// Customers keep the mail link.
	ann := w.browser()
	ann.do("POST", "/signin", url.Values{"email": {"ann@acme.com"}})
	if code, _, _ := ann.do("POST", w.linkTo("ann@acme.com"), url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("W1: a customer's mail link with SSO configured: %d", code)
	}
	if _, body, _ := ann.do("GET", "/", nil); !strings.Contains(body, "/t/1") {
		t.Fatal("W3: the customer signed in by mail link does not see their ticket")
	}
}

// TestW1_SSOProviderUnreachable: with the provider down, the staff
// sign-in says so and signs nobody in; CheckSSO (serve --check) reports
// it, and reports a provider that answers as reachable.
func TestW1_SSOProviderUnreachable(t *testing.T) {
	w := newSSOPortal(t)
	if err := web.CheckSSO(w.ctx, web.SSO{Issuer: w.idp.Issuer(), ClientID: w.idp.ClientID}); err != nil {
		t.Fatalf("CheckSSO on a live provider: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String() + "/oidc"
	ln.Close()
	if err := web.CheckSSO(w.ctx, web.SSO{Issuer: dead, ClientID: "x"}); err == nil || !strings.Contains(err.Error(), dead) {
		t.Fatalf("CheckSSO on a dead provider: %v", err)
	}
	w.srv = w.serve(&web.SSO{Issuer: dead, ClientID: "x", ClientSecret: "y"})
	b := w.browser()
	if code, body, _ := b.do("GET", "/signin/sso", nil); code != http.StatusBadGateway || !strings.Contains(body, "cannot be reached") {
		t.Fatalf("SSO with the provider down: %d %s", code, body)
	}
}

// sessionCookie is the session cookie an answer sets, "" if none.
func sessionCookie(h http.Header) string {
	for _, c := range h.Values("Set-Cookie") {
		if strings.HasPrefix(c, "hd_session=") {
			return c
		}
	}
	return ""
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
