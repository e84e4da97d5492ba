package ingest_test

import (
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// teamOf returns the team slug of a ticket ("" for none).
func (w *world) teamOf(id int64) string {
	w.t.Helper()
	if v := w.ticket(id); v.Team != nil {
		return *v.Team
	}
	return ""
}

// withTeams adds billing (intake billing@help.example, member sam), acme
// (organisation acme, no members) and general (the default team).
func (w *world) withTeams() {
	w.t.Helper()
	o := w.owner()
	w.ok(nil, w.adm.TeamAdd(w.ctx, o, "billing", "Billing", []string{"billing@help.example"}, nil))
	w.ok(nil, w.adm.TeamMember(w.ctx, o, "billing", "sam@help.example", true))
	w.ok(nil, w.adm.TeamAdd(w.ctx, o, "acme-desk", "Acme desk", nil, []string{"acme"}))
	w.ok(nil, w.adm.TeamAdd(w.ctx, o, "general", "General", nil, nil))
	yes := true
	w.ok(nil, w.adm.TeamSet(w.ctx, o, "general", admin.TeamChange{Default: &yes}))
}

func TestI10_RoutingByIntakeAddressOrganisationAndDefault(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.withTeams()
		byIntake := w.ingest(mail{From: "ann@acme.com", To: "Billing <billing@help.example>", Subject: "Invoice"})
		w.expect(byIntake, model.OutcomeCreated, "I10")
		byOrg := w.ingest(mail{From: "ann@acme.com", Subject: "Printer"})
		byDefault := w.ingest(mail{From: "zed@elsewhere.example", Subject: "Hello"})
		for _, c := range []struct {
			res  int64
			want string
		}{{byIntake.TicketID, "billing"}, {byOrg.TicketID, "acme-desk"}, {byDefault.TicketID, "general"}} {
			if got := w.teamOf(c.res); got != c.want {
				t.Errorf("I10: ticket %d routed to %q, want %q", c.res, got, c.want)
			}
		}
		// A disabled team is skipped: routing goes on to the next step.
		yes := true
		w.ok(nil, w.adm.TeamSet(w.ctx, w.owner(), "billing", admin.TeamChange{Disabled: &yes}))
		w.later(11 * 60e9)
		res := w.ingest(mail{From: "ann@acme.com", To: "billing@help.example", Subject: "Invoice again"})
		if got := w.teamOf(res.TicketID); got != "acme-desk" {
			t.Errorf("I10: with billing disabled, routed to %q, want acme-desk", got)
		}
	})
}

func TestI10_C3_B2_IntakeAddressesAreTheHelpdesks(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.withTeams()
		res := w.ingest(mail{From: "ann@acme.com", Cc: "billing+x@help.example, carl@cc.example", Subject: "Two desks"})
		w.expect(res, model.OutcomeCreated)
		if ccs := participants(w.ticket(res.TicketID), "cc"); len(ccs) != 1 || ccs[0] != "carl@cc.example" {
			t.Fatalf("C3: an intake address became a CC: %v", ccs)
		}
		w.expect(w.ingest(mail{From: "billing@help.example", Subject: "Loop"}), model.OutcomeIgnoredLoop, "B2")
		for _, row := range w.outbox("") {
			if strings.HasPrefix(row.To, "billing") {
				t.Fatalf("B2: a notification to an intake address: %+v", row)
			}
		}
	})
}

func TestN7_S4_TeamStaffAreTold(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.withTeams()
		res := w.ingest(mail{From: "ann@acme.com", To: "billing@help.example", Subject: "Invoice"})
		if n := w.outbox("sam@help.example"); len(n) != 1 || n[0].Kind != model.KindNewTicket || n[0].TicketID != res.TicketID {
			t.Fatalf("N7: billing's member not told: %+v", n)
		}
		if n := w.outbox("owner@help.example"); len(n) != 0 {
			t.Fatalf("N7: the owner, in no team, was told of billing's ticket: %+v", n)
		}
		// acme-desk has no members: the admins and owners are told (N7).
		res = w.ingest(mail{From: "bob@acme.com", Subject: "Printer"})
		if n := w.outbox("owner@help.example"); len(n) != 1 || n[0].TicketID != res.TicketID {
			t.Fatalf("N7: a team without members did not fall back to the owner: %+v", n)
		}
		// N1: a public comment on it, unassigned, reaches the owner too.
		w.later(11 * 60e9)
		w.ingest(mail{From: "bob@acme.com", Subject: "Re: [#" + itoa(res.TicketID) + "]", Body: "Any news?"})
		if n := w.outbox("owner@help.example"); len(n) != 2 || n[1].Kind != model.KindComment {
			t.Fatalf("N1, N7: a comment on a memberless team's ticket reached no staff: %+v", n)
		}
	})
}

