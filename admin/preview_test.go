package admin_test

import (
	"fmt"
	"testing"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/ticket"
)

// acme is a fixture with staff, organisation acme (access acc) and its
// members ann and bea, each with one ticket; it returns the tickets.
func (f *fixture) acme(acc model.OrgAccess) (annT, beaT int64) {
	f.t.Helper()
	f.withStaff()
	f.org("acme", acc, "acme.com")
	f.user("ann@acme.com")
	f.user("bea@acme.com")
	return f.ticket("ann@acme.com", "acme"), f.ticket("bea@acme.com", "acme")
}

func line(email string, ticket int64, right string) string {
	return fmt.Sprintf("%s #%d %s", email, ticket, right)
}

func TestPreview_A1_OwnToView(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		annT, beaT := f.acme(model.OrgAccessOwn)
		im := f.preview(owner, true, func(r admin.Request) (admin.Outcome, error) {
			return f.svc.OrgSet(f.ctx, r, "acme", admin.OrgSettings{Access: model.OrgAccessView})
		})
		wantEqual(t, "gained", changes(im.Gained), []string{line("ann@acme.com", beaT, "view"), line("bea@acme.com", annT, "view")})
		wantEqual(t, "lost", changes(im.Lost), []string{})
		wantEqual(t, "acme access", f.orgAccess("acme"), model.OrgAccessView)
	})
}

func TestPreview_A1_ViewToComment(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		annT, beaT := f.acme(model.OrgAccessView)
		im := f.preview(owner, true, func(r admin.Request) (admin.Outcome, error) {
			return f.svc.OrgSet(f.ctx, r, "acme", admin.OrgSettings{Access: model.OrgAccessComment})
		})
		wantEqual(t, "gained", changes(im.Gained), []string{line("ann@acme.com", beaT, "comment"), line("bea@acme.com", annT, "comment")})
		wantEqual(t, "lost", changes(im.Lost), []string{})
		// And back: they lose comment, keep view.
		im = f.preview(owner, true, func(r admin.Request) (admin.Outcome, error) {
			return f.svc.OrgSet(f.ctx, r, "acme", admin.OrgSettings{Access: model.OrgAccessView})
		})
		wantEqual(t, "lost going back to view", changes(im.Lost), []string{line("ann@acme.com", beaT, "comment"), line("bea@acme.com", annT, "comment")})
	})
}

func TestPreview_A2_MemberOrgAccess(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		annT, _ := f.acme(model.OrgAccessOwn)
		im := f.preview(owner, true, func(r admin.Request) (admin.Outcome, error) {
			return f.svc.MemberSet(f.ctx, r, "bea@acme.com", "acme", model.MemberAccessOrg, nil)
		})
		// A2 org gives view, never comment (A4).
		wantEqual(t, "gained", changes(im.Gained), []string{line("bea@acme.com", annT, "view")})
		wantEqual(t, "ann's rights", rights(f.snapshot(), "ann@acme.com"), []string{fmt.Sprintf("#%d comment", annT)})
	})
}

func TestPreview_O4_O5_DomainAddThenSync(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("partner", model.OrgAccessOwn, "partner.net")
		f.org("client", model.OrgAccessView, "client.com")
		f.user("cara@client.com")
		f.user("pat@partner.net")
		caraT := f.ticket("cara@client.com", "client")

		// Adding the partner's domain changes no existing user (O4) ...
		im := f.preview(owner, true, func(r admin.Request) (admin.Outcome, error) {
			return f.svc.DomainAdd(f.ctx, r, "client", "partner.net", false)
		})
		wantEqual(t, "gained by domain add", changes(im.Gained), []string{})
		// ... until org sync: pat joins client, which is view (A1, R4, R6).
		im = f.preview(owner, true, func(r admin.Request) (admin.Outcome, error) {
			return f.svc.OrgSync(f.ctx, r, "client")
		})
		wantEqual(t, "gained by org sync", changes(im.Gained), []string{line("pat@partner.net", caraT, "view")})
		wantEqual(t, "pat's memberships", f.memberships("pat@partner.net"), []string{"client/own/domain", "partner/own/domain"})

		// Removing the domain and syncing again takes it away.
		f.done(f.svc.DomainRemove(f.ctx, as(owner), "client", "partner.net"))
		im = f.preview(owner, true, func(r admin.Request) (admin.Outcome, error) {
			return f.svc.OrgSync(f.ctx, r, "client")
		})
		wantEqual(t, "lost by org sync", changes(im.Lost), []string{line("pat@partner.net", caraT, "view")})
	})
}

