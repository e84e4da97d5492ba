package admin_test

import (
	"testing"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
)

func staffRole(f *fixture, email string) string {
	f.t.Helper()
	if r := f.show(email).StaffRole; r != nil {
		return *r
	}
	return ""
}

func TestS1_FirstOwnerOfEmptyStoreNeedsNoActor(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		// In an empty store only an owner can be the first staff member.
		_, err := f.svc.StaffSet(f.ctx, admin.Request{}, agent, model.RoleAgent, "staff.add")
		wantRefused(t, err, "--as")

		f.done(f.svc.StaffSet(f.ctx, admin.Request{Reason: "install"}, "Olivia@Help.Example", model.RoleOwner, "staff.add"))
		wantEqual(t, "role of the first owner", staffRole(f, owner), "owner")
		e := f.lastAudit()
		wantEqual(t, "audit action", e.Action, "staff.add")
		wantEqual(t, "audit target", e.Target, owner)
		wantEqual(t, "audit reason", e.Reason, "install")

		// After that, staff add needs --as, even for another owner.
		_, err = f.svc.StaffSet(f.ctx, admin.Request{}, boss, model.RoleOwner, "staff.add")
		wantRefused(t, err, "--as")
		_, err = f.svc.StaffSet(f.ctx, admin.Request{}, agent, model.RoleAgent, "staff.add")
		wantRefused(t, err, "--as")
		if _, err := f.svc.UserShow(f.ctx, boss); err == nil {
			t.Errorf("a refused staff add created %s", boss)
		}
		wantEqual(t, "audit entries", len(f.audit()), 1)
	})
}

func TestS1_AdminGrantsAgentButNotAdminOrOwner(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff() // boss (admin) made sam an agent
		wantEqual(t, "role of "+agent, staffRole(f, agent), "agent")

		_, err := f.svc.StaffSet(f.ctx, as(boss), "bob@help.example", model.RoleAdmin, "staff.add")
		wantRefused(t, err, "S1", boss, "owner")
		_, err = f.svc.StaffSet(f.ctx, as(boss), "bob@help.example", model.RoleOwner, "staff.add")
		wantRefused(t, err, "S1", "owner")
		// Nor promote an agent to admin, nor demote another admin.
		_, err = f.svc.StaffSet(f.ctx, as(boss), agent, model.RoleAdmin, "staff.set")
		wantRefused(t, err, "owner")
		f.done(f.svc.StaffSet(f.ctx, as(owner), "al@help.example", model.RoleAdmin, "staff.add"))
		_, err = f.svc.StaffSet(f.ctx, as(boss), "al@help.example", model.RoleAgent, "staff.set")
		wantRefused(t, err, "owner")
		_, err = f.svc.StaffSet(f.ctx, as(boss), "al@help.example", model.RoleNone, "staff.remove")
		wantRefused(t, err, "owner")
		wantEqual(t, "role of "+agent, staffRole(f, agent), "agent")
		wantEqual(t, "role of al", staffRole(f, "al@help.example"), "admin")

		// An admin takes the agent role away again.
		f.done(f.svc.StaffSet(f.ctx, as(boss), agent, model.RoleNone, "staff.remove"))
		wantEqual(t, "role of "+agent, staffRole(f, agent), "")
	})
}

func TestS1_OwnerGrantsAdminAndOwner(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		wantEqual(t, "role of "+boss, staffRole(f, boss), "admin")
		f.done(f.svc.StaffSet(f.ctx, as(owner), agent, model.RoleAdmin, "staff.set"))
		wantEqual(t, "role of "+agent, staffRole(f, agent), "admin")
		f.done(f.svc.StaffSet(f.ctx, as(owner), boss, model.RoleOwner, "staff.set"))
		wantEqual(t, "role of "+boss, staffRole(f, boss), "owner")
		e := decode(t, f.lastAudit().Before)
		wantEqual(t, "audit before", e["role"], any("admin"))
		after := afterJSON(t, f.lastAudit())
		wantEqual(t, "audit after", after["state"], any(map[string]any{"role": "owner"}))
	})
}

