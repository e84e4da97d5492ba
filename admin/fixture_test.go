package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
	"github.com/helpdesk-gw/helpdesk/templates"
	"github.com/helpdesk-gw/helpdesk/threading"
	"github.com/helpdesk-gw/helpdesk/ticket"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// The staff of a fixture after withStaff.
const (
	owner = "olivia@help.example" // the first owner (S1 bootstrap)
	boss  = "ada@help.example"    // admin
	agent = "sam@help.example"    // agent
)

// clock is a test clock that steps one second each time it is read, so
// that "oldest" (O6, audit order) is always well defined.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// fakeReleaser puts a released message onto its ticket as a public comment
// of its sender, as the ingest pipeline would.
type fakeReleaser struct {
	mu       sync.Mutex
	released []int64
}

func (r *fakeReleaser) Release(ctx context.Context, tx *store.Tx, q model.QuarantineEntry, actor model.User) ([]ticket.Planned, error) {
	u, err := tx.UserByEmail(ctx, q.SenderEmail)
	if err != nil {
		return nil, err
	}
	if err := tx.AddComment(ctx, &model.Comment{TicketID: q.TicketID, AuthorID: u.ID, Visibility: model.VisibilityPublic,
		Body: "released by " + actor.Email}); err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.released = append(r.released, q.ID)
	r.mu.Unlock()
	return nil, nil
}

// settled drops the report of a quarantine release or discard.
func settled(_ admin.Settled, err error) error { return err }

// acted keeps what a ticket act did to access.
func acted(a admin.Acted, err error) (admin.Outcome, error) { return a.Outcome, err }

// testActs is the ticket service the fixture's admin service uses.
func testActs(t *testing.T) *ticket.Service {
	tmpl, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	addrs := threading.NewAddresses("support@help.example", "", threading.NewSigner([]byte("test secret, long enough")))
	return ticket.New(ticket.Options{Addresses: addrs, Templates: tmpl})
}

// fixture is a fresh store with an admin service on one backend.
type fixture struct {
	t   *testing.T
	ctx context.Context
	st  *store.Store
	svc *admin.Service
	rel *fakeReleaser
}

// each runs fn on both backends (in parallel), each with a fresh fixture.
// opts adjust the service's options (ConfirmOver).
func each(t *testing.T, fn func(t *testing.T, f *fixture), opts ...func(*admin.Options)) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		t.Parallel()
		clk := &clock{t: t0}
		st := storetest.OpenWith(t, b, store.Options{Clock: clk.Now})
		rel := &fakeReleaser{}
		o := admin.Options{Store: st, Releaser: rel, Clock: clk.Now, Acts: testActs(t)}
		for _, opt := range opts {
			opt(&o)
		}
		fn(t, &fixture{t: t, ctx: context.Background(), st: st, svc: admin.New(o), rel: rel})
	})
}

func confirmOver(n int) func(*admin.Options) { return func(o *admin.Options) { o.ConfirmOver = n } }

// as is a request made by email.
func as(email string) admin.Request { return admin.Request{As: email} }

// done fails the test unless an action succeeded.
func (f *fixture) done(o admin.Outcome, err error) admin.Outcome {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("unexpected error: %v", err)
	}
	return o
}

func (f *fixture) ok(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("unexpected error: %v", err)
	}
}

// withStaff creates the first owner (no --as), an admin and an agent.
func (f *fixture) withStaff() *fixture {
	f.t.Helper()
	f.done(f.svc.StaffSet(f.ctx, admin.Request{}, owner, model.RoleOwner, "staff.add"))
	f.done(f.svc.StaffSet(f.ctx, as(owner), boss, model.RoleAdmin, "staff.add"))
	f.done(f.svc.StaffSet(f.ctx, as(boss), agent, model.RoleAgent, "staff.add"))
	return f
}

// org adds an organisation as the owner.
func (f *fixture) org(slug string, acc model.OrgAccess, domains ...string) {
	f.t.Helper()
	f.done(f.svc.OrgAdd(f.ctx, as(owner), slug, admin.OrgSettings{Access: acc}, domains, false))
}

// user adds a user as the owner (O3), with admin memberships of orgs.
func (f *fixture) user(email string, orgs ...string) {
	f.t.Helper()
	f.done(f.svc.UserAdd(f.ctx, as(owner), email, "", orgs))
}

