package outbound_test

import (
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/outbound"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// expectWithheld checks that row was stopped at send time for why, and
// that the relay got nothing for its recipient beyond had messages.
func (w *world) expectWithheld(row model.OutboxMessage, why string, had int) {
	w.t.Helper()
	got := w.row(row.ID)
	if got.Status != model.OutboxFailed || got.LastError != why {
		w.t.Fatalf("row %d to %s: %s %q, want failed %q", row.ID, row.To, got.Status, got.LastError, why)
	}
	if n := len(w.to(row.To)); n != had {
		w.t.Fatalf("%d mails reached %s, want %d", n, row.To, had)
	}
}

// R7, N2: an internal note reaches staff only, over the wire too, even
// when the staff member's mail had end-users in Cc; and a note row that
// names an end-user (a fault in the queue) is stopped at send time.
func TestR7_N2_NotesNeverReachEndUsersEvenWithEndUsersInCc(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		w.ok(w.adm.StaffSet(w.ctx, w.owner(), "sue@help.example", model.RoleAgent, "staff.add"))
		w.ingest(mail{From: "sue@help.example", Subject: "Re: [#1]", Body: "#follow\n", Headers: []string{proven("help.example")}})
		w.expect(w.ingest(mail{From: "Sam <sam@help.example>", To: "support+note@help.example", Cc: "ann@acme.com, carl@cc.example, newbie@acme.com",
			Subject: "Re: Printer broken [#1]", Body: "Internal: customer is difficult.", Headers: []string{proven("help.example")}}), model.OutcomeNoted)
		// A faulty queue: the note addressed to the end-users anyway.
		var forced []model.OutboxMessage
		for _, to := range []string{"ann@acme.com", "carl@cc.example", "newbie@acme.com"} {
			forced = append(forced, w.enqueue(model.OutboxMessage{TicketID: 1, Kind: model.KindNote, To: to, TextBody: "Internal: customer is difficult."}))
		}
		had := map[string]int{}
		w.deliverAll()
		for _, m := range w.smtp.Messages() {
			r := parse(t, m)
			staff := strings.HasSuffix(m.To[0], "@help.example")
			if !staff && (strings.Contains(r.text, "difficult") || strings.Contains(r.html, "difficult")) {
				t.Fatalf("internal note text reached %s", m.To[0])
			}
			had[m.To[0]]++
		}
		sue := w.to("sue@help.example")
		if len(sue) != 1 || !strings.Contains(sue[0].text, "customer is difficult") || !strings.Contains(sue[0].text, "INTERNAL NOTE") {
			t.Fatalf("the staff follower did not get the note: %d mails", len(sue))
		}
		for _, r := range forced {
			w.expectWithheld(r, outbound.ReasonNoteToNonStaff, had[r.To])
		}
		// Staff who stop being staff before the send are not sent a note (R7, T2).
		late := w.enqueue(model.OutboxMessage{TicketID: 1, Kind: model.KindNote, To: "sue@help.example", TextBody: "Another internal remark."})
		w.ok(w.adm.StaffSet(w.ctx, w.owner(), "sue@help.example", "", "staff.remove"))
		w.deliverAll()
		w.expectWithheld(late, outbound.ReasonNoteToNonStaff, 1)
	})
}

// N1: a CC removed between queueing and sending is not sent the comment.
func TestN1_CCRemovedBeforeSendIsNotSent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		w.deliverAll()
		w.expect(w.ingest(mail{From: "Ann <ann@acme.com>", Subject: "Re: [#1] Printer broken", InReplyTo: "m1@acme.com", Body: "Smoke everywhere."}), model.OutcomeCommented)
		rows := w.rows("carl@cc.example")
		comment := rows[len(rows)-1]
		if comment.Kind != model.KindComment || comment.Status != model.OutboxQueued {
			t.Fatalf("no comment queued to carl: %+v", comment)
		}
		w.ok(w.adm.TicketCC(w.ctx, w.owner(), 1, nil, []string{"carl@cc.example"}))
		w.deliverAll()
		w.expectWithheld(comment, outbound.ReasonNoLongerVisible, 1)
	})
}

