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
