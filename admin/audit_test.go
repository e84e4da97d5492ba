package admin_test

import (
	"fmt"
	"testing"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
)

// auditedChanges runs one of every audited change, each with its own
// reason, and returns the entries it expects (action and target) and the
// length of the audit log before the first of them.
func auditedChanges(f *fixture, dry bool) (want [][2]string, n int) {
	f.t.Helper()
	f.user("cara@client.com")
	t1 := f.ticket("cara@client.com", "")
	q1, q2 := f.quarantine("cara@client.com", t1), f.quarantine("cara@client.com", t1)
	n = len(f.audit())
	follow := true
	step := 0
	req := func() admin.Request {
		step++
		return admin.Request{As: owner, Reason: fmt.Sprintf("step %d", step), DryRun: dry}
	}
	f.done(f.svc.OrgAdd(f.ctx, req(), "acme", admin.OrgSettings{Name: "Acme"}, []string{"acme.com"}, false))
	if dry {
		// The rest needs acme to exist.
		f.org("acme", model.OrgAccessOwn, "acme.com")
	}
	f.done(f.svc.OrgSet(f.ctx, req(), "acme", admin.OrgSettings{Access: model.OrgAccessView}))
	f.done(f.svc.DomainAdd(f.ctx, req(), "acme", "acme.org", false))
	if dry {
		f.done(f.svc.DomainAdd(f.ctx, as(owner), "acme", "acme.org", false))
	}
	f.done(f.svc.DomainRemove(f.ctx, req(), "acme", "acme.org"))
	f.done(f.svc.OrgSync(f.ctx, req(), "acme"))
	f.done(f.svc.UserAdd(f.ctx, req(), "ann@acme.com", "Ann", nil))
	if dry {
		f.user("ann@acme.com")
	}
	f.done(f.svc.UserSet(f.ctx, req(), "ann@acme.com", "Ann A.", "acme"))
	f.done(f.svc.MemberSet(f.ctx, req(), "ann@acme.com", "acme", model.MemberAccessOrg, &follow))
	f.done(f.svc.MemberRemove(f.ctx, req(), "ann@acme.com", "acme"))
	f.done(f.svc.StaffSet(f.ctx, req(), "bob@help.example", model.RoleAgent, "staff.add"))
	if dry {
		f.done(f.svc.StaffSet(f.ctx, as(owner), "bob@help.example", model.RoleAgent, "staff.add"))
	}
	f.done(f.svc.StaffSet(f.ctx, req(), "bob@help.example", model.RoleAdmin, "staff.set"))
	f.done(f.svc.StaffSet(f.ctx, req(), "bob@help.example", model.RoleNone, "staff.remove"))
	f.ok(settled(f.svc.QuarantineRelease(f.ctx, req(), q1)))
	f.ok(settled(f.svc.QuarantineDiscard(f.ctx, req(), q2)))
	return [][2]string{
		{"org.add", "acme"}, {"org.set", "acme"}, {"org.domain.add", "acme"}, {"org.domain.remove", "acme"},
		{"org.sync", "acme"}, {"user.add", "ann@acme.com"}, {"user.set", "ann@acme.com"},
		{"member.set", "ann@acme.com acme"}, {"member.remove", "ann@acme.com acme"},
		{"staff.add", "bob@help.example"}, {"staff.set", "bob@help.example"}, {"staff.remove", "bob@help.example"},
		{"quarantine.release", fmt.Sprint(q1)}, {"quarantine.discard", fmt.Sprint(q2)},
	}, n
}

