package imapsource

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/helpdesk-gw/helpdesk/internal/dovecottest"
	"github.com/helpdesk-gw/helpdesk/internal/oauthtest"
	"github.com/helpdesk-gw/helpdesk/mailauth"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

const oauthMailbox = "support@help.example"

// oauthWorld is Dovecot signing users in with tokens checked against a
// loopback authorisation server, and a poller whose mailbox signs in with
// tokens of the client "gateway".
type oauthWorld struct {
	t       *testing.T
	as      *oauthtest.Server
	d       *dovecottest.Server
	st      *store.Store
	src     *mailauth.Source
	ev      *events
	logs    *logBuffer
	metrics *Metrics
	m       Mailbox
}

func newOAuthWorld(t *testing.T, lifetime time.Duration, mech string) *oauthWorld {
	t.Helper()
	as := oauthtest.Start(t, lifetime)
	as.AddClient("gateway", oauthtest.Client{Secret: "first-secret", Mailboxes: []string{oauthMailbox}})
	d := dovecottest.StartOAuth2(t, as.IntrospectURL)
	src, err := mailauth.New(mailauth.Options{Provider: mailauth.ProviderGeneric, TokenURL: as.TokenURL,
		ClientID: "gateway", ClientSecret: "first-secret", RetryMin: 50 * time.Millisecond, RetryMax: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	metrics, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	w := &oauthWorld{t: t, as: as, d: d, st: storetest.Open(t, store.SQLite), src: src, ev: &events{}, logs: &logBuffer{}, metrics: metrics}
	w.m = Mailbox{Name: "support", Addr: d.Addr, Security: SecurityNone, Username: oauthMailbox, Token: src, Auth: mech,
		PollInterval: 200 * time.Millisecond, IDLE: true, Timeout: 30 * time.Second}
	t.Cleanup(func() {
		if t.Failed() {
			l := w.logs.String()
			t.Logf("log tail:\n%s", l[max(0, len(l)-4000):])
			dl, _ := os.ReadFile(filepath.Join(d.Dir, "dovecot.log"))
			t.Logf("dovecot log tail:\n%s", dl[max(0, len(dl)-4000):])
		}
	})
	return w
}

// run starts the poller; short backoffs keep the test quick.
func (w *oauthWorld) run() (stop func()) {
	o := Options{Mailbox: w.m, Ingester: newPipeline(w.t, w.st), Store: w.st, Logger: w.logs.logger(), Metrics: w.metrics,
		Backoff: Backoff{Base: 50 * time.Millisecond, Max: 200 * time.Millisecond}, AuthBackoff: Backoff{Base: 100 * time.Millisecond, Max: 300 * time.Millisecond}}
	w.ev.hook(&o)
	return runPoller(w.t, o)
}

// seed delivers messages from..to-1 into the mailbox.
func (w *oauthWorld) seed(from, to int) {
	var msgs [][]byte
	for i := from; i < to; i++ {
		msgs = append(msgs, testMail(i))
	}
	w.d.Seed(w.t, oauthMailbox, msgs)
}

func (w *oauthWorld) errorsOf(kind string) float64 {
	var m dto.Metric
	if err := w.metrics.errors.WithLabelValues("support", kind).Write(&m); err != nil {
		w.t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// inboxLeft counts the messages still in the mailbox's INBOX (its Maildir).
func (w *oauthWorld) inboxLeft() int {
	n := 0
	for _, sub := range []string{"new", "cur"} {
		es, _ := os.ReadDir(filepath.Join(w.d.Dir, "mail", oauthMailbox, "Maildir", sub))
		n += len(es)
	}
	return n
}

// TestDovecotOAuth2AcrossTokenLifetimes: tokens last two seconds; the
// poller reads mail for five of their lifetimes, signing in again with a
// renewed token as each expires, and records every message exactly once,
// by XOAUTH2 and by OAUTHBEARER.
func TestDovecotOAuth2AcrossTokenLifetimes(t *testing.T) {
	for _, mech := range []string{"xoauth2", "oauthbearer"} {
		t.Run(mech, func(t *testing.T) {
			w := newOAuthWorld(t, 2*time.Second, mech)
			w.run()
			const rounds, per = 5, 4
			for r := range rounds {
				issued := w.as.Issued()
				w.seed(r*per, (r+1)*per)
				eventually(t, patience, fmt.Sprintf("round %d recorded", r), func() bool { return ticketCount(t, w.st) == (r+1)*per })
				// the next round begins under another token: five rounds, five tokens at least
				eventually(t, patience, fmt.Sprintf("a token after round %d", r), func() bool { return w.as.Issued() > issued })
			}
			if got := outcomes(t, w.st); got[model.OutcomeCreated] != rounds*per || len(got) != 1 {
				t.Errorf("outcomes %v, want %d created and nothing else", got, rounds*per)
			}
			eventually(t, patience, "INBOX emptied", func() bool { return w.inboxLeft() == 0 })
			for _, r := range w.ev.retriesSoFar() {
				t.Errorf("a session failed: %v", r.err)
			}
			if w.as.Issued() < rounds || w.errorsOf("auth")+w.errorsOf("token") != 0 {
				t.Errorf("%d tokens issued (want at least %d), auth errors %v, token errors %v",
					w.as.Issued(), rounds, w.errorsOf("auth"), w.errorsOf("token"))
			}
		})
	}
}

// TestDovecotOAuth2RefusedTokenRenewedOnce: a token the server no longer
// accepts (revoked before it expired) is renewed once, and the session
// goes on without an error.
func TestDovecotOAuth2RefusedTokenRenewedOnce(t *testing.T) {
	w := newOAuthWorld(t, time.Hour, "xoauth2")
	if _, err := w.src.Token(t.Context()); err != nil { // cached, then revoked at the provider
		t.Fatal(err)
	}
	w.as.RevokeTokens()
	w.seed(0, 3)
	w.run()
	eventually(t, patience, "3 recorded", func() bool { return ticketCount(t, w.st) == 3 })
	if w.as.Issued() != 2 || len(w.ev.retriesSoFar()) != 0 {
		t.Errorf("issued %d tokens (want 2: the revoked one and its renewal); retries %v", w.as.Issued(), w.ev.retriesSoFar())
	}
}

// TestDovecotOAuth2RevokedSecretSaysWhatToCheckAndRecovers: the client's
// secret is revoked while the poller runs; when the token in use expires
// the endpoint refuses the client, the log says so and what to check,
// helpdesk_imap_errors_total{kind="token"} counts it, nothing is lost, and
// reading resumes once the secret works again.
func TestDovecotOAuth2RevokedSecretSaysWhatToCheckAndRecovers(t *testing.T) {
	w := newOAuthWorld(t, 2*time.Second, "oauthbearer")
	w.run()
	w.seed(0, 2)
	eventually(t, patience, "2 recorded", func() bool { return ticketCount(t, w.st) == 2 })
	w.as.SetSecret("gateway", "rotated-elsewhere")
	w.seed(2, 4)
	r := w.ev.waitRetry(t, 0, errToken)
	if !strings.Contains(r.err.Error(), "invalid_client") || !strings.Contains(r.err.Error(), "check the client id and client secret") {
		t.Errorf("the error does not say what to check: %v", r.err)
	}
	eventually(t, patience, "the log line", func() bool {
		return strings.Contains(w.logs.String(), "cannot obtain an OAuth token for this mailbox")
	})
	if strings.Contains(w.logs.String(), "first-secret") || w.errorsOf("token") == 0 {
		t.Errorf("secret in the log, or no token error counted (%v)", w.errorsOf("token"))
	}
	w.as.SetSecret("gateway", "first-secret") // fixed
	eventually(t, patience, "4 recorded after the fix", func() bool { return ticketCount(t, w.st) == 4 })
	if got := outcomes(t, w.st); got[model.OutcomeCreated] != 4 || len(got) != 1 {
		t.Errorf("outcomes %v", got)
	}
}

// TestDovecotOAuth2MailboxRefusedSaysWhatToCheck: the endpoint gives
// tokens, but not for this mailbox (no permission on it): the sign-in
// tries the token and one renewal, then the poller backs off with a log
// line naming consent, scopes and mailbox permission, counted as
// helpdesk_imap_errors_total{kind="auth"}. (One refusal only: Dovecot
// makes each later attempt from the same address wait longer.)
func TestDovecotOAuth2MailboxRefusedSaysWhatToCheck(t *testing.T) {
	w := newOAuthWorld(t, time.Hour, "xoauth2")
	w.as.AddClient("gateway", oauthtest.Client{Secret: "first-secret", Mailboxes: []string{"other@help.example"}})
	stop := w.run()
	w.ev.waitRetries(t, 1)
	stop()
	retries := w.ev.retriesSoFar()
	for _, r := range retries {
		if !strings.Contains(r.err.Error(), "login refused") {
			t.Errorf("retry after %v, want a refused login", r.err)
		}
	}
	// the first sign-in renews its token once; a next one starts with that renewal and renews it once
	if is := w.as.Issued(); len(retries) == 0 || is != len(retries)+1 || !errors.Is(retries[0].err, errAuth) {
		t.Errorf("%d tokens for %d refused sign-ins: want one renewal each (%d); first %v", is, len(retries), len(retries)+1, retries)
	}
	if l := w.logs.String(); !strings.Contains(l, "IMAP server refused the OAuth token, a renewed one too") || !strings.Contains(l, "consent") {
		t.Errorf("log does not say what to check:\n%s", l)
	}
	if w.errorsOf("auth") < 1 {
		t.Errorf("auth errors counted %v", w.errorsOf("auth"))
	}
}