func TestI10_I8_S4_TeamChangedByStaffAndRemoved(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b, withAuthserv)
		w.withTeams()
		res := w.ingest(mail{From: "ann@acme.com", Subject: "Printer"})
		w.expect(w.ingest(mail{From: "sam@help.example", Subject: "Re: [#" + itoa(res.TicketID) + "]", Body: "#team billing",
			Headers: []string{proven("help.example")}}), model.OutcomeCommented, "I10")
		if got := w.teamOf(res.TicketID); got != "billing" {
			t.Fatalf("#team billing: team %q", got)
		}
		// An end-user's #team is not theirs to use.
		w.later(11 * 60e9)
		w.ingest(mail{From: "ann@acme.com", Subject: "Re: [#" + itoa(res.TicketID) + "]", Body: "#team general\nthanks", Headers: []string{proven("acme.com")}})
		if got := w.teamOf(res.TicketID); got != "billing" {
			t.Fatalf("an end-user moved the ticket to %q", got)
		}
		// Deleting the team clears it from its tickets, on their history (S4).
		w.ok(nil, w.adm.TeamRemove(w.ctx, w.owner(), "billing"))
		if got := w.teamOf(res.TicketID); got != "" {
			t.Fatalf("S4: ticket still in %q after the team was removed", got)
		}
		es, err := w.st.Events(w.ctx, res.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		var changes []string
		for _, e := range es {
			if e.Kind == model.EventTeamChanged {
				changes = append(changes, e.Detail)
			}
		}
		if len(changes) != 2 || !strings.Contains(changes[1], "billing → (none) by owner@help.example") {
			t.Fatalf("S4: history %v", changes)
		}
		audit, err := w.adm.Audit(w.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if last := audit[len(audit)-1]; last.Action != "team.remove" || last.Actor != "owner@help.example" {
			t.Fatalf("S3: last audit entry %+v", last)
		}
		// Only admins manage teams (S4).
		if err := w.adm.TeamAdd(w.ctx, admin.Request{As: "sam@help.example"}, "x", "X", nil, nil); err == nil {
			t.Fatal("S4: an agent created a team")
		}
	})
}

// I10: notifications on a ticket that came in on an intake address carry
// reply addresses at it, and a reply to one threads back, proven (T2).
func TestI10_T2_RepliesAtTheIntakeAddress(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.withTeams()
		res := w.ingest(mail{From: "ann@acme.com", To: "billing@help.example", Subject: "Invoice", Cc: "carl@cc.example"})
		rt := w.replyAddress(res.TicketID, "ann@acme.com")
		if !strings.HasPrefix(rt, "billing+t-") || !strings.HasSuffix(rt, "@help.example") {
			t.Fatalf("I10: the acknowledgement's reply address %q is not at billing@", rt)
		}
		if base := w.addrs.ReplyBase(rt); base != "billing@help.example" {
			t.Fatalf("I10: the notification would come From %q", base)
		}
		w.later(11 * 60e9)
		reply := w.ingest(mail{From: "ann@acme.com", To: rt, Cc: "dan@acme.com", Subject: "Re: Invoice", Body: "Paid."})
		w.expect(reply, model.OutcomeCommented, "I1")
		if reply.TicketID != res.TicketID {
			t.Fatalf("the reply went to ticket %d, want %d", reply.TicketID, res.TicketID)
		}
		// Proven by the token (T2): her Cc is added (C2).
		if ccs := participants(w.ticket(res.TicketID), "cc"); !contains(ccs, "dan@acme.com") {
			t.Fatalf("C2, T2: the proven reply's Cc was not added: %v", ccs)
		}
	})
}
