package ingest_test

import (
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// ingestFrom records m as read from a mailbox mapped to team (config
// team=SLUG), whose address is address.
func (w *world) ingestFrom(m mail, team, address string) ingest.Result {
	w.t.Helper()
	res, err := w.p.Ingest(w.ctx, ingest.Input{Raw: m.raw(), Mailbox: address, Team: team, MailboxAddress: address})
	if err != nil {
		w.t.Fatalf("ingest: %v", err)
	}
	return res
}

// ackReplyTo is the reply address of the acknowledgement to requester on
// ticket id.
func (w *world) ackReplyTo(id int64, requester string) string {
	w.t.Helper()
	for _, row := range w.outbox(requester) {
		if row.TicketID == id {
			return row.ReplyTo
		}
	}
	w.t.Fatalf("no notification to %s on ticket %d", requester, id)
	return ""
}

// TestI10_MailboxMappedToATeam: mail read from a mailbox mapped to a team
// goes to that team when it names no team's intake address, as if it had
// been sent to the team's intake address: its notifications come from, and
// carry reply addresses at, the mailbox's address when that is one of the
// team's intake addresses. An intake address the message names wins; a
// missing or disabled team is skipped and routing goes on.
func TestI10_MailboxMappedToATeam(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.withTeams() // billing (billing@help.example), acme-desk (organisation acme), general (default)
		w.ok(nil, w.adm.TeamAdd(w.ctx, w.owner(), "sales", "Sales", []string{"sales@help.example"}, nil))

		bcc := w.ingestFrom(mail{From: "zed@elsewhere.example", To: "undisclosed-recipients:;", Subject: "Invoice 7"}, "billing", "billing@help.example")
		w.expect(bcc, model.OutcomeCreated, "I10")
		if got := w.teamOf(bcc.TicketID); got != "billing" {
			t.Errorf("read from billing's mailbox, naming no intake address: team %q, want billing", got)
		}
		if rt := w.ackReplyTo(bcc.TicketID, "zed@elsewhere.example"); !strings.HasPrefix(rt, "billing+") || !strings.HasSuffix(rt, "@help.example") {
			t.Errorf("the acknowledgement's reply address is %q, want one at billing@help.example, the intake address the mailbox is", rt)
		}

		named := w.ingestFrom(mail{From: "yan@elsewhere.example", To: "sales@help.example", Subject: "Quote"}, "billing", "billing@help.example")
		if got := w.teamOf(named.TicketID); got != "sales" {
			t.Errorf("naming sales@, read from billing's mailbox: team %q, want sales (the intake address named wins)", got)
		}

		other := w.ingestFrom(mail{From: "xia@elsewhere.example", Subject: "Refund"}, "billing", "desk@other.example")
		if got := w.teamOf(other.TicketID); got != "billing" {
			t.Errorf("mailbox desk@other.example mapped to billing: team %q", got)
		}
		if rt := w.ackReplyTo(other.TicketID, "xia@elsewhere.example"); !strings.HasPrefix(rt, "support+") {
			t.Errorf("a mailbox that is not an intake address of its team: reply address %q, want the support address's", rt)
		}

		missing := w.ingestFrom(mail{From: "ann@acme.com", Subject: "Printer"}, "no-such-team", "x@help.example")
		if got := w.teamOf(missing.TicketID); got != "acme-desk" {
			t.Errorf("mailbox mapped to a missing team: team %q, want acme-desk (routing goes on to the organisation)", got)
		}
		yes := true
		w.ok(nil, w.adm.TeamSet(w.ctx, w.owner(), "billing", admin.TeamChange{Disabled: &yes}))
		disabled := w.ingestFrom(mail{From: "wu@elsewhere.example", Subject: "Invoice 8"}, "billing", "billing@help.example")
		if got := w.teamOf(disabled.TicketID); got != "general" {
			t.Errorf("mailbox mapped to a disabled team: team %q, want general (the default)", got)
		}
	})
}
