package access

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// worldSeeds are the random worlds every viewer-scoped test is run on.
var worldSeeds = []uint64{1, 2, 3, 20261206}

// world is a random helpdesk: organisations with every A1 setting, users
// with random memberships and A2 settings, staff, and tickets with random
// requesters, organisations, CCs, followers and comments.
type world struct {
	s       *store.Store
	orgs    []model.Organisation
	users   []model.User // end-users and staff
	tickets []model.Ticket
	subject map[int64]string
}

var subjectWords = []string{"Printer", "VPN", "invoice", "100% CPU", "mail_box", "Écran", "login"}

// newWorld builds a random world from seed in s, through the store's own
// writes.
func newWorld(t *testing.T, s *store.Store, seed uint64) *world {
	t.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	w := &world{s: s, subject: map[int64]string{}}
	base := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	accesses := []model.OrgAccess{model.OrgAccessOwn, model.OrgAccessView, model.OrgAccessComment}
	for i := range 4 {
		o := model.Organisation{Slug: fmt.Sprintf("org%d", i), Access: accesses[r.IntN(len(accesses))]}
		if i < len(accesses) {
			o.Access = accesses[i] // every A1 setting at least once
		}
		must(s.CreateOrg(ctx, &o))
		if i > 0 && i < 3 { // a view and a comment organisation hold a domain (O3)
			must(s.AddOrgDomain(ctx, o.ID, model.Domain{Name: fmt.Sprintf("example%d.com", i-1), AddedAt: base}))
		}
		w.orgs = append(w.orgs, o)
	}
	roles := []model.StaffRole{model.RoleAgent, model.RoleAdmin, model.RoleOwner}
	for i := range 14 {
		u := model.User{Email: fmt.Sprintf("user%d@example%d.com", i, i%3), Name: fmt.Sprint("User ", i)}
		if i < 2 {
			u.StaffRole = roles[r.IntN(len(roles))]
		}
		must(s.CreateUser(ctx, &u))
		w.users = append(w.users, u)
		for _, o := range w.orgs {
			if r.IntN(3) != 0 {
				continue
			}
			m := model.Membership{UserID: u.ID, OrgID: o.ID, Access: model.MemberAccessOwn, Source: model.SourceAdmin}
			if r.IntN(3) == 0 {
				m.Access = model.MemberAccessOrg
				m.FollowAll = r.IntN(2) == 0 // N5: grants nothing (A4)
			}
			must(s.UpsertMembership(ctx, m))
		}
	}
	statuses := []model.Status{model.StatusOpen, model.StatusPending, model.StatusSolved, model.StatusClosed}
	for range 30 {
		tk := model.Ticket{
			Subject:     subjectWords[r.IntN(len(subjectWords))] + " " + subjectWords[r.IntN(len(subjectWords))],
			Status:      statuses[r.IntN(len(statuses))],
			RequesterID: w.users[r.IntN(len(w.users))].ID,
			CreatedAt:   base,
			// few distinct times: ties that only the id breaks
			UpdatedAt: base.Add(time.Duration(r.IntN(8)) * time.Minute),
		}
		if r.IntN(5) != 0 {
			tk.OrgID = w.orgs[r.IntN(len(w.orgs))].ID // not always one of the requester's (R5)
		}
		if r.IntN(2) == 0 {
			tk.AssigneeID = w.users[r.IntN(2)].ID
		}
		must(s.CreateTicket(ctx, &tk))
		w.tickets = append(w.tickets, tk)
		w.subject[tk.ID] = tk.Subject
		for range r.IntN(4) {
			role := model.ParticipantCC
			if r.IntN(3) == 0 {
				role = model.ParticipantFollower // grants nothing (A4)
			}
			_, err := s.AddParticipant(ctx, model.Participant{TicketID: tk.ID, UserID: w.users[r.IntN(len(w.users))].ID, Role: role})
			must(err)
		}
		for range r.IntN(5) {
			c := model.Comment{TicketID: tk.ID, AuthorID: w.users[r.IntN(len(w.users))].ID,
				Visibility: model.VisibilityPublic, Body: "public"}
			if r.IntN(2) == 0 {
				c.Visibility, c.Body = model.VisibilityInternal, "internal note"
			}
			if r.IntN(3) == 0 {
				c.Attachments = []model.Attachment{{Filename: "a.txt", ContentType: "text/plain", Content: []byte(c.Body)}}
			}
			must(s.AddComment(ctx, &c))
		}
	}
	return w
}

