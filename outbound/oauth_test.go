package outbound_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/internal/oauthtest"
	"github.com/helpdesk-gw/helpdesk/mailauth"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/outbound"
	"github.com/helpdesk-gw/helpdesk/outbound/smtptest"
	"github.com/helpdesk-gw/helpdesk/store"
)

const relayUser = "support@help.example"

// lockedBuffer collects log lines written from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// oauthRelay is a go-smtp relay accepting the bearer tokens of a loopback
// authorisation server, and a Sender signing in to it with tokens of the
// client "gateway".
type oauthRelay struct {
	as   *oauthtest.Server
	smtp *smtptest.Server
	src  *mailauth.Source
	snd  *outbound.Sender
	logs *lockedBuffer
}

func newOAuthRelay(t *testing.T, lifetime time.Duration, mech string) *oauthRelay {
	t.Helper()
	r := &oauthRelay{as: oauthtest.Start(t, lifetime), logs: &lockedBuffer{}}
	r.as.AddClient("gateway", oauthtest.Client{Secret: "first-secret", Mailboxes: []string{relayUser}})
	r.smtp = smtptest.Start(t, smtptest.Options{Bearer: func(user, token string) bool { return r.as.Check(token, user) }})
	var err error
	r.src, err = mailauth.New(mailauth.Options{Provider: mailauth.ProviderGeneric, TokenURL: r.as.TokenURL,
		ClientID: "gateway", ClientSecret: "first-secret", RetryMin: 50 * time.Millisecond, RetryMax: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	o, err := outbound.ParseRelayURL(fmt.Sprintf("smtp://support%%40help.example@%s?tls=none&pool=1&oauth=gateway&auth=%s", r.smtp.Addr, mech))
	if err != nil {
		t.Fatal(err)
	}
	o.Token, o.AuthPause = r.src, 100*time.Millisecond
	if r.snd, err = outbound.NewSender(o, slog.New(slog.NewTextHandler(r.logs, nil))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.snd.Close() })
	return r
}

// TestSenderOAuthAcrossTokenLifetimes: notifications queued over four
// lifetimes of two-second tokens all reach the relay, once each; a
// connection whose token expired is not reused, and the next signs in
// with a renewed token.
func TestSenderOAuthAcrossTokenLifetimes(t *testing.T) {
	for _, mech := range []string{"xoauth2", "oauthbearer"} {
		t.Run(mech, func(t *testing.T) {
			r := newOAuthRelay(t, 2*time.Second, mech)
			w := newWorld(t, store.SQLite)
			w.smtp = r.smtp
			running(t, w.worker(func(o *outbound.Options) { o.Transport = r.snd }))
			const rounds, per = 4, 3
			for round := range rounds {
				for i := range per {
					w.expect(w.ingest(mail{From: fmt.Sprintf("user%d-%d@acme.com", round, i), Subject: fmt.Sprintf("Round %d, %d", round, i)}), model.OutcomeCreated)
				}
				r.smtp.WaitFor(t, (round+1)*per, patience)
				time.Sleep(2100 * time.Millisecond) // the scenario: let the token in use expire
			}
			ids := map[string]bool{}
			for _, m := range r.smtp.Messages() {
				id := parse(t, m).messageID(t)
				if ids[id] {
					t.Errorf("sent twice: %s", id)
				}
				ids[id] = true
			}
			for _, row := range w.rows("") {
				if row.Status != model.OutboxSent {
					t.Errorf("row %d to %s: %s (%s)", row.ID, row.To, row.Status, row.LastError)
				}
			}
			accepted, refused := r.smtp.BearerSignIns()
			if len(ids) != rounds*per || refused != 0 || accepted < rounds || r.as.Issued() < rounds {
				t.Errorf("%d messages (want %d); sign-ins accepted %d refused %d; %d tokens issued (want %d at least)",
					len(ids), rounds*per, accepted, refused, r.as.Issued(), rounds)
			}
		})
	}
}

// TestSenderOAuthRefusedTokenRenewedOnce: a token revoked before it
// expired is refused; the sender renews it once, signs in on a new
// connection and sends.
func TestSenderOAuthRefusedTokenRenewedOnce(t *testing.T) {
	r := newOAuthRelay(t, time.Hour, "xoauth2")
	if _, err := r.src.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.as.RevokeTokens()
	if err := r.snd.Send(context.Background(), testMsg(t, "ann@acme.com")); err != nil {
		t.Fatal(err)
	}
	if a, f := r.smtp.BearerSignIns(); a != 1 || f != 1 || r.as.Issued() != 2 || len(r.smtp.Messages()) != 1 {
		t.Errorf("sign-ins accepted %d refused %d, tokens %d, messages %d; want 1, 1, 2, 1", a, f, r.as.Issued(), len(r.smtp.Messages()))
	}
}

// TestSenderOAuthRelayRefusesSaysWhatToCheck: a relay that refuses even a
// renewed token gives a temporary error, a log line naming consent, scope
// and mailbox permission, and a count; sends during the pause that follows
// do not try the relay.
func TestSenderOAuthRelayRefusesSaysWhatToCheck(t *testing.T) {
	r := newOAuthRelay(t, time.Hour, "oauthbearer")
	r.as.AddClient("gateway", oauthtest.Client{Secret: "first-secret", Mailboxes: []string{"other@help.example"}})
	err := r.snd.Send(context.Background(), testMsg(t, "ann@acme.com"))
	if !errors.Is(err, outbound.ErrTokenRefused) || outbound.IsPermanent(err) {
		t.Fatalf("error %v (permanent %v), want a temporary ErrTokenRefused", err, outbound.IsPermanent(err))
	}
	if l := r.logs.String(); !strings.Contains(l, "cannot sign in to the SMTP relay with OAuth") || !strings.Contains(l, "consent") {
		t.Errorf("log:\n%s", l)
	}
	_ = r.snd.Send(context.Background(), testMsg(t, "ann@acme.com")) // within the pause
	if refused, noToken := r.snd.SignInFailures(); refused != 1 || noToken != 0 {
		t.Errorf("failures counted: refused %d, no token %d", refused, noToken)
	}
	if a, f := r.smtp.BearerSignIns(); a != 0 || f != 2 {
		t.Errorf("the relay saw %d accepted and %d refused sign-ins; want 0 and 2 (a token and its renewal, then a pause)", a, f)
	}
}

// TestSenderOAuthRevokedSecretRecovers: with the client's secret revoked,
// notifications wait (a clear error on each row, a log line and a count),
// and all go, once each, when the secret works again: none fails.
func TestSenderOAuthRevokedSecretRecovers(t *testing.T) {
	r := newOAuthRelay(t, time.Hour, "xoauth2")
	r.as.SetSecret("gateway", "rotated-elsewhere")
	w := newWorld(t, store.SQLite)
	w.smtp = r.smtp
	running(t, w.worker(func(o *outbound.Options) { o.Transport = r.snd }))
	w.expect(w.ingest(mail{From: "ann@acme.com", Subject: "One"}), model.OutcomeCreated)
	w.expect(w.ingest(mail{From: "bob@acme.com", Subject: "Two"}), model.OutcomeCreated)
	deadline := time.Now().Add(patience)
	for {
		_, noToken := r.snd.SignInFailures()
		if noToken > 0 && strings.Contains(w.rows("ann@acme.com")[0].LastError, "invalid_client") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sign-in failure recorded: %+v", w.rows(""))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if row := w.rows("ann@acme.com")[0]; !strings.Contains(row.LastError, "check the client id and client secret") || row.Status != model.OutboxQueued {
		t.Errorf("row while revoked: %s, %q", row.Status, row.LastError)
	}
	if l := r.logs.String(); !strings.Contains(l, "cannot sign in to the SMTP relay with OAuth") || strings.Contains(l, "first-secret") {
		t.Errorf("log:\n%s", l)
	}
	r.as.SetSecret("gateway", "first-secret")
	r.smtp.WaitFor(t, 2, patience)
	w.waitQueued(0, patience)
	for _, row := range w.rows("") {
		if row.Status != model.OutboxSent {
			t.Errorf("row %d to %s: %s (%s)", row.ID, row.To, row.Status, row.LastError)
		}
	}
	if n := len(r.smtp.Messages()); n != 2 {
		t.Errorf("%d messages, want 2", n)
	}
}

// TestParseRelayURLOAuth: oauth=NAME signs in as the address given, by
// XOAUTH2 unless auth=oauthbearer, never with a password.
func TestParseRelayURLOAuth(t *testing.T) {
	o, err := outbound.ParseRelayURL("smtp://support%40help.example@smtp.office365.com:587?oauth=office365")
	if err != nil || o.OAuth != "office365" || o.Auth != "XOAUTH2" || o.Username != relayUser {
		t.Fatalf("%+v, %v", o, err)
	}
	if s := o.String(); !strings.Contains(s, "OAuth office365 by XOAUTH2") || strings.Contains(s, "xxxxx") {
		t.Errorf("String() = %q", s)
	}
	if _, err := outbound.NewSender(o, nil); err == nil {
		t.Error("a sender with oauth= and no token source was built")
	}
	for raw, want := range map[string]string{
		"smtp://u%40x.example:pw@smtp.x.example?oauth=a":         "no password",
		"smtp://smtp.x.example?oauth=a":                          "give the user",
		"smtp://u%40x.example@smtp.x.example?oauth=a&auth=plain": "want auth=xoauth2 or auth=oauthbearer",
	} {
		if _, err := outbound.ParseRelayURL(raw); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %q", raw, err, want)
		}
	}
}
