package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/config"
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

// TestServeOAuthMailboxAndRelayAcrossTokenLifetimes runs serve on a
// mailbox of Dovecot and a relay that both take only bearer tokens, which
// last two seconds: mail written over three lifetimes becomes one ticket
// each, in the team the mailbox is mapped to, and every acknowledgement
// reaches the relay once, from the team's intake address (the mailbox's);
// no sign-in fails.
func TestServeOAuthMailboxAndRelayAcrossTokenLifetimes(t *testing.T) {
	as := oauthtest.Start(t, 2*time.Second)
	as.AddClient("gateway", oauthtest.Client{Secret: "corp-secret-0123", Mailboxes: []string{"billing@help.example"}})
	d := dovecottest.StartOAuth2(t, as.IntrospectURL)
	relay := smtptest.Start(t, smtptest.Options{Bearer: func(user, token string) bool { return as.Check(token, user) }})

	c := newCLI(t)
	c.ok("staff", "add", "owner@help.example", "--role", "owner", "--notify", "none")
	c.ok("--as", "owner@help.example", "team", "add", "billing", "--name", "Billing", "--address", "billing@help.example")
	p := filepath.Join(t.TempDir(), "helpdesk.toml")
	os.WriteFile(p, []byte(fmt.Sprintf(`imap = "imap://billing%%40help.example@%s/INBOX?tls=none&name=billing&poll=200ms&oauth=corp&team=billing"
smtp = "smtp://billing%%40help.example@%s?tls=none&oauth=corp"

[oauth.corp]
provider = "generic"
token_url = "%s"
client_id = "gateway"
client_secret = "${CORP_SECRET}"
`, d.Addr, relay.Addr, as.TokenURL)), 0o600)
	c.env["HELPDESK_CONFIG"] = p
	c.env["CORP_SECRET"] = "corp-secret-0123"
	httpAddr := freeAddr(t)
	c.env["HELPDESK_HTTP"] = httpAddr

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	stderr := &syncWriter{w: &strings.Builder{}}
	go func() {
		done <- run(ctx, []string{"--db", c.db, "serve"}, strings.NewReader(""), io.Discard, stderr, func(k string) string { return c.env[k] })
	}()
	defer func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("log:\n%s", stderr.String())
		}
	}()
	const rounds, per = 3, 2
	for r := range rounds {
		var msgs [][]byte
		for i := range per {
			msgs = append(msgs, fmt.Appendf(nil, "From: zed%d%d@elsewhere.example\r\nTo: undisclosed-recipients:;\r\nSubject: Invoice %d-%d\r\nMessage-ID: <inv%d%d@elsewhere.example>\r\n\r\nPlease.\r\n", r, i, r, i, r, i))
		}
		d.Seed(t, "billing@help.example", msgs)
		relay.WaitFor(t, (r+1)*per, patience)
		time.Sleep(2100 * time.Millisecond) // the scenario: the tokens in use expire
	}
	var tickets []map[string]any
	mustJSON(t, c.ok("ticket", "list", "--json"), &tickets)
	for _, tk := range tickets {
		if tk["team"] != "billing" {
			t.Errorf("ticket %v: team %v, want billing", tk["id"], tk["team"])
		}
	}
	var outbox []map[string]any
	mustJSON(t, c.ok("outbox", "list", "--json"), &outbox)
	for _, row := range outbox {
		if row["status"] != "sent" {
			t.Errorf("notification %v to %v: %v", row["id"], row["to"], row["status"])
		}
	}
	for _, m := range relay.Messages() {
		if !strings.Contains(string(m.Data), "billing@help.example>") {
			t.Errorf("an acknowledgement not from billing@help.example:\n%s", m.Data)
		}
	}
	resp, err := http.Get("http://" + httpAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	_, refused := relay.BearerSignIns()
	if len(tickets) != rounds*per || len(outbox) != rounds*per || len(relay.Messages()) != rounds*per || refused != 0 || as.Issued() < rounds ||
		!strings.Contains(string(metrics), `helpdesk_smtp_errors_total{kind="auth"} 0`) || strings.Contains(string(metrics), `kind="auth"} 1`) {
		t.Errorf("%d tickets, %d notifications, %d sent, %d refused sign-ins, %d tokens; want %d, %d, %d, 0, at least %d; metrics:\n%s",
			len(tickets), len(outbox), len(relay.Messages()), refused, as.Issued(), rounds*per, rounds*per, rounds*per, rounds, grepLines(string(metrics), "errors_total"))
	}
}

// grepLines keeps the lines of s containing sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestOAuthClientCertificateFile: client_certificate names a PEM file
// read at start; the client signs in with it, and a file that cannot be
// read is an error naming the key.
func TestOAuthClientCertificateFile(t *testing.T) {
	as := oauthtest.Start(t, time.Hour)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	as.AddClient("app", oauthtest.Client{Certificate: cert})
	pemPath := filepath.Join(t.TempDir(), "app.pem")
	pemBytes := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})...)
	if err := os.WriteFile(pemPath, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.OAuth = map[string]config.OAuthClient{"corp": {Provider: "generic", TokenURL: as.TokenURL, ClientID: "app", ClientCertificate: pemPath}}
	sources, err := oauthSources(cfg)
	if err != nil {
		t.Fatal(err)
	}
	src, err := sources.source("corp", "support@help.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Token(context.Background()); err != nil || as.Issued() != 1 {
		t.Fatalf("no token with the certificate: %v", err)
	}
	cfg.OAuth["corp"] = config.OAuthClient{Provider: "generic", TokenURL: as.TokenURL, ClientID: "app", ClientCertificate: pemPath + ".missing"}
	if _, err := oauthSources(cfg); err == nil || !strings.Contains(err.Error(), "config key oauth.corp.client_certificate") {
		t.Errorf("missing file: %v", err)
	}
}

// TestOAuthServiceAccountActsAsEachMailbox: a Google service account
// named once serves several mailboxes, each with tokens acting as its own
// user; the relay shares the source of the mailbox with its address.
func TestOAuthServiceAccountActsAsEachMailbox(t *testing.T) {
	as := oauthtest.Start(t, time.Hour)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	const email = "helpdesk@proj.iam.gserviceaccount.com"
	as.AddClient(email, oauthtest.Client{ServiceAccount: &key.PublicKey, Mailboxes: []string{"support@help.example", "billing@help.example"}})
	keyPath := filepath.Join(t.TempDir(), "sa.json")
	b, _ := json.Marshal(map[string]string{"type": "service_account", "client_email": email, "token_uri": as.TokenURL,
		"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))})
	os.WriteFile(keyPath, b, 0o600)
	cfg := config.Defaults()
	cfg.OAuth = map[string]config.OAuthClient{"gw": {Provider: "google", ServiceAccountKey: keyPath}}
	sources, err := oauthSources(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{"support@help.example", "billing@help.example"} {
		src, err := sources.source("gw", user)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := src.Token(context.Background())
		if err != nil || !as.Check(tok.Value, user) {
			t.Errorf("%s: a token not acting as it: %v", user, err)
		}
	}
	again, _ := sources.source("gw", "Support@help.example")
	if first, _ := sources.source("gw", "support@help.example"); again != first {
		t.Error("the relay and the mailbox of one address do not share their source")
	}
}
