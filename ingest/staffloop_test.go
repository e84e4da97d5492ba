package ingest_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// TestN7_StaffToldOfNewTicketAndReplyFromTheirMailClient is the staff loop
// in the zero-set-up configuration (no trusted authserv-id: only reply
// tokens prove staff, I9): a new ticket tells each staff member, with their
// own reply address; a reply to it from their mail client is a proven staff
// reply, and the customer is told (N7, T2, P1 b, I7, N1).
func TestN7_StaffToldOfNewTicketAndReplyFromTheirMailClient(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		var sams []model.OutboxMessage
		for _, row := range w.outbox("sam@help.example") {
			if row.Kind == model.KindNewTicket {
				sams = append(sams, row)
			}
		}
		owners := w.outbox("owner@help.example")
		if len(sams) != 1 || len(owners) != 1 || owners[0].Kind != model.KindNewTicket {
			t.Fatalf("N7: sam %+v owner %+v", sams, owners)
		}
		n := sams[0]
		if n.ReplyTo == owners[0].ReplyTo || n.ReplyTo == w.replyAddress(1, "ann@acme.com") {
			t.Fatal("T2: staff share a reply address")
		}
		for _, want := range []string{"ann@acme.com", "acme", "The printer is on fire.", "carl@cc.example: view and comment (R3", "#note", "#status", "#assign"} {
			if !strings.Contains(n.TextBody, want) {
				t.Errorf("N7: the notification lacks %q:\n%s", want, n.TextBody)
			}
		}
		// Sam answers from his mail client: a reply to the notification.
		before := len(w.outbox("ann@acme.com"))
		res := w.ingest(mail{From: "Sam <sam@help.example>", To: n.ReplyTo, Subject: "Re: " + n.Subject, InReplyTo: n.MessageID,
			Body: "Hi Ann, a technician is on the way.\n#assign me\n\n> " + strings.ReplaceAll(n.TextBody, "\n", "\n> ")})
		w.expect(res, model.OutcomeCommented, "I4", "R1")
		v := w.ticket(1)
		last := v.Comments[len(v.Comments)-1]
		if last.Author != "sam@help.example" || last.Visibility != "public" || last.Body != "Hi Ann, a technician is on the way." {
			t.Fatalf("staff reply stored as %+v", last)
		}
		if v.Assignee == nil || *v.Assignee != "sam@help.example" {
			t.Fatalf("#assign me did not act: %v", v.Assignee)
		}
		told := w.outbox("ann@acme.com")[before:]
		if len(told) != 1 || told[0].Kind != model.KindComment || !strings.Contains(told[0].TextBody, "a technician is on the way") {
			t.Fatalf("N1: the customer was not told: %+v", told)
		}
		if strings.Contains(told[0].TextBody, "#assign") {
			t.Fatal("I8: a command line reached the customer")
		}
	})
}

// TestN7_NotifySettings: team (default) is told of new tickets and of
// public comments while unassigned; assigned only as assignee; none not
// even then; when nobody would be told, admins and owners are.
func TestN7_NotifySettings(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.ok(nil, w.adm.StaffNotify(w.ctx, w.owner(), "sam@help.example", model.NotifyAssigned))
		w.open()
		if len(w.outbox("sam@help.example")) != 0 || len(w.outbox("owner@help.example")) != 1 {
			t.Fatalf("N7: assigned setting: sam %d owner %d", len(w.outbox("sam@help.example")), len(w.outbox("owner@help.example")))
		}
		// A public comment while unassigned: team staff only.
		w.later(11 * 60e9)
		w.expect(w.ingest(mail{From: "ann@acme.com", Subject: "Re: [#1]", Body: "Any news?"}), model.OutcomeCommented)
		if len(w.outbox("sam@help.example")) != 0 || len(w.outbox("owner@help.example")) != 2 {
			t.Fatalf("N1/N7 unassigned comment: sam %d owner %d", len(w.outbox("sam@help.example")), len(w.outbox("owner@help.example")))
		}
		// Staff set their own setting; nobody with team left: admins and owners told.
		w.ok(nil, w.adm.StaffNotify(w.ctx, w.owner(), "owner@help.example", model.NotifyAssigned))
		if err := w.adm.StaffNotify(w.ctx, w.owner(), "ann@acme.com", model.NotifyNone); err == nil {
			t.Error("N7: an end-user got a notify setting")
		}
		w.later(11 * 60e9)
		second := w.ingest(mail{From: "bob@acme.com", Subject: "Another", Body: "Hello"})
		w.expect(second, model.OutcomeCreated, "N7")
		if rows := w.outbox("owner@help.example"); rows[len(rows)-1].Kind != model.KindNewTicket || rows[len(rows)-1].TicketID != second.TicketID {
			t.Fatalf("N7 fallback: the owner was not told of ticket 2: %+v", rows[len(rows)-1])
		}
		// none: not even as assignee.
		w.ok(nil, w.adm.StaffNotify(w.ctx, admin.Request{As: "sam@help.example"}, "sam@help.example", model.NotifyNone))
		w.expect(w.ingest(mail{From: "owner@help.example", To: w.replyAddress(1, "owner@help.example"), Subject: "Re: [#1]", Body: "#assign sam@help.example"}), model.OutcomeCommented)
		w.later(11 * 60e9)
		w.expect(w.ingest(mail{From: "ann@acme.com", Subject: "Re: [#1]", Body: "Still waiting."}), model.OutcomeCommented)
		if n := len(w.outbox("sam@help.example")); n != 0 {
			t.Fatalf("N7 none: sam was told %d times", n)
		}
	})
}

