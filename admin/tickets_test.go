package admin_test

import (
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/model"
)

func TestR1_R5_TicketAccessExplainsWhoAndWhy(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("acme", model.OrgAccessOwn, "acme.com")
		f.org("partner", model.OrgAccessOwn, "partner.net")
		f.org("other", model.OrgAccessView, "other.com")
		f.user("ann@acme.com")
		f.user("bea@acme.com")
		f.user("cid@acme.com")
		f.user("pat@partner.net")
		f.user("zed@other.com")
		f.done(f.svc.MemberSet(f.ctx, as(owner), "bea@acme.com", "acme", model.MemberAccessOrg, nil))
		annT := f.ticket("ann@acme.com", "acme")
		f.ticket("zed@other.com", "other")
		f.done(acted(f.svc.TicketCC(f.ctx, as(agent), annT, []string{"pat@partner.net"}, nil)))

		entries, err := f.svc.TicketAccess(f.ctx, annT)
		f.ok(err)
		got := map[string]access.Entry{}
		for _, e := range entries {
			got[e.Email] = e
		}
		check := func(email string, comment bool, rule string, words ...string) {
			t.Helper()
			e, ok := got[email]
			if !ok {
				t.Errorf("%s is not listed as able to see ticket %d", email, annT)
				return
			}
			if !e.View || e.Comment != comment {
				t.Errorf("%s: view %v comment %v, want view true comment %v", email, e.View, e.Comment, comment)
			}
			if !contains(e.Rules, rule) {
				t.Errorf("%s: rules %v, want %s", email, e.Rules, rule)
			}
			for _, w := range words {
				if !strings.Contains(e.Why, w) {
					t.Errorf("%s: why %q does not say %q", email, e.Why, w)
				}
			}
		}
		check(owner, true, "R1", "staff (owner)")
		check(boss, true, "R1", "staff (admin)")
		check(agent, true, "R1", "staff (agent)")
		check("ann@acme.com", true, "R2", "requester")
		check("pat@partner.net", true, "R3", "added by "+agent+" on 2026-11-23 ")
		check("bea@acme.com", false, "R4", "acme")
		// R5: an own member of acme, and a member of another organisation
		// (even one set to view) see nothing.
		for _, email := range []string{"cid@acme.com", "zed@other.com"} {
			if e, ok := got[email]; ok {
				t.Errorf("%s is listed (%s); R5 says nobody else sees the ticket", email, e.Why)
			}
		}
		wantEqual(t, "people listed", len(entries), 6)

		_, err = f.svc.TicketAccess(f.ctx, 9999)
		wantRefused(t, err, "9999")
	})
}

func TestR4_OrgViewMembersSeeButDoNotComment(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("acme", model.OrgAccessView, "acme.com")
		f.user("ann@acme.com")
		f.user("bea@acme.com")
		annT := f.ticket("ann@acme.com", "acme")
		entries, err := f.svc.TicketAccess(f.ctx, annT)
		f.ok(err)
		for _, e := range entries {
			if e.Email == "bea@acme.com" {
				if !e.View || e.Comment || !contains(e.Rules, "R4") || !strings.Contains(e.Why, "org acme is view") {
					t.Errorf("bea: %+v, want view by R4 (org acme is view), no comment", e)
				}
				return
			}
		}
		t.Error("bea, a member of a view organisation, is not listed")
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestC5_C6_TicketCCIsRecordedOnHistory(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("acme", model.OrgAccessOwn, "acme.com")
		f.user("ann@acme.com")
		annT := f.ticket("ann@acme.com", "acme")

		f.done(acted(f.svc.TicketCC(f.ctx, as(agent), annT, []string{"pat@partner.net", "bob@acme.com"}, nil)))
		f.done(acted(f.svc.TicketCC(f.ctx, as(boss), annT, nil, []string{"bob@acme.com"})))
		v, err := f.svc.TicketShow(f.ctx, annT)
		f.ok(err)
		var parts []string
		for _, p := range v.Participants {
			parts = append(parts, p.Email+" "+p.Role)
		}
		wantEqual(t, "participants", parts, []string{"pat@partner.net cc"})

		events, err := f.st.Events(f.ctx, annT)
		f.ok(err)
		var history []string
		for _, e := range events {
			history = append(history, string(e.Kind)+": "+e.Detail)
		}
		wantEqual(t, "history", history, []string{
			"cc_added: pat@partner.net added by " + agent + " (C5)",
			"cc_added: bob@acme.com added by " + agent + " (C5)",
			"cc_removed: bob@acme.com removed by " + boss + " (C5)",
		})

		// C3: never the block list; removing a non-CC is refused.
		_, err = acted(f.svc.TicketCC(f.ctx, as(agent), annT, []string{"noreply@vendor.example"}, nil))
		wantRefused(t, err, "C3", "noreply@vendor.example")
		_, err = acted(f.svc.TicketCC(f.ctx, as(agent), annT, nil, []string{"ann@acme.com"}))
		wantRefused(t, err, "not a CC")
		_, err = acted(f.svc.TicketCC(f.ctx, as(agent), 9999, []string{"x@acme.com"}, nil))
		wantRefused(t, err, "9999")
		events, err = f.st.Events(f.ctx, annT)
		f.ok(err)
		wantEqual(t, "history after refusals", len(events), 3)
	})
}

func TestS3_QuarantineReleaseAndDiscard(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("acme", model.OrgAccessView, "acme.com")
		f.user("ann@acme.com")
		f.user("bea@acme.com")
		annT := f.ticket("ann@acme.com", "acme")
		q1, q2 := f.quarantine("bea@acme.com", annT), f.quarantine("bea@acme.com", annT)
		q3 := f.quarantine("bea@acme.com", 0)

		f.ok(settled(f.svc.QuarantineRelease(f.ctx, as(agent), q1)))
		v, err := f.svc.TicketShow(f.ctx, annT)
		f.ok(err)
		if len(v.Comments) != 1 || v.Comments[0].Author != "bea@acme.com" {
			t.Errorf("comments after release: %+v, want one by bea", v.Comments)
		}
		// C4: a release adds no CCs.
		wantEqual(t, "participants after release", len(v.Participants), 0)
		err = settled(f.svc.QuarantineRelease(f.ctx, as(agent), q1))
		wantRefused(t, err, "already released")

		f.ok(settled(f.svc.QuarantineDiscard(f.ctx, as(agent), q2)))
		err = settled(f.svc.QuarantineRelease(f.ctx, as(agent), q2))
		wantRefused(t, err, "already discarded")
		err = settled(f.svc.QuarantineRelease(f.ctx, as(agent), q3))
		wantRefused(t, err, "no ticket")
		err = settled(f.svc.QuarantineRelease(f.ctx, as(agent), 9999))
		wantRefused(t, err, "9999")

		held, err := f.svc.QuarantineList(f.ctx)
		f.ok(err)
		wantEqual(t, "held", len(held), 1)
		log := f.audit()
		wantEqual(t, "last actions", []string{log[len(log)-2].Action, log[len(log)-1].Action},
			[]string{"quarantine.release", "quarantine.discard"})
		wantEqual(t, "release actor", log[len(log)-2].Actor, agent)
	})
}
