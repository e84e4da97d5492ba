package access

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// onlyQuerier hides the batch reads of a store: Tickets and PeopleByEmail
// fall back to one ticket, one person at a time.
type onlyQuerier struct{ store.Querier }

// Tickets and PeopleByEmail give exactly the views Ticket and Person give,
// one by one, with and without the store's batch reads.
func TestBatchLoadsEqualOneByOne(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		ctx := context.Background()
		s := storetest.Open(t, b)
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		acme := model.Organisation{Slug: "acme", Access: model.OrgAccessView}
		must(s.CreateOrg(ctx, &acme))
		must(s.AddOrgDomain(ctx, acme.ID, model.Domain{Name: "acme.com", AddedAt: time.Now()}))
		partner := model.Organisation{Slug: "partnerco"}
		must(s.CreateOrg(ctx, &partner))
		must(s.AddOrgDomain(ctx, partner.ID, model.Domain{Name: "partner.example", AddedAt: time.Now()}))
		empty := model.Organisation{Slug: "empty"}
		must(s.CreateOrg(ctx, &empty))
		user := func(email string, role model.StaffRole) model.User {
			u := model.User{Email: email, Name: email, StaffRole: role}
			must(s.CreateUser(ctx, &u))
			return u
		}
		ann, bob, carl := user("ann@acme.com", ""), user("bob@acme.com", ""), user("carl@cc.example", "")
		dora, sam, eve := user("dora@partner.example", ""), user("sam@help.example", model.RoleAgent), user("eve@acme.com", "")
		must(s.UpsertMembership(ctx, model.Membership{UserID: ann.ID, OrgID: acme.ID}))
		must(s.UpsertMembership(ctx, model.Membership{UserID: bob.ID, OrgID: acme.ID, Access: model.MemberAccessOrg, FollowAll: true}))
		must(s.UpsertMembership(ctx, model.Membership{UserID: eve.ID, OrgID: acme.ID, Access: model.MemberAccessOrg, FollowAll: true}))
		must(s.UpsertMembership(ctx, model.Membership{UserID: dora.ID, OrgID: partner.ID}))
		must(s.UpsertMembership(ctx, model.Membership{UserID: dora.ID, OrgID: acme.ID}))
		ticket := func(org, requester, assignee int64, parts ...model.Participant) int64 {
			tk := model.Ticket{Subject: "Printer", OrgID: org, RequesterID: requester, AssigneeID: assignee}
			must(s.CreateTicket(ctx, &tk))
			for _, p := range parts {
				p.TicketID = tk.ID
				_, err := s.AddParticipant(ctx, p)
				must(err)
			}
			return tk.ID
		}
		ids := []int64{
			ticket(acme.ID, ann.ID, sam.ID, model.Participant{UserID: carl.ID, Role: model.ParticipantCC},
				model.Participant{UserID: dora.ID, Role: model.ParticipantFollower},
				model.Participant{UserID: bob.ID, Role: model.ParticipantCC}),
			ticket(0, carl.ID, 0),
			ticket(partner.ID, dora.ID, 0, model.Participant{UserID: ann.ID, Role: model.ParticipantCC}),
			ticket(empty.ID, eve.ID, sam.ID),
			ticket(acme.ID, eve.ID, 0),
			987654, // no such ticket
		}
		emails := []string{"ann@acme.com", "Unknown@ACME.com", "zed@nowhere.example", "sam@help.example", "dora@partner.example"}
		for _, q := range []store.Querier{s, onlyQuerier{s}} {
			f := NewFacts(q)
			must(f.LoadOrgs(ctx))
			got, err := f.Tickets(ctx, append(ids, ids[0]))
			must(err)
			if len(got) != len(ids)-1 {
				t.Fatalf("%T: %d views, want %d", q, len(got), len(ids)-1)
			}
			for _, id := range ids[:len(ids)-1] {
				want, err := NewFacts(s).Ticket(ctx, id)
				must(err)
				if !reflect.DeepEqual(got[id], want) {
					t.Errorf("%T: ticket %d:\n got %+v\nwant %+v", q, id, got[id], want)
				}
			}
			people, err := f.PeopleByEmail(ctx, emails)
			must(err)
			for _, e := range emails {
				want, _, err := NewFacts(s).Person(ctx, e)
				must(err)
				if p, ok := people[model.NormalizeEmail(e)]; !ok || !reflect.DeepEqual(p, want) {
					t.Errorf("%T: person %s:\n got %+v\nwant %+v", q, e, p, want)
				}
			}
			if v, err := f.Tickets(ctx, nil); err != nil || len(v) != 0 {
				t.Errorf("%T: no ids: %v, %v", q, v, err)
			}
		}
	})
}
