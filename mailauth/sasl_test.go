package mailauth_test

import (
	"testing"

	"github.com/emersion/go-sasl"

	"github.com/helpdesk-gw/helpdesk/mailauth"
)

// TestSASLInitialResponses are the exact bytes of XOAUTH2 (Google's and
// Microsoft's documentation) and OAUTHBEARER (RFC 7628 section 4.1).
func TestSASLInitialResponses(t *testing.T) {
	x, _ := mailauth.NewSASL("xoauth2", "someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg")
	mech, ir, _ := x.Start()
	if want := "user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01"; mech != "XOAUTH2" || string(ir) != want {
		t.Errorf("XOAUTH2 %s %q", mech, ir)
	}
	o, _ := mailauth.NewSASL("oauthbearer", "user@example.com", "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==")
	o.Host, o.Port = "server.example.com", 143
	mech, ir, _ = o.Start()
	if want := "n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"; mech != "OAUTHBEARER" || string(ir) != want {
		t.Errorf("OAUTHBEARER %s %q", mech, ir)
	}
	if _, err := mailauth.NewSASL("plain", "u", "t"); err == nil {
		t.Error("PLAIN accepted as a bearer mechanism")
	}
}

// TestSASLAgainstGoSASLServer: go-sasl's OAUTHBEARER server reads our
// initial response, and our answer to its error challenge ends the
// exchange with a failure whose reason we kept.
func TestSASLAgainstGoSASLServer(t *testing.T) {
	for _, valid := range []bool{true, false} {
		var gotUser, gotToken string
		srv := sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			gotUser, gotToken = o.Username, o.Token
			if !valid {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer", Scope: "mail"}
			}
			return nil
		})
		c, _ := mailauth.NewSASL(mailauth.OAUTHBEARER, "user@example.com", "tok")
		_, ir, _ := c.Start()
		chal, done, err := srv.Next(ir)
		if gotUser != "user@example.com" || gotToken != "tok" {
			t.Fatalf("server read user %q token %q", gotUser, gotToken)
		}
		if valid {
			if !done || err != nil {
				t.Errorf("valid token: done %v err %v", done, err)
			}
			continue
		}
		resp, _ := c.Next(chal)
		if _, _, err := srv.Next(resp); err == nil || c.Refusal != "status invalid_token, scope wanted mail" {
			t.Errorf("refusal: err %v, kept %q", err, c.Refusal)
		}
	}
}