func TestS1_NobodyRaisesTheirOwnRole(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		_, err := f.svc.StaffSet(f.ctx, as(boss), boss, model.RoleOwner, "staff.set")
		wantRefused(t, err, "S1")
		_, err = f.svc.StaffSet(f.ctx, as(agent), agent, model.RoleAdmin, "staff.set")
		wantRefused(t, err, "S1")
		wantEqual(t, "role of "+boss, staffRole(f, boss), "admin")
		wantEqual(t, "role of "+agent, staffRole(f, agent), "agent")
	})
}

func TestS1_LastOwnerCannotBeDemoted(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		_, err := f.svc.StaffSet(f.ctx, as(owner), owner, model.RoleAdmin, "staff.set")
		wantRefused(t, err, "last owner")
		_, err = f.svc.StaffSet(f.ctx, as(owner), owner, model.RoleNone, "staff.remove")
		wantRefused(t, err, "last owner")
		wantEqual(t, "role of "+owner, staffRole(f, owner), "owner")

		// With a second owner, the first may step down.
		f.done(f.svc.StaffSet(f.ctx, as(owner), boss, model.RoleOwner, "staff.set"))
		f.done(f.svc.StaffSet(f.ctx, as(owner), owner, model.RoleAdmin, "staff.set"))
		wantEqual(t, "role of "+owner, staffRole(f, owner), "admin")
		// ... and now boss is the last one.
		_, err = f.svc.StaffSet(f.ctx, as(boss), boss, model.RoleNone, "staff.remove")
		wantRefused(t, err, "last owner")
	})
}

func TestS1_StaffRemoveClearsAssignments(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("acme", model.OrgAccessOwn, "acme.com")
		f.user("ann@acme.com")
		t1, t2 := f.ticket("ann@acme.com", "acme"), f.ticket("ann@acme.com", "acme")
		f.assign(t1, agent)
		f.assign(t2, boss)

		f.done(f.svc.StaffSet(f.ctx, as(boss), agent, model.RoleNone, "staff.remove"))
		v, err := f.svc.TicketShow(f.ctx, t1)
		f.ok(err)
		if v.Assignee != nil {
			t.Errorf("ticket %d is still assigned to %s, who is no longer staff", t1, *v.Assignee)
		}
		v, err = f.svc.TicketShow(f.ctx, t2)
		f.ok(err)
		if v.Assignee == nil || *v.Assignee != boss {
			t.Errorf("ticket %d lost its assignee %s", t2, boss)
		}
		wantEqual(t, "rights of the former agent", rights(f.snapshot(), agent), []string{})
	})
}

func TestS1_StaffRemoveOfNonStaffIsRefused(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.user("ann@acme.com")
		n := len(f.audit())
		_, err := f.svc.StaffSet(f.ctx, as(owner), "ann@acme.com", model.RoleNone, "staff.remove")
		wantRefused(t, err, "ann@acme.com", "not staff")
		_, err = f.svc.StaffSet(f.ctx, as(owner), "nobody@nowhere.example", model.RoleNone, "staff.remove")
		wantRefused(t, err, "nobody@nowhere.example")
		if _, err := f.svc.UserShow(f.ctx, "nobody@nowhere.example"); err == nil {
			t.Error("staff remove of an unknown address created a user")
		}
		wantEqual(t, "audit entries added", len(f.audit())-n, 0)
	})
}

func TestS1_BadRoleIsUsage(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		_, err := f.svc.StaffSet(f.ctx, as(owner), "x@help.example", model.StaffRole("boss"), "staff.add")
		wantUsage(t, err, "agent, admin or owner")
	})
}

