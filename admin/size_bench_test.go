package admin_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// The shape of the store the size benchmarks run on: a few thousand
// tickets, one big organisation (issue 20's small store had 3,499 tickets).
const (
	benchOrgs       = 20
	benchUsers      = 1200
	benchTickets    = 4000
	benchBigMembers = 300  // users of big.example, members of "big"
	benchBigTickets = 1500 // tickets of "big"
)

// seedSized fills st through the store's own code: an owner, organisation
// "big" (access own) and benchOrgs-1 others, benchUsers users with their
// domain memberships (O3), benchTickets tickets, a third of them with a CC.
func seedSized(b *testing.B, st *store.Store) {
	b.Helper()
	ctx := context.Background()
	err := st.InTx(ctx, func(tx *store.Tx) error {
		owner := model.User{Email: owner, StaffRole: model.RoleOwner}
		if err := tx.CreateUser(ctx, &owner); err != nil {
			return err
		}
		var orgs []model.Organisation
		for i := range benchOrgs {
			slug, domain := fmt.Sprintf("org%d", i), fmt.Sprintf("org%d.example", i)
			if i == 0 {
				slug, domain = "big", "big.example"
			}
			o := model.Organisation{Slug: slug, Name: slug, Access: model.OrgAccessOwn, Intake: model.IntakeOpen,
				CCAdders: model.CCAddersRequester, Language: "en", Domains: []model.Domain{{Name: domain}}}
			if err := tx.CreateOrg(ctx, &o); err != nil {
				return err
			}
			orgs = append(orgs, o)
		}
		users := make([]model.User, benchUsers)
		orgOf := make([]int, benchUsers)
		for i := range users {
			orgOf[i] = 1 + i%(benchOrgs-1)
			if i < benchBigMembers {
				orgOf[i] = 0
			}
			users[i] = model.User{Email: fmt.Sprintf("u%d@%s", i, orgs[orgOf[i]].Domains[0].Name)}
			if err := tx.CreateUser(ctx, &users[i]); err != nil {
				return err
			}
			if err := tx.UpsertMembership(ctx, model.Membership{UserID: users[i].ID, OrgID: orgs[orgOf[i]].ID,
				Access: model.MemberAccessOwn, Source: model.SourceDomain}); err != nil {
				return err
			}
		}
		for i := range benchTickets {
			r := i % benchUsers
			if i < benchBigTickets {
				r = i % benchBigMembers
			} else if r < benchBigMembers {
				r += benchBigMembers
			}
			t := model.Ticket{Subject: fmt.Sprintf("ticket %d", i), RequesterID: users[r].ID, OrgID: orgs[orgOf[r]].ID}
			if err := tx.CreateTicket(ctx, &t); err != nil {
				return err
			}
			if i%3 == 0 {
				cc := users[(r+1)%benchUsers]
				if _, err := tx.AddParticipant(ctx, model.Participant{TicketID: t.ID, UserID: cc.ID,
					Role: model.ParticipantCC, AddedBy: owner.ID}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("seed: %v", err)
	}
}

// BenchmarkSize_A1_OrgSetDryRunAndTicketList times `org set big --access
// view --dry-run` and `ticket list --org big --json` on a store of
// benchTickets tickets, benchBigTickets of them in "big" (issue 20):
//
//	go test ./admin -run '^$' -bench Size -benchtime 1x
func BenchmarkSize_A1_OrgSetDryRunAndTicketList(b *testing.B) {
	for _, backend := range storetest.Backends() {
		b.Run(string(backend), func(b *testing.B) {
			st := storetest.Open(b, backend)
			seedSized(b, st)
			svc := admin.New(admin.Options{Store: st})
			ctx := context.Background()
			b.Run("org-set-big-view-dry-run", func(b *testing.B) {
				for range b.N {
					o, err := svc.OrgSet(ctx, admin.Request{As: owner, DryRun: true}, "big", admin.OrgSettings{Access: model.OrgAccessView})
					if err != nil {
						b.Fatal(err)
					}
					if o.GainedPeople() != benchBigMembers {
						b.Fatalf("%d people gain rights, want %d", o.GainedPeople(), benchBigMembers)
					}
				}
			})
			b.Run("ticket-list-org-big-json", func(b *testing.B) {
				for range b.N {
					ts, err := svc.TicketList(ctx, "big", "")
					if err != nil {
						b.Fatal(err)
					}
					if len(ts) != benchBigTickets {
						b.Fatalf("%d tickets listed, want %d", len(ts), benchBigTickets)
					}
					if _, err := json.Marshal(ts); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