// slowRights judges every user on every ticket the slow way: the facts of
// each ticket read alone (Facts.Ticket), the person read alone.
func (w *world) slowRights(t *testing.T) (map[string]policy.Person, map[string]map[int64]policy.Decision) {
	t.Helper()
	ctx := context.Background()
	f := NewFacts(w.s)
	people := map[string]policy.Person{}
	rights := map[string]map[int64]policy.Decision{}
	for _, u := range w.users {
		p, _, err := f.Person(ctx, u.Email)
		if err != nil {
			t.Fatal(err)
		}
		people[u.Email], rights[u.Email] = p, map[int64]policy.Decision{}
	}
	for _, tk := range w.tickets {
		v, err := f.Ticket(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		for e, p := range people {
			if d := policy.Rights(p, v.Facts); d.View {
				rights[e][tk.ID] = d
			}
		}
	}
	return people, rights
}

// listCase is one way of walking a viewer's list.
type listCase struct {
	name   string
	filter store.VisibleFilter
	page   store.TicketPage
}

// listCases are every order and direction, unfiltered and with a random
// filter, with a small page so that every list has several pages.
func (w *world) listCases(r *rand.Rand) []listCase {
	var out []listCase
	for _, order := range []store.TicketOrder{store.OrderByID, store.OrderByUpdated} {
		for _, desc := range []bool{false, true} {
			page := store.TicketPage{Order: order, Desc: desc, Limit: 1 + r.IntN(4)}
			out = append(out, listCase{fmt.Sprintf("%s desc=%v", order, desc), store.VisibleFilter{}, page})
			f := store.VisibleFilter{}
			if r.IntN(2) == 0 {
				f.Statuses = []model.Status{model.StatusOpen, model.StatusPending}[:1+r.IntN(2)]
			}
			switch r.IntN(3) {
			case 0:
				f.OrgID = w.orgs[r.IntN(len(w.orgs))].ID
			case 1:
				f.OrgID = -1
			}
			if r.IntN(2) == 0 {
				f.Subject = []string{"printer", "100%", "L_B", "_", "cpu"}[r.IntN(5)]
			}
			out = append(out, listCase{fmt.Sprintf("%s desc=%v filter=%+v", order, desc, f), f, page})
		}
	}
	return out
}

// want is what the list c should show a viewer with rights, in order.
func (w *world) want(c listCase, rights map[int64]policy.Decision) []model.Ticket {
	var out []model.Ticket
	for _, tk := range w.tickets {
		if _, ok := rights[tk.ID]; ok && matches(c.filter, tk) {
			out = append(out, tk)
		}
	}
	slices.SortFunc(out, func(a, b model.Ticket) int {
		n := cmp.Compare(a.ID, b.ID)
		if c.page.Order == store.OrderByUpdated {
			n = cmp.Or(a.UpdatedAt.Compare(b.UpdatedAt), n)
		}
		if c.page.Desc {
			n = -n
		}
		return n
	})
	return out
}

// matches is VisibleFilter in Go.
func matches(f store.VisibleFilter, tk model.Ticket) bool {
	if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, tk.Status) {
		return false
	}
	if (f.OrgID > 0 && tk.OrgID != f.OrgID) || (f.OrgID < 0 && tk.OrgID != 0) {
		return false
	}
	return strings.Contains(strings.ToLower(tk.Subject), strings.ToLower(f.Subject))
}

// walk reads every page of a viewer's list and checks the pages' shape.
func walk(t *testing.T, f *Facts, viewer string, c listCase) []TicketRow {
	t.Helper()
	var all []TicketRow
	page := c.page
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatalf("%s, %s: more than 100 pages", viewer, c.name)
		}
		l, err := f.VisibleTickets(context.Background(), viewer, c.filter, page)
		if err != nil {
			t.Fatalf("%s, %s: %v", viewer, c.name, err)
		}
		if len(l.Tickets) > page.Limit || (l.Next != nil && len(l.Tickets) != page.Limit) {
			t.Fatalf("%s, %s: page of %d rows (limit %d), next %v", viewer, c.name, len(l.Tickets), page.Limit, l.Next)
		}
		if pages > 0 && len(l.Tickets) == 0 {
			t.Errorf("%s, %s: the page after a Next is empty", viewer, c.name)
		}
		all = append(all, l.Tickets...)
		if l.Next == nil {
			return all
		}
		page.After = *l.Next
	}
}