// show is user show.
func (f *fixture) show(email string) admin.UserView {
	f.t.Helper()
	v, err := f.svc.UserShow(f.ctx, email)
	f.ok(err)
	return v
}

// memberships lists "slug/access/source" of a user's memberships.
func (f *fixture) memberships(email string) []string {
	f.t.Helper()
	out := []string{}
	for _, m := range f.show(email).Memberships {
		out = append(out, m.Org+"/"+m.Access+"/"+m.Source)
	}
	sort.Strings(out)
	return out
}

// ticket creates a ticket directly in the store, as ingest would: requester
// (an existing user) in organisation slug ("" for none).
func (f *fixture) ticket(requester, slug string) int64 {
	f.t.Helper()
	var id int64
	f.ok(f.st.InTx(f.ctx, func(tx *store.Tx) error {
		u, err := tx.UserByEmail(f.ctx, requester)
		if err != nil {
			return err
		}
		t := model.Ticket{Subject: "help from " + requester, RequesterID: u.ID}
		if slug != "" {
			o, err := tx.OrgBySlug(f.ctx, slug)
			if err != nil {
				return err
			}
			t.OrgID = o.ID
		}
		if err := tx.CreateTicket(f.ctx, &t); err != nil {
			return err
		}
		id = t.ID
		return nil
	}))
	return id
}

// assign makes staff the ticket's assignee, directly in the store.
func (f *fixture) assign(ticket int64, staff string) {
	f.t.Helper()
	f.ok(f.st.InTx(f.ctx, func(tx *store.Tx) error {
		u, err := tx.UserByEmail(f.ctx, staff)
		if err != nil {
			return err
		}
		t, err := tx.TicketByID(f.ctx, ticket)
		if err != nil {
			return err
		}
		t.AssigneeID = u.ID
		return tx.UpdateTicket(f.ctx, &t)
	}))
}

// cc adds email (an existing user) as a CC of ticket, added by by, directly
// in the store.
func (f *fixture) cc(ticket int64, email, by string) {
	f.t.Helper()
	f.ok(f.st.InTx(f.ctx, func(tx *store.Tx) error {
		u, err := tx.UserByEmail(f.ctx, email)
		if err != nil {
			return err
		}
		b, err := tx.UserByEmail(f.ctx, by)
		if err != nil {
			return err
		}
		_, err = tx.AddParticipant(f.ctx, model.Participant{TicketID: ticket, UserID: u.ID, Role: model.ParticipantCC, AddedBy: b.ID})
		return err
	}))
}

// quarantine holds a message from sender about ticket (0: none).
func (f *fixture) quarantine(sender string, ticket int64) int64 {
	f.t.Helper()
	var id int64
	f.ok(f.st.InTx(f.ctx, func(tx *store.Tx) error {
		raw := model.RawMessage{SHA256: fmt.Sprintf("%064x", time.Now().UnixNano()), Raw: []byte("From: " + sender + "\r\n\r\nhello\r\n"),
			From: sender, Subject: "hello", Mailbox: "stdin", Outcome: model.OutcomeRejected, Reason: "I5 may view, not comment",
			Rules: []string{"I5"}, TicketID: ticket}
		if err := tx.InsertRaw(f.ctx, &raw); err != nil {
			return err
		}
		q := model.QuarantineEntry{RawMessageID: raw.ID, TicketID: ticket, SenderEmail: sender, Subject: "hello",
			Outcome: model.OutcomeRejected, Reason: raw.Reason, Rules: raw.Rules}
		if err := tx.AddQuarantine(f.ctx, &q); err != nil {
			return err
		}
		id = q.ID
		return nil
	}))
	return id
}

func (f *fixture) snapshot() access.Snapshot {
	f.t.Helper()
	s, err := access.NewFacts(f.st).TakeSnapshot(f.ctx)
	f.ok(err)
	return s
}

func (f *fixture) audit() []admin.AuditView {
	f.t.Helper()
	log, err := f.svc.Audit(f.ctx)
	f.ok(err)
	return log
}

// lastAudit is the newest audit entry.
func (f *fixture) lastAudit() admin.AuditView {
	f.t.Helper()
	log := f.audit()
	if len(log) == 0 {
		f.t.Fatal("audit log is empty")
	}
	return log[len(log)-1]
}

// orgAccess is the A1 setting of slug as org list shows it.
func (f *fixture) orgAccess(slug string) model.OrgAccess {
	f.t.Helper()
	orgs, err := f.svc.OrgList(f.ctx)
	f.ok(err)
	for _, o := range orgs {
		if o.Slug == slug {
			return o.Access
		}
	}
	f.t.Fatalf("no organisation %s in org list", slug)
	return ""
}

