package main

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/helpdesk-gw/helpdesk/config"
	"github.com/helpdesk-gw/helpdesk/web"
)

// startIdP runs an OpenID provider on loopback for the test.
func startIdP(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idp.Shutdown() })
	return idp
}

// TestW1_ServeCheckReportsSSO: serve --check says staff sign in by single
// sign-on, that the issuer answers, and the redirect URL to register,
// never the client secret; an issuer that does not answer fails the check
// naming oidc.issuer.
func TestW1_ServeCheckReportsSSO(t *testing.T) {
	if config.SSOCallbackPath != web.SSOCallbackPath {
		t.Fatalf("config's redirect URL path %q is not the portal's %q", config.SSOCallbackPath, web.SSOCallbackPath)
	}
	idp := startIdP(t)
	c := newCLI(t)
	c.env["HELPDESK_BASE_URL"] = "http://127.0.0.1:8025"
	c.env["HELPDESK_OIDC_ISSUER"] = idp.Issuer()
	c.env["HELPDESK_OIDC_CLIENT_ID"] = idp.ClientID
	c.env["HELPDESK_OIDC_CLIENT_SECRET"] = "the-client-secret-" + idp.ClientSecret
	out := c.ok("serve", "--check")
	for _, want := range []string{"sign-in:  staff by single sign-on at " + idp.Issuer() + " (reachable)", "client_id " + idp.ClientID,
		"redirect URL http://127.0.0.1:8025/signin/sso/callback", "[oidc]", `client_secret = "(redacted)"`} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "the-client-secret") {
		t.Errorf("the client secret leaked:\n%s", out)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.env["HELPDESK_OIDC_ISSUER"] = "http://" + ln.Addr().String() + "/oidc"
	ln.Close()
	if code, _, errs := c.run("", "serve", "--check"); code != 1 || !strings.Contains(errs, "oidc.issuer") || strings.Contains(errs, "the-client-secret") {
		t.Errorf("an issuer that does not answer: exit %d: %s", code, errs)
	}

	delete(c.env, "HELPDESK_OIDC_ISSUER")
	delete(c.env, "HELPDESK_OIDC_CLIENT_ID")
	delete(c.env, "HELPDESK_OIDC_CLIENT_SECRET")
	if out := c.ok("serve", "--check"); !strings.Contains(out, "sign-in:  a link sent by mail, for staff too (single sign-on is off") {
		t.Errorf("without [oidc], the check does not say staff use the mail link:\n%s", out)
	}
}

// TestW1_W5_ServeStaffSignInWithSSO: `helpdesk serve` with [oidc] set in
// the environment signs a staff member in through the provider to the
// console; a customer the provider vouches for is refused.
func TestW1_W5_ServeStaffSignInWithSSO(t *testing.T) {
	idp := startIdP(t)
	p := newProc(t)
	p.env = append(p.env, "HELPDESK_BASE_URL=http://"+p.http, "HELPDESK_OIDC_ISSUER="+idp.Issuer(),
		"HELPDESK_OIDC_CLIENT_ID="+idp.ClientID, "HELPDESK_OIDC_CLIENT_SECRET="+idp.ClientSecret)
	p.start()
	p.waitFor("the banner saying staff sign in with single sign-on", 10*time.Second, func() bool {
		return strings.Contains(p.stdout.String(), "staff with single sign-on at "+idp.Issuer())
	})
	p.helpdesk("staff", "add", "sam@help.example", "--role", "owner")

	signIn := func(email string) (*http.Client, int) {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if strings.HasPrefix(req.URL.Path, "/console") {
				return http.ErrUseLastResponse // stop where the portal sends a signed-in staff member
			}
			return nil
		}}
		idp.QueueUser(&mockoidc.MockUser{Subject: "sub-" + email, Email: email, EmailVerified: true})
		resp, err := c.Get("http://" + p.http + "/signin/sso")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return c, resp.StatusCode
	}
	consoleOf := func(c *http.Client) (int, string) {
		resp, err := c.Get("http://" + p.http + "/console")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	sam, code := signIn("sam@help.example")
	if code != http.StatusSeeOther {
		t.Fatalf("W1: staff through SSO: %d", code)
	}
	if code, body := consoleOf(sam); code != 200 || !strings.Contains(body, "sam@help.example") || strings.Contains(body, `name="email"`) {
		t.Fatalf("W5: the staff member signed in with SSO does not reach the console: %d\n%s", code, body)
	}
	ann, code := signIn("ann@example.com")
	if code != http.StatusForbidden {
		t.Fatalf("W1: a customer through SSO: %d", code)
	}
	if _, body := consoleOf(ann); !strings.Contains(body, `name="email"`) {
		t.Fatal("W1, W5: the customer refused by SSO has a session")
	}
}
