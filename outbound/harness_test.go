package outbound_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/outbound"
	"github.com/helpdesk-gw/helpdesk/outbound/smtptest"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
	"github.com/helpdesk-gw/helpdesk/templates"
	"github.com/helpdesk-gw/helpdesk/threading"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// world is a helpdesk with a loopback SMTP relay, like ingest's test world:
//   - acme (acme.com, and partner.example as a partner, O5), access own
//   - partnerco (partner.example)
//   - owner@help.example (owner), sam@help.example (agent)
type world struct {
	t     *testing.T
	ctx   context.Context
	st    *store.Store
	p     *ingest.Pipeline
	adm   *admin.Service
	addrs threading.Addresses
	smtp  *smtptest.Server
	log   *slog.Logger
}

const authservID = "mx.help.example"

func newWorld(t *testing.T, b store.Backend) *world {
	t.Helper()
	w := &world{t: t, ctx: context.Background(), log: testLogger()}
	w.st = storetest.OpenWith(t, b, store.Options{})
	tmpl, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	w.addrs = threading.NewAddresses("support@help.example", "", threading.NewSigner([]byte("test secret, long enough")))
	w.p = ingest.New(ingest.Options{Store: w.st, Addresses: w.addrs, Templates: tmpl, TrustedAuthservID: authservID, Logger: w.log})
	w.adm = admin.New(admin.Options{Store: w.st, Releaser: w.p})
	owner := admin.Request{As: "owner@help.example"}
	w.ok(w.adm.StaffSet(w.ctx, admin.Request{}, "owner@help.example", model.RoleOwner, "staff.add"))
	w.ok(w.adm.StaffSet(w.ctx, owner, "sam@help.example", model.RoleAgent, "staff.add"))
	// These tests count what end-users are sent; staff told of every new
	// ticket (N7) are tested in ingest.
	for _, e := range []string{"owner@help.example", "sam@help.example"} {
		w.ok(nil, w.adm.StaffNotify(w.ctx, owner, e, model.NotifyNone))
	}
	w.ok(w.adm.OrgAdd(w.ctx, owner, "acme", admin.OrgSettings{Name: "Acme"}, []string{"acme.com"}, false))
	w.ok(w.adm.OrgAdd(w.ctx, owner, "partnerco", admin.OrgSettings{Name: "Partner"}, []string{"partner.example"}, false))
	w.ok(w.adm.DomainAdd(w.ctx, owner, "acme", "partner.example", false)) // O5
	w.smtp = smtptest.Start(t, smtptest.Options{})
	return w
}