// wantErr checks that err wraps kind and that its message contains every
// one of words (what a person reading it needs).
func wantErr(t *testing.T, err, kind error, words ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error wrapping %v, got none", kind)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("error %q does not wrap %v", err, kind)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

func wantRefused(t *testing.T, err error, words ...string) {
	t.Helper()
	wantErr(t, err, admin.ErrRefused, words...)
}

func wantUsage(t *testing.T, err error, words ...string) {
	t.Helper()
	wantErr(t, err, admin.ErrUsage, words...)
}

func wantEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// changes formats an impact list as sorted "email #ticket right" lines.
func changes(cs []access.Change) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s #%d %s", c.Email, c.Ticket, c.Right))
	}
	sort.Strings(out)
	return out
}

// rights lists what a snapshot gives, "email #ticket view|comment".
func rights(s access.Snapshot, email string) []string {
	out := []string{}
	for k, r := range s {
		if k.Email != email {
			continue
		}
		switch {
		case r.Comment:
			out = append(out, fmt.Sprintf("#%d comment", k.Ticket))
		case r.View:
			out = append(out, fmt.Sprintf("#%d view", k.Ticket))
		}
	}
	sort.Strings(out)
	return out
}

// apply applies an impact to a snapshot.
func apply(s access.Snapshot, im access.Impact) access.Snapshot {
	out := access.Snapshot{}
	for k, r := range s {
		out[k] = r
	}
	set := func(c access.Change, on bool) {
		k := access.Key{Email: c.Email, Ticket: c.Ticket}
		r := out[k]
		if c.Right == "view" {
			r.View = on
		} else {
			r.Comment = on
		}
		out[k] = r
	}
	for _, c := range im.Gained {
		set(c, true)
	}
	for _, c := range im.Lost {
		set(c, false)
	}
	for k, r := range out {
		if !r.View && !r.Comment {
			delete(out, k)
		}
	}
	return out
}

// preview runs change as a dry run by actor and checks that it changed
// nothing (access snapshot, audit log); then runs it for real and checks
// that the real impact is the preview's and exactly the difference between
// the snapshots before and after, and that audited changes appended one
// audit entry. It returns the impact.
func (f *fixture) preview(actor string, audited bool, change func(req admin.Request) (admin.Outcome, error)) access.Impact {
	t := f.t
	t.Helper()
	before, logBefore := f.snapshot(), f.audit()

	dry, err := change(admin.Request{As: actor, Reason: "preview", DryRun: true})
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if !dry.DryRun {
		t.Error("dry run outcome does not say dry_run")
	}
	if got := f.snapshot(); !reflect.DeepEqual(got, before) {
		t.Fatalf("dry run changed access:\n before %v\n after  %v", before, got)
	}
	if got := f.audit(); len(got) != len(logBefore) {
		t.Fatalf("dry run appended %d audit entries", len(got)-len(logBefore))
	}

	real, err := change(admin.Request{As: actor, Reason: "for real"})
	if err != nil {
		t.Fatalf("real run: %v", err)
	}
	if real.DryRun {
		t.Error("real outcome says dry_run")
	}
	if !reflect.DeepEqual(real.Impact, dry.Impact) {
		t.Errorf("real impact differs from the preview:\n preview gained %v lost %v\n real    gained %v lost %v",
			changes(dry.Impact.Gained), changes(dry.Impact.Lost), changes(real.Impact.Gained), changes(real.Impact.Lost))
	}
	after := f.snapshot()
	if got := apply(before, real.Impact); !reflect.DeepEqual(got, after) {
		t.Errorf("snapshot after the change is not the snapshot before plus the impact:\n before+impact %v\n after         %v", got, after)
	}
	wantEntries := len(logBefore)
	if audited {
		wantEntries++
	}
	if got := f.audit(); len(got) != wantEntries {
		t.Errorf("the change appended %d audit entries, want %d", len(got)-len(logBefore), wantEntries-len(logBefore))
	}
	return real.Impact
}

// afterJSON decodes an audit entry's after.
func afterJSON(t *testing.T, e admin.AuditView) map[string]any {
	t.Helper()
	return decode(t, e.After)
}

func decode(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not a JSON object: %s", b)
	}
	return m
}
