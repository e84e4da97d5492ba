package store_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// TestListTicketsWithPeopleIsListTicketsWithLookups checks, on a random
// store, that every filter and every page of ListTicketsWithPeople lists
// the tickets ListTickets lists, with the addresses and slug that looking
// each one up gives and the participants Participants gives, in order.
func TestListTicketsWithPeopleIsListTicketsWithLookups(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		rng := rand.New(rand.NewPCG(20, 2))
		var orgs []model.Organisation
		for i := range 3 {
			o := model.Organisation{Slug: fmt.Sprintf("org%d", i)}
			must(t, s.CreateOrg(ctx, &o))
			orgs = append(orgs, o)
		}
		team := model.Team{Slug: "billing", Name: "Billing"}
		must(t, s.CreateTeam(ctx, &team))
		var users []model.User
		for i := range 12 {
			users = append(users, mustUser(t, s, fmt.Sprintf("u%d@example.com", i)))
		}
		pick := func() model.User { return users[rng.IntN(len(users))] }
		statuses := []model.Status{model.StatusOpen, model.StatusPending, model.StatusSolved}
		for range 60 {
			tk := model.Ticket{Subject: "s", RequesterID: pick().ID, Status: statuses[rng.IntN(3)]}
			if rng.IntN(4) > 0 {
				tk.OrgID = orgs[rng.IntN(len(orgs))].ID
			}
			if rng.IntN(2) == 0 {
				tk.AssigneeID = pick().ID
			}
			if rng.IntN(3) == 0 {
				tk.TeamID = team.ID
			}
			must(t, s.CreateTicket(ctx, &tk))
			at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for range rng.IntN(4) {
				role := model.ParticipantCC
				if rng.IntN(3) == 0 {
					role = model.ParticipantFollower
				}
				at = at.Add(time.Duration(rng.IntN(3)) * time.Minute) // ties: then by user id
				if _, err := s.AddParticipant(ctx, model.Participant{TicketID: tk.ID, UserID: pick().ID, Role: role, AddedAt: at}); err != nil {
					t.Fatal(err)
				}
			}
		}
		want := func(f store.TicketFilter) []store.ListedTicket {
			ts, err := s.ListTickets(ctx, f)
			must(t, err)
			var out []store.ListedTicket
			for _, tk := range ts {
				l := store.ListedTicket{Ticket: tk}
				r, err := s.UserByID(ctx, tk.RequesterID)
				must(t, err)
				l.Requester = r.Email
				if tk.AssigneeID != 0 {
					a, err := s.UserByID(ctx, tk.AssigneeID)
					must(t, err)
					l.Assignee = a.Email
				}
				if tk.OrgID != 0 {
					o, err := s.OrgByID(ctx, tk.OrgID)
					must(t, err)
					l.OrgSlug = o.Slug
				}
				ps, err := s.Participants(ctx, tk.ID)
				must(t, err)
				for _, p := range ps {
					u, err := s.UserByID(ctx, p.UserID)
					must(t, err)
					l.Participants = append(l.Participants, store.ListedParticipant{Email: u.Email, Role: p.Role})
				}
				out = append(out, l)
			}
			return out
		}
		filters := []store.TicketFilter{{}, {OrgID: orgs[0].ID}, {Status: model.StatusPending}, {AssigneeID: users[3].ID},
			{TeamID: team.ID}, {TeamID: -1, OrgID: orgs[1].ID}, {RequesterID: users[5].ID}}
		for _, f := range filters {
			all := want(f)
			got, err := s.ListTicketsWithPeople(ctx, f)
			must(t, err)
			if !sameListed(got, all) {
				t.Fatalf("ListTicketsWithPeople(%+v):\n got %+v\nwant %+v", f, got, all)
			}
			for _, size := range []int{1, 4, 7} { // page by page, as ticket list reads it
				f := f
				f.Limit = size
				var paged []store.ListedTicket
				for {
					page, err := s.ListTicketsWithPeople(ctx, f)
					must(t, err)
					paged = append(paged, page...)
					if len(page) < size {
						break
					}
					f.AfterID = page[len(page)-1].ID
				}
				if !sameListed(paged, all) {
					t.Fatalf("pages of %d of %+v:\n got %+v\nwant %+v", size, f, paged, all)
				}
			}
		}
	})
}

// sameListed compares listed tickets, times to the second (as stored).
func sameListed(a, b []store.ListedTicket) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if !x.CreatedAt.Equal(y.CreatedAt) || !x.UpdatedAt.Equal(y.UpdatedAt) {
			return false
		}
		x.CreatedAt, x.UpdatedAt, y.CreatedAt, y.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}