// R1–R5 (with A1–A4): walking every page of VisibleTickets gives a viewer
// exactly the tickets policy.Rights lets them see, judged the slow way, in
// the list's order, each once; the store's prefilter alone is a superset
// (as R1–R4 stand, the same set); a viewer who is not a user sees nothing.
func TestR1_R2_R3_R4_R5_VisibleTicketsAgreeWithPolicy(t *testing.T) {
	for _, seed := range worldSeeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, b store.Backend) {
				s := storetest.Open(t, b)
				w := newWorld(t, s, seed)
				_, rights := w.slowRights(t)
				r := rand.New(rand.NewPCG(seed, 14))
				seen := 0
				for _, u := range w.users {
					checkPrefilter(t, s, u, rights[u.Email])
					for _, c := range w.listCases(r) {
						got := walk(t, NewFacts(s), strings.ToUpper(u.Email), c)
						want := w.want(c, rights[u.Email])
						gotIDs, wantIDs := rowIDs(got), ticketIDs(want)
						if !slices.Equal(gotIDs, wantIDs) {
							t.Errorf("%s (%s), %s:\n got %v\nwant %v", u.Email, u.StaffRole, c.name, gotIDs, wantIDs)
							continue
						}
						// policy.Rights is the final word: a prefilter that
						// offers every ticket changes nothing.
						if ids := rowIDs(walk(t, NewFacts(loosePrefilter{s, w.users[0].ID}), u.Email, c)); !slices.Equal(ids, wantIDs) {
							t.Errorf("%s, %s, loose prefilter:\n got %v\nwant %v", u.Email, c.name, ids, wantIDs)
						}
						for i, row := range got {
							d := rights[u.Email][row.Ticket.ID]
							if !slices.Equal(row.Rights.Rules, d.Rules) || row.Rights.Comment != d.Comment {
								t.Errorf("%s, ticket %d: rights %+v, want %+v", u.Email, row.Ticket.ID, row.Rights, d)
							}
							if wc := store.CursorOf(want[i]); row.Cursor.ID != wc.ID || !row.Cursor.UpdatedAt.Equal(wc.UpdatedAt) {
								t.Errorf("%s, ticket %d: cursor %+v, want %+v", u.Email, row.Ticket.ID, row.Cursor, store.CursorOf(want[i]))
							}
						}
						seen += len(got)
					}
				}
				if seen == 0 {
					t.Fatal("nobody saw anything: the world tests nothing")
				}
				for _, e := range []string{"stranger@example0.com", "nobody@nowhere.example"} {
					l, err := NewFacts(s).VisibleTickets(context.Background(), e, store.VisibleFilter{}, store.TicketPage{})
					if err != nil || len(l.Tickets) != 0 || l.Next != nil {
						t.Errorf("%s, not a user: %d tickets, next %v, %v", e, len(l.Tickets), l.Next, err)
					}
				}
			})
		})
	}
}

// loosePrefilter is a store whose prefilter offers every viewer what
// staff member staffID sees: every ticket (R1).
type loosePrefilter struct {
	*store.Store
	staffID int64
}

func (l loosePrefilter) VisibleTicketKeys(ctx context.Context, _ int64, f store.VisibleFilter, p store.TicketPage) ([]store.TicketCursor, error) {
	return l.Store.VisibleTicketKeys(ctx, l.staffID, f, p)
}

