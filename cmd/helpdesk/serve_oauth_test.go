package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/internal/dovecottest"
	"github.com/helpdesk-gw/helpdesk/internal/oauthtest"
	"github.com/helpdesk-gw/helpdesk/outbound/smtptest"
)

// TestServeCheckSignsInWithOAuth: serve --check says which provider and
// flow each OAuth mailbox and the relay use, signs in to Dovecot (its
// oauth2 passdb) and to the relay once, reads and sends nothing, and never
// prints the client secret; with the secret revoked it fails saying what
// to check.
func TestServeCheckSignsInWithOAuth(t *testing.T) {
	as := oauthtest.Start(t, time.Hour)
	as.AddClient("gateway", oauthtest.Client{Secret: "corp-secret-0123", Mailboxes: []string{"support@help.example"}})
	d := dovecottest.StartOAuth2(t, as.IntrospectURL)
	relay := smtptest.Start(t, smtptest.Options{Bearer: func(user, token string) bool { return as.Check(token, user) }})
	d.Seed(t, "support@help.example", [][]byte{[]byte("From: ann@acme.com\r\nSubject: Waiting\r\n\r\nStill here.\r\n")})

	c := newCLI(t)
	p := filepath.Join(t.TempDir(), "helpdesk.toml")
	os.WriteFile(p, []byte(fmt.Sprintf(`imap = "imap://support%%40help.example@%s/INBOX?tls=none&name=support&oauth=corp&team=billing"
smtp = "smtp://support%%40help.example@%s?tls=none&oauth=corp&auth=oauthbearer"

[oauth.corp]
provider = "generic"
token_url = "%s"
client_id = "gateway"
client_secret = "${CORP_SECRET}"
`, d.Addr, relay.Addr, as.TokenURL)), 0o600)
	c.env["HELPDESK_CONFIG"] = p
	c.env["CORP_SECRET"] = "corp-secret-0123"
	out := c.ok("serve", "--check")
	for _, want := range []string{
		"mail servers using OAuth were signed in to once",
		"# OAuth:    mailbox support: OAuth corp (generic, client_credentials, client id gateway, token endpoint " + as.TokenURL + "), XOAUTH2 as support@help.example: signed in once, no mail read",
		"# OAuth:    relay: OAuth corp (generic, client_credentials, client id gateway, token endpoint " + as.TokenURL + "), OAUTHBEARER as support@help.example: signed in once, nothing sent",
		`client_secret = "(redacted)"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "corp-secret-0123") {
		t.Errorf("the client secret is printed:\n%s", out)
	}
	left, _ := os.ReadDir(filepath.Join(d.Dir, "mail", "support@help.example", "Maildir", "new"))
	if accepted, _ := relay.BearerSignIns(); accepted != 1 || len(relay.Messages()) != 0 || len(left) != 1 || as.Issued() != 1 {
		t.Errorf("relay sign-ins %d, messages sent %d, messages left unread %d, tokens %d; want 1, 0, 1, 1",
			accepted, len(relay.Messages()), len(left), as.Issued())
	}

	as.SetSecret("gateway", "rotated-elsewhere")
	code, _, errs := c.run("", "serve", "--check")
	if code != 1 || !strings.Contains(errs, "mailbox support: OAuth sign-in") || !strings.Contains(errs, "invalid_client") ||
		!strings.Contains(errs, "check the client id and client secret") || strings.Contains(errs, "corp-secret-0123") {
		t.Errorf("revoked secret: exit %d:\n%s", code, errs)
	}
}
