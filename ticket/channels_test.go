package ticket_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
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
	"github.com/helpdesk-gw/helpdesk/ticket"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const authservID = "mx.help.example"

// world is a helpdesk where ann@acme.com (member of acme and acme-eu)
// opened ticket 1 with carl@cc.example in Cc; sam and sue are agents.
type world struct {
	t   *testing.T
	ctx context.Context
	st  *store.Store
	p   *ingest.Pipeline
	adm *admin.Service
	now time.Time
	// base counts the rows that existed before the act under test.
	base snapshot
}

func newWorld(t *testing.T, b store.Backend) *world {
	t.Helper()
	w := &world{t: t, ctx: context.Background(), now: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return w.now }
	w.st = storetest.OpenWith(t, b, store.Options{Clock: clock})
	tmpl, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	addrs := threading.NewAddresses("support@help.example", "", threading.NewSigner([]byte("test secret, long enough")))
	w.p = ingest.New(ingest.Options{Store: w.st, Addresses: addrs, Templates: tmpl, Clock: clock, TrustedAuthservID: authservID,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	w.adm = admin.New(admin.Options{Store: w.st, Releaser: w.p, Clock: clock, IsOwn: addrs.IsOwn})
	owner := admin.Request{As: "owner@help.example"}
	must(t)(w.adm.StaffSet(w.ctx, admin.Request{}, "owner@help.example", model.RoleOwner, "staff.add"))
	must(t)(w.adm.StaffSet(w.ctx, owner, "sam@help.example", model.RoleAgent, "staff.add"))
	must(t)(w.adm.StaffSet(w.ctx, owner, "sue@help.example", model.RoleAgent, "staff.add"))
	must(t)(w.adm.OrgAdd(w.ctx, owner, "acme", admin.OrgSettings{Name: "Acme"}, []string{"acme.com"}, false))
	w.now = w.now.Add(time.Minute)
	must(t)(w.adm.OrgAdd(w.ctx, owner, "acme-eu", admin.OrgSettings{Name: "Acme EU"}, []string{"acme.com"}, false))
	w.now = w.now.Add(time.Minute)
	res := w.mail("Ann <ann@acme.com>", "Cc: Carl <carl@cc.example>\r\n", "Printer broken", "The printer is on fire.")
	if res.Outcome != model.OutcomeCreated || res.TicketID != 1 {
		t.Fatalf("opening mail: %+v", res)
	}
	w.now = w.now.Add(time.Minute)
	w.base = w.snapshot()
	return w
}

func must(t *testing.T) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// mail ingests one message.
func (w *world) mail(from, extraHeaders, subject, body string) ingest.Result {
	w.t.Helper()
	raw := fmt.Sprintf("Authentication-Results: %s; dkim=pass header.d=help.example; dmarc=pass header.from=help.example\r\n"+
		"From: %s\r\nTo: support@help.example\r\n%sSubject: %s\r\nDate: Sun, 06 Dec 2026 10:00:00 +0000\r\n"+
		"Message-ID: <%d@mail.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		authservID, from, extraHeaders, subject, w.now.UnixNano(), strings.ReplaceAll(body, "\n", "\r\n"))
	res, err := w.p.Ingest(w.ctx, ingest.Input{Raw: []byte(raw), Mailbox: "test"})
	if err != nil {
		w.t.Fatal(err)
	}
	return res
}

// staffMail is sam's proven reply to ticket 1.
func (w *world) staffMail(body string) ingest.Result {
	w.t.Helper()
	return w.mail("Sam <sam@help.example>", "", "Re: Printer broken [#1]", body)
}

// snapshot is what a user would check of ticket 1: its fields, people,
// history, comments and notifications (recipient and kind).
type snapshot struct {
	Status, Priority, Type, Assignee, Org string
	Participants                          []string
	Events                                []string
	Comments                              []string
	Outbox                                []string
}

func (w *world) snapshot() snapshot {
	w.t.Helper()
	ctx := w.ctx
	tk, err := w.st.TicketByID(ctx, 1)
	if err != nil {
		w.t.Fatal(err)
	}
	email := func(id int64) string {
		if id == 0 {
			return "(none)"
		}
		u, err := w.st.UserByID(ctx, id)
		if err != nil {
			w.t.Fatal(err)
		}
		return u.Email
	}
	s := snapshot{Status: string(tk.Status), Priority: string(tk.Priority), Type: string(tk.Type), Assignee: email(tk.AssigneeID)}
	if tk.OrgID != 0 {
		o, err := w.st.OrgByID(ctx, tk.OrgID)
		if err != nil {
			w.t.Fatal(err)
		}
		s.Org = o.Slug
	}
	ps, err := w.st.Participants(ctx, 1)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, p := range ps {
		s.Participants = append(s.Participants, email(p.UserID)+" "+string(p.Role))
	}
	slices.Sort(s.Participants)
	es, err := w.st.Events(ctx, 1)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, e := range es {
		s.Events = append(s.Events, fmt.Sprintf("%s by %s: %s", e.Kind, email(e.ActorID), e.Detail))
	}
	cs, err := w.st.Comments(ctx, 1)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, c := range cs {
		s.Comments = append(s.Comments, fmt.Sprintf("%s %s: %s", c.Visibility, email(c.AuthorID), c.Body))
	}
	rows, err := w.st.ListOutbox(ctx, store.OutboxFilter{TicketID: 1})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, r := range rows {
		s.Outbox = append(s.Outbox, string(r.Kind)+" to "+r.To)
	}
	return s
}

// since is what changed after the world was built: the lists keep only
// their new entries (outbox sorted: the order of recipients is no promise).
func (w *world) since() snapshot {
	s := w.snapshot()
	s.Events = s.Events[len(w.base.Events):]
	s.Comments = s.Comments[len(w.base.Comments):]
	s.Outbox = s.Outbox[len(w.base.Outbox):]
	slices.Sort(s.Outbox)
	return s
}

// TestActsSameByMailAndCommandLine: each act on a ticket is one function
// of package ticket; done by a staff member's mail or by the command line,
// it leaves the same rows: fields, participants, history, comments and
// notifications (I8, C5, C6, I3, S1, N1, N2, N3, R7).
func TestActsSameByMailAndCommandLine(t *testing.T) {
	sam := admin.Request{As: "sam@help.example"}
	acts := []struct {
		name string
		mail string // the body of sam's mail
		cli  func(w *world) error
		want func(s snapshot) bool // what a user checks, besides the two channels agreeing
	}{
		{"I8 status", "#status pending", func(w *world) error {
			_, err := w.adm.TicketSet(w.ctx, sam, 1, ticket.Change{Status: model.StatusPending})
			return err
		}, func(s snapshot) bool { return s.Status == "pending" }},
		{"I8 priority", "#priority urgent", func(w *world) error {
			_, err := w.adm.TicketSet(w.ctx, sam, 1, ticket.Change{Priority: model.PriorityUrgent})
			return err
		}, func(s snapshot) bool { return s.Priority == "urgent" }},
		{"I8 type", "#type incident", func(w *world) error {
			_, err := w.adm.TicketSet(w.ctx, sam, 1, ticket.Change{Type: model.TypeIncident})
			return err
		}, func(s snapshot) bool { return s.Type == "incident" }},
		{"I8 S1 assign", "#assign sue@help.example", func(w *world) error {
			_, err := w.adm.TicketSet(w.ctx, sam, 1, ticket.Change{Assign: "sue@help.example"})
			return err
		}, func(s snapshot) bool { return s.Assignee == "sue@help.example" }},
		{"I8 assign me", "#assign me", func(w *world) error {
			_, err := w.adm.TicketSet(w.ctx, sam, 1, ticket.Change{Assign: "me"})
			return err
		}, func(s snapshot) bool { return s.Assignee == "sam@help.example" }},
		{"I3 org", "#org acme-eu", func(w *world) error {
			_, err := w.adm.TicketSet(w.ctx, sam, 1, ticket.Change{Org: "acme-eu"})
			return err
		}, func(s snapshot) bool { return s.Org == "acme-eu" }},
		{"C5 C6 N3 cc add", "#cc +pat@partner.example", func(w *world) error {
			_, err := w.adm.TicketCC(w.ctx, sam, 1, []string{"pat@partner.example"}, nil)
			return err
		}, func(s snapshot) bool {
			return slices.Contains(s.Participants, "pat@partner.example cc") && slices.Contains(s.Outbox, "cc_added to pat@partner.example")
		}},
		{"C5 C6 cc remove", "#cc -carl@cc.example", func(w *world) error {
			_, err := w.adm.TicketCC(w.ctx, sam, 1, nil, []string{"carl@cc.example"})
			return err
		}, func(s snapshot) bool { return !slices.Contains(s.Participants, "carl@cc.example cc") }},
		{"R7 N2 note", "#note\nThe customer is difficult.", func(w *world) error {
			_, err := w.adm.TicketReply(w.ctx, sam, 1, "The customer is difficult.", true)
			return err
		}, func(s snapshot) bool {
			for _, o := range s.Outbox {
				if !strings.HasSuffix(o, "@help.example") {
					return false // a note reached someone who is not staff
				}
			}
			return slices.Equal(s.Comments, []string{"internal sam@help.example: The customer is difficult."})
		}},
		{"N1 reply", "We replaced the printer.", func(w *world) error {
			_, err := w.adm.TicketReply(w.ctx, sam, 1, "We replaced the printer.", false)
			return err
		}, func(s snapshot) bool {
			return slices.Equal(s.Comments, []string{"public sam@help.example: We replaced the printer."}) &&
				slices.Contains(s.Outbox, "comment to ann@acme.com") && slices.Contains(s.Outbox, "comment to carl@cc.example")
		}},
	}
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		for _, act := range acts {
			t.Run(act.name, func(t *testing.T) {
				byMail := newWorld(t, b)
				res := byMail.staffMail(act.mail)
				if res.Outcome != model.OutcomeCommented && res.Outcome != model.OutcomeNoted {
					t.Fatalf("mail: %s (%s)", res.Outcome, res.Reason)
				}
				byCLI := newWorld(t, b)
				if err := act.cli(byCLI); err != nil {
					t.Fatalf("command line: %v", err)
				}
				m, c := byMail.since(), byCLI.since()
				if !reflect.DeepEqual(m, c) {
					t.Errorf("mail and command line differ:\n mail %+v\n cli  %+v", m, c)
				}
				if !act.want(c) {
					t.Errorf("the act did not do what it says: %+v", c)
				}
			})
		}
	})
}