func TestPreview_R4_MemberRemove(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		annT, beaT := f.acme(model.OrgAccessView)
		im := f.preview(owner, true, func(r admin.Request) (admin.Outcome, error) {
			return f.svc.MemberRemove(f.ctx, r, "bea@acme.com", "acme")
		})
		// Bea keeps her own ticket (R2), loses ann's (R4, R5).
		wantEqual(t, "lost", changes(im.Lost), []string{line("bea@acme.com", annT, "view")})
		wantEqual(t, "bea's rights", rights(f.snapshot(), "bea@acme.com"), []string{fmt.Sprintf("#%d comment", beaT)})
		_, err := f.svc.MemberRemove(f.ctx, as(owner), "bea@acme.com", "acme")
		wantRefused(t, err, "not a member")
	})
}

func TestPreview_S1_StaffRemove(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		annT, beaT := f.acme(model.OrgAccessOwn)
		f.assign(annT, agent)
		im := f.preview(owner, true, func(r admin.Request) (admin.Outcome, error) {
			return f.svc.StaffSet(f.ctx, r, agent, model.RoleNone, "staff.remove")
		})
		wantEqual(t, "lost", changes(im.Lost), []string{
			line(agent, annT, "comment"), line(agent, annT, "view"), line(agent, beaT, "comment"), line(agent, beaT, "view")})
		wantEqual(t, "gained", changes(im.Gained), []string{})
		after := afterJSON(t, f.lastAudit())["access_change"].(map[string]any)
		wantEqual(t, "audited lost people", after["lost_people"], any(float64(1)))
		wantEqual(t, "audited lost tickets", after["lost_tickets"], any(float64(2)))
	})
}

// ticket cc is audited (S3, issue 15): the preview shows the same impact
// as the change, computed over the people the change names only.
func TestPreview_R3_S3_TicketCC(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		annT, _ := f.acme(model.OrgAccessOwn)
		// pat is not a user yet: the dry run must not create them.
		im := f.preview(agent, true, func(r admin.Request) (admin.Outcome, error) {
			if r.DryRun {
				defer func() {
					if _, err := f.svc.UserShow(f.ctx, "pat@partner.net"); err == nil {
						t.Error("a dry run of ticket cc created the CC's user")
					}
				}()
			}
			return acted(f.svc.TicketCC(f.ctx, r, annT, []string{"Pat@Partner.net"}, nil))
		})
		wantEqual(t, "gained", changes(im.Gained), []string{line("pat@partner.net", annT, "comment"), line("pat@partner.net", annT, "view")})

		im = f.preview(agent, true, func(r admin.Request) (admin.Outcome, error) {
			return acted(f.svc.TicketCC(f.ctx, r, annT, nil, []string{"pat@partner.net"}))
		})
		wantEqual(t, "lost", changes(im.Lost), []string{line("pat@partner.net", annT, "comment"), line("pat@partner.net", annT, "view")})
	})
}

func TestConfirmOver_A1_WideChangeNeedsYes(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.acme(model.OrgAccessOwn)
		f.user("cid@acme.com")
		f.ticket("cid@acme.com", "acme")
		before, n := f.snapshot(), len(f.audit())
		set := admin.OrgSettings{Access: model.OrgAccessView}

		// 3 people gain rights, more than confirm_over=2.
		o, err := f.svc.OrgSet(f.ctx, admin.Request{As: owner, Reason: "shared"}, "acme", set)
		wantRefused(t, err, "3 people", "confirm_over=2", "--yes")
		wantEqual(t, "people the refused change would give rights", o.GainedPeople(), 3)
		wantEqual(t, "acme access after refusal", f.orgAccess("acme"), model.OrgAccessOwn)
		wantEqual(t, "snapshot after refusal", f.snapshot(), before)
		wantEqual(t, "audit entries after refusal", len(f.audit()), n)

		// A preview needs no --yes.
		o = f.done(f.svc.OrgSet(f.ctx, admin.Request{As: owner, DryRun: true}, "acme", set))
		wantEqual(t, "previewed people", o.GainedPeople(), 3)
		wantEqual(t, "acme access after preview", f.orgAccess("acme"), model.OrgAccessOwn)

		o = f.done(f.svc.OrgSet(f.ctx, admin.Request{As: owner, Reason: "shared", Yes: true}, "acme", set))
		wantEqual(t, "people given rights", o.GainedPeople(), 3)
		wantEqual(t, "acme access", f.orgAccess("acme"), model.OrgAccessView)
		e := f.lastAudit()
		wantEqual(t, "audit action", e.Action, "org.set")
		wantEqual(t, "audit reason", e.Reason, "shared")
		wantEqual(t, "audited counts", afterJSON(t, e)["access_change"], any(map[string]any{
			"gained_people": float64(3), "gained_tickets": float64(3), "lost_people": float64(0), "lost_tickets": float64(0)}))
	}, confirmOver(2))
}