// testLogger discards, unless HELPDESK_TEST_LOG=1.
func testLogger() *slog.Logger {
	if os.Getenv("HELPDESK_TEST_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func (w *world) ok(_ any, err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) owner() admin.Request { return admin.Request{As: "owner@help.example"} }

// mail is a message to ingest.
type mail struct {
	From, To, Cc, Subject, ID, InReplyTo, Body string
	Headers                                    []string
}

func (m mail) raw() []byte {
	var b strings.Builder
	for _, h := range m.Headers {
		b.WriteString(h + "\r\n")
	}
	if m.To == "" {
		m.To = "support@help.example"
	}
	if m.Subject == "" {
		m.Subject = "Help"
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\n", m.From, m.To)
	if m.Cc != "" {
		fmt.Fprintf(&b, "Cc: %s\r\n", m.Cc)
	}
	fmt.Fprintf(&b, "Subject: %s\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n", m.Subject)
	if m.ID != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\r\n", m.ID)
	}
	if m.InReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", m.InReplyTo, m.InReplyTo)
	}
	if m.Body == "" {
		m.Body = "Hello, something is broken."
	}
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n" + strings.ReplaceAll(m.Body, "\n", "\r\n") + "\r\n")
	return []byte(b.String())
}

// proven adds a trusted Authentication-Results header (P1 a).
func proven(domain string) string {
	return "Authentication-Results: " + authservID + "; dkim=pass header.d=" + domain + "; dmarc=pass header.from=" + domain
}

func (w *world) ingest(m mail) ingest.Result {
	w.t.Helper()
	return w.ingestRaw(m.raw())
}

func (w *world) ingestRaw(raw []byte) ingest.Result {
	w.t.Helper()
	res, err := w.p.Ingest(w.ctx, ingest.Input{Raw: raw, Mailbox: "test"})
	if err != nil {
		w.t.Fatalf("ingest: %v", err)
	}
	return res
}

func (w *world) expect(res ingest.Result, outcome model.Outcome) {
	w.t.Helper()
	if res.Outcome != outcome {
		w.t.Fatalf("outcome %s (%s, rules %v), want %s", res.Outcome, res.Reason, res.Rules, outcome)
	}
}

// open creates ticket 1 from ann@acme.com with carl CC'd.
func (w *world) open() ingest.Result {
	w.t.Helper()
	res := w.ingest(mail{From: "Ann <ann@acme.com>", Cc: "Carl <carl@cc.example>", Subject: "Printer broken", ID: "m1@acme.com", Body: "The printer is on fire."})
	w.expect(res, model.OutcomeCreated)
	return res
}

// rows lists the outbox rows to one address ("" all), by id.
func (w *world) rows(to string) []model.OutboxMessage {
	w.t.Helper()
	all, err := w.st.ListOutbox(w.ctx, store.OutboxFilter{})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []model.OutboxMessage
	for _, r := range all {
		if to == "" || r.To == to {
			out = append(out, r)
		}
	}
	return out
}

func (w *world) row(id int64) model.OutboxMessage {
	w.t.Helper()
	r, err := w.st.OutboxByID(w.ctx, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

// enqueue writes a row directly, as a faulty or older queue might have.
func (w *world) enqueue(m model.OutboxMessage) model.OutboxMessage {
	w.t.Helper()
	if m.MessageID == "" {
		m.MessageID = w.addrs.Signer.NewMessageID(w.addrs.Domain)
	}
	if m.Subject == "" {
		m.Subject = "[#1] test"
	}
	if m.TextBody == "" {
		m.TextBody = "text"
	}
	if err := w.st.EnqueueOutbox(w.ctx, &m); err != nil {
		w.t.Fatal(err)
	}
	return m
}

func (w *world) sender(edit ...func(*outbound.SenderOptions)) *outbound.Sender {
	w.t.Helper()
	return newSender(w.t, w.smtp, edit...)
}

func newSender(t testing.TB, srv *smtptest.Server, edit ...func(*outbound.SenderOptions)) *outbound.Sender {
	t.Helper()
	o, err := outbound.ParseRelayURL(fmt.Sprintf("smtp://%s?tls=none&pool=2", srv.Addr))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range edit {
		e(&o)
	}
	s, err := outbound.NewSender(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// fast is a schedule for tests: retries within a few hundred milliseconds.
var fast = outbound.Backoff{First: 50 * time.Millisecond, Factor: 2, Max: 300 * time.Millisecond, Jitter: 0.2, MaxAttempts: 100}

func (w *world) worker(edit ...func(*outbound.Options)) *outbound.Worker {
	w.t.Helper()
	b := fast
	o := outbound.Options{Store: w.st, Transport: w.sender(), Addresses: w.addrs, Backoff: &b,
		MaxWait: 100 * time.Millisecond, Grace: 2 * time.Second, Logger: w.log}
	for _, e := range edit {
		e(&o)
	}
	wk, err := outbound.New(o)
	if err != nil {
		w.t.Fatal(err)
	}
	return wk
}

// patience is how long a test waits for an event (a row delivered, a
// send held, Run returning) before it fails: a guard against a hang,
// never a measure. A busy machine is slow, not broken.
const patience = 2 * time.Minute

// running runs wk until the returned stop is called (or the test ends).
func running(t testing.TB, wk *outbound.Worker) (stop func()) {
	_, stop = runWorker(t, wk)
	return stop
}

// runWorker runs wk until stop is called (or the test ends). cancel ends
// Run's context and returns at once; stop does that and waits for Run to
// return, failing the test after patience.
func runWorker(t testing.TB, wk *outbound.Worker) (cancel context.CancelFunc, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- wk.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(patience):
				t.Errorf("Run did not return %v after its context ended", patience)
			}
		})
	}
	t.Cleanup(stop)
	return cancel, stop
}

// deliverAll runs a worker until no row is queued, then stops it.
func (w *world) deliverAll(edit ...func(*outbound.Options)) *outbound.Worker {
	w.t.Helper()
	wk := w.worker(edit...)
	stop := running(w.t, wk)
	w.waitQueued(0, patience)
	stop()
	return wk
}

// waitQueued waits until n rows are queued; timeout is a guard.
func (w *world) waitQueued(n int, timeout time.Duration) {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for n == 0 { // one cheap query a poll: the throughput test polls while it measures
		_, some, err := w.st.NextOutboxDue(w.ctx)
		if err != nil {
			w.t.Fatal(err)
		}
		if !some {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("rows still queued after %v", timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for {
		q, err := w.st.ListOutbox(w.ctx, store.OutboxFilter{Status: model.OutboxQueued})
		if err != nil {
			w.t.Fatal(err)
		}
		if len(q) == n {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%d rows still queued after %v, want %d", len(q), timeout, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// received is a message as the relay got it, parsed.
type received struct {
	smtptest.Message
	h    gomail.Header
	text string
	html string
}

func parse(t testing.TB, m smtptest.Message) received {
	t.Helper()
	r, err := gomail.CreateReader(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatalf("parse sent message: %v\n%s", err, m.Data)
	}
	out := received{Message: m, h: r.Header}
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("parse part: %v", err)
		}
		b, _ := io.ReadAll(p.Body)
		ct := p.Header.Get("Content-Type")
		switch {
		case strings.HasPrefix(ct, "text/plain"):
			out.text = string(b)
		case strings.HasPrefix(ct, "text/html"):
			out.html = string(b)
		}
	}
	return out
}

// to returns the parsed messages the relay accepted for rcpt.
func (w *world) to(rcpt string) []received {
	w.t.Helper()
	var out []received
	for _, m := range w.smtp.Messages() {
		for _, r := range m.To {
			if strings.EqualFold(r, rcpt) {
				out = append(out, parse(w.t, m))
			}
		}
	}
	return out
}

func (r received) messageID(t testing.TB) string {
	t.Helper()
	id, err := r.h.MessageID()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func getenv(k string) string { return os.Getenv(k) }

var (
	filepathGlob = filepath.Glob
	readFile     = os.ReadFile
)
