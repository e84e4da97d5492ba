package store_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// TestDeferredMembersWithAccessAgreeWithPlain runs the same random
// membership upserts (new members, access changed both ways, follow-all
// set and cleared), with reads of an organisation's members by access
// between them, in a deferred and in a plain transaction: every read
// must agree, the date each member joined included.
func TestDeferredMembersWithAccessAgreeWithPlain(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		var orgs []*model.Organisation
		for i := range 2 {
			o := &model.Organisation{Slug: fmt.Sprintf("org%d", i)}
			must(t, s.CreateOrg(ctx, o))
			orgs = append(orgs, o)
		}
		var users []model.User
		for i := range 8 {
			u := mustUser(t, s, fmt.Sprintf("u%d@example.com", i))
			users = append(users, u)
			if i%2 == 0 {
				a := model.MemberAccessOwn
				if i%4 == 0 {
					a = model.MemberAccessOrg
				}
				must(t, s.UpsertMembership(ctx, model.Membership{UserID: u.ID, OrgID: orgs[0].ID, Access: a}))
			}
		}
		// the dates members joined before the transactions; a membership
		// the transaction creates is stamped by each with its own time
		joined := map[int64]bool{}
		for _, o := range orgs {
			ms, err := s.MembershipsOfOrg(ctx, o.ID)
			must(t, err)
			for _, m := range ms {
				joined[m.CreatedAt.Unix()] = true
			}
		}
		date := func(m model.Membership) string {
			if joined[m.CreatedAt.Unix()] {
				return fmt.Sprint(m.CreatedAt.Unix())
			}
			return "new"
		}
		for seed := range uint64(6) {
			var got [2][]string
			for i, deferred := range []bool{false, true} {
				rng := rand.New(rand.NewPCG(seed, 7))
				err := s.InTx(ctx, func(tx *store.Tx) error {
					if deferred {
						tx.Defer()
					}
					for step := range 30 {
						o := orgs[rng.IntN(len(orgs))]
						switch rng.IntN(3) {
						case 0: // a read, cached or not
							for _, a := range []model.MemberAccess{model.MemberAccessOrg, model.MemberAccessOwn} {
								ms, err := tx.MembershipsOfOrgWithAccess(ctx, o.ID, a)
								must(t, err)
								line := fmt.Sprintf("%d %s %s:", step, o.Slug, a)
								for _, m := range ms {
									line += fmt.Sprintf(" %d/%s/%v/%s/%s", m.UserID, m.Access, m.FollowAll, m.Source, date(m))
								}
								got[i] = append(got[i], line)
							}
						case 1: // the whole membership, as the follow-all reads fill it
							_, err := tx.MembershipsOfOrg(ctx, o.ID)
							must(t, err)
						default:
							a := model.MemberAccessOwn
							if rng.IntN(2) == 0 {
								a = model.MemberAccessOrg
							}
							u := users[rng.IntN(len(users))]
							must(t, tx.UpsertMembership(ctx, model.Membership{UserID: u.ID, OrgID: o.ID, Access: a,
								FollowAll: rng.IntN(3) == 0, Source: model.SourceAdmin}))
						}
					}
					return errors.New("roll back")
				})
				if err == nil || err.Error() != "roll back" {
					t.Fatal(err)
				}
			}
			if fmt.Sprint(got[0]) != fmt.Sprint(got[1]) {
				t.Fatalf("seed %d: deferred reads\n%s\nplain\n%s", seed, fmt.Sprint(got[1]), fmt.Sprint(got[0]))
			}
			if len(got[0]) == 0 {
				t.Fatalf("seed %d read nothing", seed)
			}
		}
	})
}

// TestDeferredTicketUpdatesAgreeWithPlain updates tickets written before
// the transaction, in a deferred and in a plain one, reading them back
// from the cache, through a query that reaches the database, and after
// the commit: every read must agree.
func TestDeferredTicketUpdatesAgreeWithPlain(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		ann := mustUser(t, s, "ann@example.com")
		sam := mustUser(t, s, "sam@example.com")
		var got [2][]string
		for i, deferred := range []bool{false, true} {
			a, b := mustTicket(t, s, ann.ID), mustTicket(t, s, ann.ID)
			show := func(tk model.Ticket) string {
				return fmt.Sprintf("%s/%s/%s/%d/%v", tk.Subject, tk.Status, tk.Priority, tk.AssigneeID, tk.UpdatedAt.After(tk.CreatedAt))
			}
			must(t, s.InTx(ctx, func(tx *store.Tx) error {
				if deferred {
					tx.Defer()
				}
				for n, id := range []int64{a.ID, b.ID, a.ID} {
					tk, err := tx.TicketByID(ctx, id)
					must(t, err)
					tk.Status, tk.AssigneeID, tk.Subject = model.StatusPending, sam.ID, fmt.Sprintf("edit %d", n)
					must(t, tx.UpdateTicket(ctx, &tk))
					again, err := tx.TicketByID(ctx, id)
					must(t, err)
					got[i] = append(got[i], "cached "+show(again))
				}
				listed, err := tx.ListTickets(ctx, store.TicketFilter{AssigneeID: sam.ID}) // reaches the database
				must(t, err)
				for _, tk := range listed {
					if tk.ID == a.ID || tk.ID == b.ID {
						got[i] = append(got[i], "listed "+show(tk))
					}
				}
				tk, err := tx.TicketByID(ctx, b.ID)
				must(t, err)
				tk.Priority = model.PriorityHigh
				must(t, tx.UpdateTicket(ctx, &tk)) // pending at the commit
				return nil
			}))
			for _, id := range []int64{a.ID, b.ID} {
				tk, err := s.TicketByID(ctx, id)
				must(t, err)
				got[i] = append(got[i], "committed "+show(tk))
			}
		}
		if fmt.Sprint(got[0]) != fmt.Sprint(got[1]) {
			t.Fatalf("deferred\n%v\nplain\n%v", got[1], got[0])
		}
		if len(got[0]) != 7 {
			t.Fatalf("reads %v: want 3 cached, 2 listed, 2 committed", got[0])
		}
	})
}