// N7, W3: with the web on, every notification about a ticket links to its
// page; the I6 notice, which names no ticket, does not.
func TestN7_W3_NotificationsLinkToTheTicketPage(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b, func(o *ingest.Options) { o.WebURL = "https://help.example.com" })
		w.open()
		for _, row := range w.outbox("") {
			if !strings.Contains(row.TextBody, "https://help.example.com/t/1") || !strings.Contains(row.HTMLBody, `href="https://help.example.com/t/1"`) {
				t.Fatalf("N7: the %s to %s has no link to the ticket's page:\n%s", row.Kind, row.To, row.TextBody)
			}
		}
		w.expect(w.ingest(mail{From: "eve@elsewhere.example", Subject: "Re: [#1]", InReplyTo: "m1@acme.com"}), model.OutcomeRejected, "I6")
		rows := w.outbox("eve@elsewhere.example")
		if len(rows) != 1 || strings.Contains(rows[0].TextBody, "/t/") {
			t.Fatalf("I6: the notice names the ticket: %+v", rows)
		}
	})
}

// TestN7_LargeOrganisationCountedNotListed: a new ticket of an
// organisation whose 30 members all see it (A1 view) tells the staff
// who can see it naming the requester and a CC, the first 20 members,
// and the 9 others as one counted line; 'ticket access' still lists
// everyone.
func TestN7_LargeOrganisationCountedNotListed(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		owner := admin.Request{As: "owner@help.example", Yes: true}
		w.ok(w.adm.OrgSet(w.ctx, owner, "acme", admin.OrgSettings{Access: model.OrgAccessView}))
		for i := range 30 {
			w.ok(w.adm.UserAdd(w.ctx, owner, fmt.Sprintf("m%02d@acme.com", i), "", []string{"acme"}))
		}
		res := w.ingest(mail{From: "m00@acme.com", Cc: "carl@cc.example", Subject: "Printer broken", ID: "big@acme.com", Body: "On fire."})
		w.expect(res, model.OutcomeCreated)
		var told string
		for _, m := range w.outbox("sam@help.example") {
			if m.Kind == model.KindNewTicket {
				told = m.TextBody
			}
		}
		lines := len(regexp.MustCompile(`(?m)^ *m\d\d@acme\.com: view \(R4 `).FindAllString(told, -1))
		if lines != 20 {
			t.Errorf("N7: %d members named, want 20:\n%s", lines, told)
		}
		for _, want := range []string{"m00@acme.com: view and comment (R2 requester", "carl@cc.example: view and comment (R3 cc",
			"and 9 more members of the organisation: view (R4 "} {
			if !strings.Contains(told, want) {
				t.Errorf("N7: the notification lacks %q:\n%s", want, told)
			}
		}
		entries, err := w.adm.TicketAccess(w.ctx, res.TicketID)
		w.ok(nil, err)
		if len(entries) < 31 {
			t.Errorf("ticket access lists %d people, want every member, the CC and the staff", len(entries))
		}
	})
}