func TestS2_ActorWithoutTheRoleIsRefused(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("acme", model.OrgAccessOwn, "acme.com")
		f.user("ann@acme.com")
		t1 := f.ticket("ann@acme.com", "acme")
		n := len(f.audit())

		// An agent lacks admin.
		_, err := f.svc.OrgSet(f.ctx, as(agent), "acme", admin.OrgSettings{Access: model.OrgAccessView})
		wantRefused(t, err, "S1", agent, "agent", "needs the admin role")
		// An end-user lacks any staff role.
		_, err = acted(f.svc.TicketCC(f.ctx, as("ann@acme.com"), t1, []string{"bob@acme.com"}, nil))
		wantRefused(t, err, "ann@acme.com", "no staff role", "agent role")
		// An admin lacks owner.
		_, err = f.svc.StaffSet(f.ctx, as(boss), "bob@help.example", model.RoleAdmin, "staff.add")
		wantRefused(t, err, boss, "admin", "needs the owner role")
		// Unknown actor, and none at all.
		_, err = f.svc.OrgSet(f.ctx, as("ghost@help.example"), "acme", admin.OrgSettings{Access: model.OrgAccessView})
		wantRefused(t, err, "S2", "ghost@help.example", "not a user")
		_, err = f.svc.OrgSet(f.ctx, admin.Request{}, "acme", admin.OrgSettings{Access: model.OrgAccessView})
		wantRefused(t, err, "S2", "--as")
		_, err = f.svc.QuarantineDiscard(f.ctx, as("ann@acme.com"), f.quarantine("ann@acme.com", t1))
		wantRefused(t, err, "agent role")

		wantEqual(t, "acme access", f.orgAccess("acme"), model.OrgAccessOwn)
		wantEqual(t, "audit entries added", len(f.audit())-n, 0)
	})
}

func TestA5_AgentCannotChangeSettingsDomainsMembershipsOrRoles(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("acme", model.OrgAccessOwn, "acme.com", "acme.org")
		f.user("ann@acme.com")
		before, n := f.snapshot(), len(f.audit())
		r := as(agent)
		follow := true
		for name, try := range map[string]func() (admin.Outcome, error){
			"org add": func() (admin.Outcome, error) {
				return f.svc.OrgAdd(f.ctx, r, "beta", admin.OrgSettings{}, []string{"beta.com"}, false)
			},
			"org set access": func() (admin.Outcome, error) {
				return f.svc.OrgSet(f.ctx, r, "acme", admin.OrgSettings{Access: model.OrgAccessComment})
			},
			"org set cc policy": func() (admin.Outcome, error) {
				return f.svc.OrgSet(f.ctx, r, "acme", admin.OrgSettings{CCAdders: model.CCAddersParticipants})
			},
			"org set intake": func() (admin.Outcome, error) {
				return f.svc.OrgSet(f.ctx, r, "acme", admin.OrgSettings{Intake: model.IntakeRegistered})
			},
			"domain add":    func() (admin.Outcome, error) { return f.svc.DomainAdd(f.ctx, r, "acme", "acme.net", false) },
			"domain remove": func() (admin.Outcome, error) { return f.svc.DomainRemove(f.ctx, r, "acme", "acme.org") },
			"org sync":      func() (admin.Outcome, error) { return f.svc.OrgSync(f.ctx, r, "acme") },
			"member set": func() (admin.Outcome, error) {
				return f.svc.MemberSet(f.ctx, r, "ann@acme.com", "acme", model.MemberAccessOrg, &follow)
			},
			"member remove": func() (admin.Outcome, error) { return f.svc.MemberRemove(f.ctx, r, "ann@acme.com", "acme") },
			"user add":      func() (admin.Outcome, error) { return f.svc.UserAdd(f.ctx, r, "bob@acme.com", "", nil) },
			"user set":      func() (admin.Outcome, error) { return f.svc.UserSet(f.ctx, r, "ann@acme.com", "Ann", "acme") },
			"staff add agent": func() (admin.Outcome, error) {
				return f.svc.StaffSet(f.ctx, r, "bob@help.example", model.RoleAgent, "staff.add")
			},
			"staff remove": func() (admin.Outcome, error) { return f.svc.StaffSet(f.ctx, r, agent, model.RoleNone, "staff.remove") },
		} {
			_, err := try()
			if err == nil {
				t.Errorf("%s: an agent was allowed", name)
				continue
			}
			wantRefused(t, err, "admin role")
		}
		if got := f.snapshot(); len(got) != len(before) {
			t.Errorf("refused actions changed access")
		}
		wantEqual(t, "audit entries added", len(f.audit())-n, 0)
		wantEqual(t, "acme access", f.orgAccess("acme"), model.OrgAccessOwn)
		wantEqual(t, "ann's memberships", f.memberships("ann@acme.com"), []string{"acme/own/domain"})

		// An agent may do what agents do: add a CC (C5).
		t1 := f.ticket("ann@acme.com", "acme")
		f.done(acted(f.svc.TicketCC(f.ctx, r, t1, []string{"bob@acme.com"}, nil)))
	})
}