// checkPrefilter walks the store's prefilter alone for u and checks that
// it holds every ticket u may see (it may hold more, never fewer), and,
// as R1–R4 stand, no other.
func checkPrefilter(t *testing.T, s *store.Store, u model.User, rights map[int64]policy.Decision) {
	t.Helper()
	got := map[int64]bool{}
	page := store.TicketPage{Limit: 2}
	for {
		keys, err := s.VisibleTicketKeys(context.Background(), u.ID, store.VisibleFilter{}, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if got[k.ID] {
				t.Fatalf("%s: prefilter gave ticket %d twice", u.Email, k.ID)
			}
			got[k.ID] = true
		}
		if len(keys) < page.Limit {
			break
		}
		page.After = keys[len(keys)-1]
	}
	for id := range rights {
		if !got[id] {
			t.Errorf("%s: the prefilter misses ticket %d, which %s gives", u.Email, id, rights[id].Why)
		}
	}
	for id := range got {
		if _, ok := rights[id]; !ok {
			t.Errorf("%s: the prefilter offers ticket %d, which policy refuses (superset, but not as tight as R1–R4)", u.Email, id)
		}
	}
}

func rowIDs(rows []TicketRow) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.Ticket.ID
	}
	return out
}

func ticketIDs(ts []model.Ticket) []int64 {
	out := make([]int64, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

// R5, R7: TicketAs shows a viewer exactly the tickets policy.Rights lets
// them see, with every comment and note for staff and the public comments
// only for anyone else: never an internal note (nor its attachments) to
// someone who is not staff; a ticket they may not see, one that does not
// exist and a viewer who is not a user are all ErrNotVisible.
func TestR1_R5_R7_TicketAsShowsInternalNotesToStaffOnly(t *testing.T) {
	for _, seed := range worldSeeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, b store.Backend) {
				ctx := context.Background()
				s := storetest.Open(t, b)
				w := newWorld(t, s, seed)
				people, rights := w.slowRights(t)
				internalSeen := 0
				for _, tk := range w.tickets {
					all, err := s.Comments(ctx, tk.ID)
					if err != nil {
						t.Fatal(err)
					}
					for _, u := range w.users {
						got, err := NewFacts(s).TicketAs(ctx, u.Email, tk.ID)
						d, ok := rights[u.Email][tk.ID]
						if !ok {
							if !errors.Is(err, ErrNotVisible) || !errors.Is(err, store.ErrNotFound) || got != nil {
								t.Errorf("%s, ticket %d (R5): got %v, %v; want ErrNotVisible", u.Email, tk.ID, got, err)
							}
							continue
						}
						if err != nil {
							t.Fatalf("%s, ticket %d: %v", u.Email, tk.ID, err)
						}
						staff := people[u.Email].IsStaff()
						if got.Ticket.ID != tk.ID || got.Internal != staff || !slices.Equal(got.Rights.Rules, d.Rules) {
							t.Errorf("%s, ticket %d: got ticket %d, internal %v, rules %v; want internal %v, rules %v",
								u.Email, tk.ID, got.Ticket.ID, got.Internal, got.Rights.Rules, staff, d.Rules)
						}
						var want []int64
						for _, c := range all {
							if staff || c.Visibility == model.VisibilityPublic {
								want = append(want, c.ID)
							}
						}
						var gotIDs []int64
						for _, c := range got.Comments {
							gotIDs = append(gotIDs, c.ID)
							if c.Visibility != model.VisibilityPublic {
								if !staff {
									t.Errorf("R7: %s, not staff, was shown internal note %d on ticket %d", u.Email, c.ID, tk.ID)
								}
								internalSeen++
							}
							for _, a := range c.Attachments {
								if a.CommentID != c.ID {
									t.Errorf("%s: comment %d carries attachment %d of comment %d", u.Email, c.ID, a.ID, a.CommentID)
								}
							}
						}
						if !slices.Equal(gotIDs, want) {
							t.Errorf("%s (staff %v), ticket %d: comments %v, want %v", u.Email, staff, tk.ID, gotIDs, want)
						}
					}
				}
				if internalSeen == 0 {
					t.Fatal("no internal note was shown to staff: the world tests nothing")
				}
				for _, e := range []string{"stranger@example0.com", w.users[0].Email} {
					id := int64(987654)
					if e == "stranger@example0.com" {
						id = w.tickets[0].ID
					}
					if got, err := NewFacts(s).TicketAs(ctx, e, id); !errors.Is(err, ErrNotVisible) || got != nil {
						t.Errorf("%s, ticket %d: got %v, %v; want ErrNotVisible", e, id, got, err)
					}
				}
			})
		})
	}
}