func TestS3_EveryChangeIsAudited(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		want, n := auditedChanges(f, false)
		log := f.audit()
		if len(log)-n != len(want) {
			for _, e := range log[n:] {
				t.Logf("%s %s", e.Action, e.Target)
			}
			t.Fatalf("%d changes appended %d audit entries", len(want), len(log)-n)
		}
		prev := ""
		for i, e := range log[n:] {
			what := fmt.Sprintf("entry %d (%s)", i+1, want[i][0])
			wantEqual(t, what+" action", e.Action, want[i][0])
			wantEqual(t, what+" target", e.Target, want[i][1])
			wantEqual(t, what+" actor", e.Actor, owner)
			wantEqual(t, what+" reason", e.Reason, fmt.Sprintf("step %d", i+1))
			if e.At == "" || e.At < prev {
				t.Errorf("%s at %q: the log is not oldest first (previous %q)", what, e.At, prev)
			}
			prev = e.At
			decode(t, e.Before) // both are JSON objects
			if len(afterJSON(t, e)) == 0 {
				t.Errorf("%s records nothing after the change", what)
			}
		}
		byAction := map[string]admin.AuditView{}
		for _, e := range log[n:] {
			byAction[e.Action] = e
		}
		set := byAction["org.set"]
		wantEqual(t, "org.set before access", decode(t, set.Before)["access"], any("own"))
		wantEqual(t, "org.set after access", afterJSON(t, set)["state"].(map[string]any)["access"], any("view"))
		dom := afterJSON(t, byAction["org.domain.add"])["state"].(map[string]any)["domains"]
		wantEqual(t, "org.domain.add after domains", dom, any([]any{"acme.com", "acme.org"}))
		ms := afterJSON(t, byAction["member.set"])["state"].(map[string]any)["memberships"].([]any)
		wantEqual(t, "member.set after", ms[0].(map[string]any)["access"], any("org"))
		wantEqual(t, "member.set after", ms[0].(map[string]any)["follow_all"], any(true))
		wantEqual(t, "quarantine.release before", decode(t, byAction["quarantine.release"].Before)["status"], any("held"))
		wantEqual(t, "quarantine.release after", afterJSON(t, byAction["quarantine.release"])["status"], any("released"))
		wantEqual(t, "quarantine.discard after", afterJSON(t, byAction["quarantine.discard"])["status"], any("discarded"))
	})
}

func TestS3_DryRunsAppendNothing(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		_, n := auditedChanges(f, true)
		// Only the set-up steps done for real are in the log.
		var got []string
		for _, e := range f.audit()[n:] {
			got = append(got, e.Action)
			if e.Reason != "" {
				t.Errorf("a dry run (%s, reason %q) was audited", e.Action, e.Reason)
			}
		}
		wantEqual(t, "audited set-up steps", got, []string{"org.add", "org.domain.add", "user.add", "staff.add"})
		// ... and the dry runs changed nothing.
		wantEqual(t, "acme access", f.orgAccess("acme"), model.OrgAccessOwn)
		wantEqual(t, "ann's memberships", f.memberships("ann@acme.com"), []string{"acme/own/domain"})
		wantEqual(t, "bob's role", staffRole(f, "bob@help.example"), "agent")
		held, err := f.svc.QuarantineList(f.ctx)
		f.ok(err)
		wantEqual(t, "messages still held", len(held), 2)
		v, err := f.svc.TicketShow(f.ctx, *held[0].Ticket)
		f.ok(err)
		wantEqual(t, "comments on the ticket", len(v.Comments), 0)
	})
}

func TestS3_AuditLogIsOldestFirst(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("acme", model.OrgAccessOwn, "acme.com")
		f.org("beta", model.OrgAccessOwn, "beta.com")
		var got []string
		for _, e := range f.audit() {
			got = append(got, e.Action+" "+e.Target)
		}
		wantEqual(t, "audit log", got, []string{
			"staff.add " + owner, "staff.add " + boss, "staff.add " + agent, "org.add acme", "org.add beta"})
		log := f.audit()
		wantEqual(t, "actor of the first owner's creation", log[0].Actor, "")
		wantEqual(t, "actor of the agent's creation", log[2].Actor, boss)
		wantEqual(t, "time of the first entry", log[0].At[:10], "2026-11-23")
	})
}