// N5: a follower whose view right went away before the send is not sent.
func TestN5_FollowerWhoLostViewIsNotSent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.ok(w.adm.UserAdd(w.ctx, w.owner(), "bob@acme.com", "Bob", nil))
		follow := true
		w.ok(w.adm.MemberSet(w.ctx, w.owner(), "bob@acme.com", "acme", model.MemberAccessOrg, &follow))
		w.open()
		w.expect(w.ingest(mail{From: "Ann <ann@acme.com>", Subject: "Re: [#1] Printer broken", InReplyTo: "m1@acme.com", Body: "Smoke."}), model.OutcomeCommented)
		rows := w.rows("bob@acme.com")
		if len(rows) != 2 {
			t.Fatalf("%d rows to the follower bob, want the opening comment and Ann's reply", len(rows))
		}
		w.deliverAll()
		if n := len(w.to("bob@acme.com")); n != 2 {
			t.Fatalf("follower got %d mails, want 2", n)
		}
		w.expect(w.ingest(mail{From: "Ann <ann@acme.com>", Subject: "Re: [#1] Printer broken", InReplyTo: "m1@acme.com", Body: "Fire."}), model.OutcomeCommented)
		rows = w.rows("bob@acme.com")
		noFollow := false
		w.ok(w.adm.MemberSet(w.ctx, w.owner(), "bob@acme.com", "acme", model.MemberAccessOwn, &noFollow))
		w.deliverAll()
		w.expectWithheld(rows[len(rows)-1], outbound.ReasonNoLongerVisible, 2)
	})
}

// B2: nothing leaves for the helpdesk's own addresses, whatever the row.
func TestB2_NeverSentToTheHelpdesksOwnAddresses(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		var own []model.OutboxMessage
		for _, to := range []string{"support@help.example", "support+note@help.example", "SUPPORT+t-abc@Help.Example", "support+bounce-x@help.example"} {
			own = append(own, w.enqueue(model.OutboxMessage{Kind: model.KindNotice, To: to}))
		}
		w.deliverAll()
		for _, r := range own {
			w.expectWithheld(r, outbound.ReasonOwnAddress, 0)
		}
		for _, m := range w.smtp.Messages() {
			if strings.Contains(m.To[0], "help.example") {
				t.Fatalf("sent to %s", m.To[0])
			}
		}
	})
}

// B3: the return path of every notification names its row (VERP); a bounce
// to it marks the recipient bouncing, and a row queued to them before the
// bounce arrived is not sent.
func TestB3_VERPBounceStopsMailAlreadyQueued(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		w.deliverAll()
		cc := w.to("carl@cc.example")
		if len(cc) != 1 {
			t.Fatalf("%d mails to carl", len(cc))
		}
		target, ok := w.addrs.Classify(cc[0].From)
		ccRow := w.rows("carl@cc.example")[0]
		if !ok || target.BounceID != ccRow.ID {
			t.Fatalf("MAIL FROM %q does not name row %d (B3)", cc[0].From, ccRow.ID)
		}
		w.expect(w.ingest(mail{From: "Ann <ann@acme.com>", Subject: "Re: [#1] Printer broken", InReplyTo: "m1@acme.com", Body: "More smoke."}), model.OutcomeCommented)
		queued := w.rows("carl@cc.example")[1]
		dsn := "From: MAILER-DAEMON@mx.cc.example\r\nTo: " + cc[0].From + "\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
			"Message-ID: <dsn1@mx.cc.example>\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n" +
			"--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n" +
			"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.cc.example\r\n\r\n" +
			"Final-Recipient: rfc822; carl@cc.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--b--\r\n"
		w.expect(w.ingestRaw([]byte(dsn)), model.OutcomeBounce)
		w.deliverAll()
		w.expectWithheld(queued, outbound.ReasonBouncing, 1)
	})
}
