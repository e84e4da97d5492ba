package ingest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
	"github.com/helpdesk-gw/helpdesk/templates"
	"github.com/helpdesk-gw/helpdesk/threading"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// runBoth runs fn on both stores twice: "single", where the world ingests
// each message with Ingest (a transaction of its own, writes as they come),
// and "batched", where it goes through IngestBatch, whose transaction
// defers its writes and answers reads from caches (store.Tx.Defer). The
// rules hold the same either way.
func runBoth(t *testing.T, fn func(t *testing.T, b store.Backend)) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		t.Run("single", func(t *testing.T) { fn(t, b) })
		t.Run("batched", func(t *testing.T) { fn(t, b) })
	})
}

// world is a helpdesk with two organisations and staff:
//   - acme (acme.com, and partner.example as a partner, O5), access own
//   - partnerco (partner.example)
//   - owner@help.example (owner), sam@help.example (agent)
type world struct {
	t     testing.TB
	ctx   context.Context
	st    *store.Store
	p     *ingest.Pipeline
	adm   *admin.Service
	addrs threading.Addresses
	now   time.Time
	// batched: messages go through IngestBatch (runBoth)
	batched bool
}

const authservID = "mx.help.example"

func newWorld(t testing.TB, b store.Backend, edit ...func(*ingest.Options)) *world {
	t.Helper()
	w := &world{t: t, ctx: context.Background(), now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
		batched: strings.Contains(t.Name()+"/", "/batched/")}
	clock := func() time.Time { return w.now }
	w.st = storetest.OpenWith(t, b, store.Options{Clock: clock})
	tmpl, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	w.addrs = threading.NewAddresses("support@help.example", "", threading.NewSigner([]byte("test secret, long enough")))
	opts := ingest.Options{Store: w.st, Addresses: w.addrs, Templates: tmpl, Clock: clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, e := range edit {
		e(&opts)
	}
	w.p = ingest.New(opts)
	w.adm = admin.New(admin.Options{Store: w.st, Releaser: w.p, Clock: clock, IsOwn: w.addrs.IsOwn, CCBlocklist: opts.CCBlocklist})
	owner := admin.Request{As: "owner@help.example"}
	w.ok(w.adm.StaffSet(w.ctx, admin.Request{}, "owner@help.example", model.RoleOwner, "staff.add"))
	w.ok(w.adm.StaffSet(w.ctx, owner, "sam@help.example", model.RoleAgent, "staff.add"))
	w.ok(w.adm.OrgAdd(w.ctx, owner, "acme", admin.OrgSettings{Name: "Acme"}, []string{"acme.com"}, false))
	w.ok(w.adm.OrgAdd(w.ctx, owner, "partnerco", admin.OrgSettings{Name: "Partner"}, []string{"partner.example"}, false))
	w.later(time.Minute)
	w.ok(w.adm.DomainAdd(w.ctx, owner, "acme", "partner.example", false)) // O5
	return w
}

func (w *world) ok(_ any, err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) later(d time.Duration) { w.now = w.now.Add(d) }

func (w *world) owner() admin.Request { return admin.Request{As: "owner@help.example"} }

// mail is a message to build in tests.
type mail struct {
	From, To, Cc, Subject, ID, InReplyTo, Body string
	Headers                                    []string
}

func (m mail) raw() []byte {
	var b strings.Builder
	for _, h := range m.Headers {
		b.WriteString(h + "\r\n")
	}
	fmt.Fprintf(&b, "From: %s\r\n", m.From)
	if m.To == "" {
		m.To = "support@help.example"
	}
	fmt.Fprintf(&b, "To: %s\r\n", m.To)
	if m.Cc != "" {
		fmt.Fprintf(&b, "Cc: %s\r\n", m.Cc)
	}
	if m.Subject == "" {
		m.Subject = "Help"
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

func withAuthserv(o *ingest.Options) { o.TrustedAuthservID = authservID }

func (w *world) ingest(m mail) ingest.Result {
	w.t.Helper()
	return w.ingestRaw(m.raw())
}

func (w *world) ingestRaw(raw []byte) ingest.Result {
	w.t.Helper()
	in := ingest.Input{Raw: raw, Mailbox: "test"}
	if w.batched {
		res, err := w.p.IngestBatch(w.ctx, []ingest.Input{in}, nil)
		if err != nil {
			w.t.Fatalf("ingest batch: %v", err)
		}
		return res[0]
	}
	res, err := w.p.Ingest(w.ctx, in)
	if err != nil {
		w.t.Fatalf("ingest: %v", err)
	}
	return res
}

func (w *world) expect(res ingest.Result, outcome model.Outcome, rules ...string) {
	w.t.Helper()
	if res.Outcome != outcome {
		w.t.Fatalf("outcome %s (%s, rules %v), want %s", res.Outcome, res.Reason, res.Rules, outcome)
	}
	for _, r := range rules {
		if !hasRule(res.Rules, r) {
			w.t.Fatalf("rules %v lack %s (%s)", res.Rules, r, res.Reason)
		}
	}
}

func hasRule(rules []string, r string) bool {
	for _, x := range rules {
		if x == r {
			return true
		}
	}
	return false
}

// endUserOutbox lists the notifications queued to people who are not the
// helpdesk's staff (staff are told of every new ticket, N7).
func (w *world) endUserOutbox() []model.OutboxMessage {
	var out []model.OutboxMessage
	for _, r := range w.outbox("") {
		if !strings.HasSuffix(r.To, "@help.example") {
			out = append(out, r)
		}
	}
	return out
}

// outbox lists the notifications queued, filtered by recipient ("" all).
func (w *world) outbox(to string) []model.OutboxMessage {
	w.t.Helper()
	rows, err := w.st.ListOutbox(w.ctx, store.OutboxFilter{})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []model.OutboxMessage
	for _, r := range rows {
		if to == "" || r.To == to {
			out = append(out, r)
		}
	}
	return out
}

func (w *world) ticket(id int64) admin.TicketView {
	w.t.Helper()
	v, err := w.adm.TicketShow(w.ctx, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return v
}

// comments returns a ticket's comments as stored, with their attachments.
func (w *world) comments(ticketID int64) []model.Comment {
	w.t.Helper()
	cs, err := w.st.Comments(w.ctx, ticketID)
	if err != nil {
		w.t.Fatal(err)
	}
	return cs
}

func (w *world) tickets() []model.Ticket {
	w.t.Helper()
	ts, err := w.st.ListTickets(w.ctx, store.TicketFilter{})
	if err != nil {
		w.t.Fatal(err)
	}
	return ts
}

// replyAddress is the reply address of the last notification to email on ticket.
func (w *world) replyAddress(ticket int64, email string) string {
	w.t.Helper()
	rows := w.outbox(email)
	for i := len(rows) - 1; i >= 0; i-- {
		if rows[i].TicketID == ticket && rows[i].ReplyTo != "" {
			return rows[i].ReplyTo
		}
	}
	w.t.Fatalf("no notification to %s on ticket %d", email, ticket)
	return ""
}

func (w *world) lastMessageID(to string) string {
	w.t.Helper()
	rows := w.outbox(to)
	if len(rows) == 0 {
		w.t.Fatalf("no notification to %s", to)
	}
	return rows[len(rows)-1].MessageID
}

// open creates ticket 1 from ann@acme.com with carl CC'd.
func (w *world) open() ingest.Result {
	w.t.Helper()
	res := w.ingest(mail{From: "Ann <ann@acme.com>", Cc: "Carl <carl@cc.example>", Subject: "Printer broken", ID: "m1@acme.com", Body: "The printer is on fire."})
	w.expect(res, model.OutcomeCreated)
	return res
}

func participants(v admin.TicketView, role string) []string {
	var out []string
	for _, p := range v.Participants {
		if p.Role == role {
			out = append(out, p.Email)
		}
	}
	return out
}

func adminIntake(v string) admin.OrgSettings { return admin.OrgSettings{Intake: model.Intake(v)} }
