package ingest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/outbound"
	"github.com/helpdesk-gw/helpdesk/store"
)

// deliverable builds each queued notification to email as the sender
// would (outbound.BuildMessage) and checks that go-mail writes the quoted
// address in To and RCPT TO.
func deliverable(t *testing.T, w *world, email, quoted string) {
	t.Helper()
	rows := w.outbox(email)
	if len(rows) == 0 {
		t.Fatalf("no notification queued to %s", email)
	}
	for _, r := range rows {
		m, err := outbound.BuildMessage(r, outbound.Envelope{From: "support@help.example", HelpdeskName: "Support",
			ReturnPath: "bounces@help.example", Date: time.Now()})
		if err != nil {
			t.Fatalf("notification %s to %s cannot be built: %v", r.Kind, r.To, err)
		}
		rcpts, err := m.GetRecipients()
		if err != nil || len(rcpts) != 1 || strings.Trim(rcpts[0], "<>") != quoted {
			t.Fatalf("RCPT TO of %s: %v %v, want %s", r.To, rcpts, err, quoted)
		}
	}
}

// Issue 16.6: "john smith"@acme.com is an address. The ticket is created
// (not failed), its requester stored quoted and in acme (O1 by domain),
// and the acknowledgement goes to the quoted address.
func TestQuotedLocalPartSender(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		res := w.ingest(mail{From: `"John Smith" <"John Smith"@Acme.com>`, ID: "q1@acme.com"})
		w.expect(res, model.OutcomeCreated)
		const addr = `"john smith"@acme.com`
		u, err := w.st.UserByEmail(w.ctx, addr)
		if err != nil {
			t.Fatalf("user %s: %v", addr, err)
		}
		acme, err := w.st.OrgBySlug(w.ctx, "acme")
		w.ok(nil, err)
		ts := w.tickets()
		if len(ts) != 1 || ts[0].RequesterID != u.ID || ts[0].OrgID != acme.ID {
			t.Fatalf("tickets %+v, want one of %s in acme (%d)", ts, addr, acme.ID)
		}
		deliverable(t, w, addr, addr)
	})
}

// A CC with a quoted local part that must stay quoted ("dot..dot") is
// added to the ticket and every notification to it can be sent.
func TestQuotedLocalPartCC(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		res := w.ingest(mail{From: "ann@acme.com", Cc: `"Dot" <"dot..dot"@CC.example>, bob@acme.com`, ID: "q2@acme.com"})
		w.expect(res, model.OutcomeCreated)
		const cc = `"dot..dot"@cc.example`
		u, err := w.st.UserByEmail(w.ctx, cc)
		if err != nil {
			t.Fatalf("cc %s not stored: %v", cc, err)
		}
		ps, err := w.st.Participants(w.ctx, res.TicketID)
		w.ok(nil, err)
		found := false
		for _, p := range ps {
			found = found || p.UserID == u.ID
		}
		if !found {
			t.Fatalf("%s is not a participant: %+v", cc, ps)
		}
		// A staff answer notifies the participants, the CC among them.
		w.later(time.Minute)
		w.ingest(mail{From: "sam@help.example", To: w.replyAddress(res.TicketID, "ann@acme.com"), InReplyTo: "q2@acme.com",
			Subject: "Re: Help", ID: "q3@help.example", Body: "We are on it."})
		deliverable(t, w, cc, cc)
	})
}

// "ann@acme.com"@evil.example belongs to evil.example: it is not acme's
// (no membership, no acme ticket) and not ann@acme.com.
func TestQuotedLocalPartWithAtIsTheOuterDomains(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		res := w.ingest(mail{From: `"ann@acme.com"@evil.example`, ID: "q4@evil.example"})
		const addr = `"ann@acme.com"@evil.example`
		if res.Outcome == model.OutcomeFailed {
			t.Fatalf("outcome %s (%s)", res.Outcome, res.Reason)
		}
		if _, err := w.st.UserByEmail(w.ctx, "ann@acme.com"); err == nil {
			t.Fatal("ann@acme.com was created from a quoted local part")
		}
		acme, err := w.st.OrgBySlug(w.ctx, "acme")
		w.ok(nil, err)
		for _, tk := range w.tickets() {
			if tk.OrgID == acme.ID {
				t.Fatalf("ticket %d filed under acme", tk.ID)
			}
		}
		if u, err := w.st.UserByEmail(w.ctx, addr); err == nil {
			ms, err := w.st.ListMemberships(w.ctx)
			w.ok(nil, err)
			for _, m := range ms {
				if m.UserID == u.ID && m.OrgID == acme.ID {
					t.Fatalf("%s is a member of acme", addr)
				}
			}
		}
		if got := model.EmailDomain(model.NormalizeEmail(addr)); got != "evil.example" {
			t.Fatalf("domain %q", got)
		}
	})
}
