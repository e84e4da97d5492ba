package access

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// TestR1_R5_ExplainIsRightsOfEveryone: on random worlds (organisations
// of each access, members own and org, following all or not, from their
// domain or an admin, members of two organisations, staff who are
// members too, CCs and followers of other organisations), Explain lists
// exactly the people policy.Rights lets see each ticket when asked of
// every user in turn, with the same comment right, rules and reasons, by
// user id.
func TestR1_R5_ExplainIsRightsOfEveryone(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		ctx := context.Background()
		for seed := range uint64(3) {
			s := storetest.Open(t, b)
			r := rand.New(rand.NewPCG(seed, 76))
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			accesses := []model.OrgAccess{model.OrgAccessOwn, model.OrgAccessView, model.OrgAccessComment}
			var orgs []model.Organisation
			for i := range 4 {
				o := model.Organisation{Slug: fmt.Sprint("o", i), Access: accesses[r.IntN(len(accesses))]}
				must(s.CreateOrg(ctx, &o))
				must(s.AddOrgDomain(ctx, o.ID, model.Domain{Name: fmt.Sprintf("o%d.example", i), AddedAt: time.Now()}))
				orgs = append(orgs, o)
			}
			var users []model.User
			for i := range 40 {
				u := model.User{Email: fmt.Sprintf("u%d@o%d.example", i, i%4)}
				if r.IntN(8) == 0 {
					u.StaffRole = model.RoleAgent
				}
				must(s.CreateUser(ctx, &u))
				users = append(users, u)
				for _, o := range orgs {
					if o.ID%4 == int64(i%4) || r.IntN(6) == 0 {
						m := model.Membership{UserID: u.ID, OrgID: o.ID, FollowAll: r.IntN(4) == 0, Source: model.SourceDomain}
						if r.IntN(3) == 0 {
							m.Access = model.MemberAccessOrg
						}
						if r.IntN(2) == 0 {
							m.Source = model.SourceAdmin
						}
						must(s.UpsertMembership(ctx, m))
					}
				}
			}
			var tickets []int64
			for range 25 {
				tk := model.Ticket{Subject: "s", RequesterID: users[r.IntN(len(users))].ID}
				if r.IntN(5) > 0 {
					tk.OrgID = orgs[r.IntN(len(orgs))].ID
				}
				must(s.CreateTicket(ctx, &tk))
				for range r.IntN(4) {
					role := model.ParticipantCC
					if r.IntN(3) == 0 {
						role = model.ParticipantFollower
					}
					_, err := s.AddParticipant(ctx, model.Participant{TicketID: tk.ID, UserID: users[r.IntN(len(users))].ID, Role: role})
					must(err)
				}
				tickets = append(tickets, tk.ID)
			}
			f := NewFacts(s)
			addedBy := regexp.MustCompile(`, added by [^)]*? on \d{4}-\d\d-\d\d \d\d:\d\d`)
			for _, id := range tickets {
				got, err := f.Explain(ctx, id)
				must(err)
				for i := range got {
					got[i].Why = addedBy.ReplaceAllString(got[i].Why, "")
				}
				v, err := f.Ticket(ctx, id)
				must(err)
				var want []Entry
				for _, u := range users { // by id
					p, _, err := f.Person(ctx, u.Email)
					must(err)
					d := policy.Rights(p, v.Facts)
					if d.View {
						want = append(want, Entry{Email: u.Email, View: true, Comment: d.Comment, Rules: d.Rules, Why: d.Why})
					}
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("seed %d ticket %d (org %d):\nExplain %+v\nRights  %+v", seed, id, v.Ticket.OrgID, got, want)
				}
			}
		}
	})
}