func TestConfirmOver_A1_SmallChangeNeedsNoYes(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.acme(model.OrgAccessOwn)
		o := f.done(f.svc.OrgSet(f.ctx, as(owner), "acme", admin.OrgSettings{Access: model.OrgAccessView}))
		wantEqual(t, "people given rights", o.GainedPeople(), 2)
		wantEqual(t, "acme access", f.orgAccess("acme"), model.OrgAccessView)
	}, confirmOver(2))
}

func TestPreview_O2_O4_DomainRemoveThenSync(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("client", model.OrgAccessView, "client.com", "old-client.com")
		f.user("cara@client.com")
		f.user("otto@old-client.com")
		caraT := f.ticket("cara@client.com", "client")
		// Removing a domain changes nobody until org sync (O4) ...
		im := f.preview(owner, true, func(r admin.Request) (admin.Outcome, error) {
			return f.svc.DomainRemove(f.ctx, r, "client", "old-client.com")
		})
		wantEqual(t, "lost by domain remove", changes(im.Lost), []string{})
		// ... then otto's domain membership goes, and with it his view (R4).
		im = f.preview(owner, true, func(r admin.Request) (admin.Outcome, error) {
			return f.svc.OrgSync(f.ctx, r, "client")
		})
		wantEqual(t, "lost by sync", changes(im.Lost), []string{line("otto@old-client.com", caraT, "view")})
	})
}

func TestPreview_O3_R4_UserAddJoinsViewOrganisation(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		annT, beaT := f.acme(model.OrgAccessView)
		im := f.preview(owner, true, func(r admin.Request) (admin.Outcome, error) {
			return f.svc.UserAdd(f.ctx, r, "cid@acme.com", "Cid", nil)
		})
		wantEqual(t, "gained", changes(im.Gained), []string{line("cid@acme.com", annT, "view"), line("cid@acme.com", beaT, "view")})
	})
}

// TestPreview_R4_I3_TicketSetOrg: moving a ticket to another organisation
// of its requester (I3) changes who sees it (R4); its preview equals what
// the move does (checked against the full snapshot by f.preview), and a
// move that gives rights to more than confirm_over people needs --yes.
func TestPreview_R4_I3_TicketSetOrg(t *testing.T) {
	t.Run("preview", func(t *testing.T) { testTicketSetOrgPreview(t) })
	t.Run("confirm_over", func(t *testing.T) { testTicketSetOrgConfirm(t) })
}

func testTicketSetOrgPreview(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		annT, _ := f.acme(model.OrgAccessOwn)
		f.org("acme-eu", model.OrgAccessView, "eu.acme.com")
		f.user("cy@eu.acme.com")
		f.done(f.svc.MemberSet(f.ctx, as(owner), "ann@acme.com", "acme-eu", model.MemberAccessOwn, nil))
		im := f.preview(agent, true, func(r admin.Request) (admin.Outcome, error) {
			return acted(f.svc.TicketSet(f.ctx, r, annT, ticket.Change{Org: "acme-eu"}))
		})
		wantEqual(t, "gained", changes(im.Gained), []string{line("cy@eu.acme.com", annT, "view")})
		wantEqual(t, "audited counts", afterJSON(t, f.lastAudit())["access_change"], any(map[string]any{
			"gained_people": 1.0, "gained_tickets": 1.0, "lost_people": 0.0, "lost_tickets": 0.0}))
	}, confirmOver(5))
}

func testTicketSetOrgConfirm(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		annT, _ := f.acme(model.OrgAccessOwn)
		f.org("acme-eu", model.OrgAccessView, "eu.acme.com")
		f.user("cy@eu.acme.com")
		f.user("dee@eu.acme.com")
		f.done(f.svc.MemberSet(f.ctx, as(owner), "ann@acme.com", "acme-eu", model.MemberAccessOwn, nil))
		_, err := f.svc.TicketSet(f.ctx, as(agent), annT, ticket.Change{Org: "acme-eu"})
		wantRefused(t, err, "2 people", "confirm_over=1", "--yes")
		_, err = f.svc.TicketSet(f.ctx, admin.Request{As: agent, Yes: true}, annT, ticket.Change{Org: "acme-eu"})
		f.ok(err)
	}, confirmOver(1))
}
