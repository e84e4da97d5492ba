package ingest_test

// Review tests: each proves a deviation from the rule book
// (../shared/spec/access-model.md). They are expected to FAIL until fixed.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// N2/R7/I7: a staff member's internal note held in quarantine by the loop
// limit (B2) becomes a PUBLIC comment when staff release it, and its text
// is mailed to the requester.
func TestReview_N2_ReleasedLoopHeldNoteBecomesPublic(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b, withAuthserv, func(o *ingest.Options) { o.LoopLimit = 2 })
		w.open()
		for i := 0; i < 2; i++ {
			w.expect(w.ingest(mail{From: "sam@help.example", To: "support+note@help.example", Subject: "Re: [#1]",
				Body: fmt.Sprint("internal remark ", i), Headers: []string{proven("help.example")}}), model.OutcomeNoted)
		}
		res := w.ingest(mail{From: "sam@help.example", To: "support+note@help.example", Subject: "Re: [#1]",
			Body: "SECRET: the customer is a bad payer.", Headers: []string{proven("help.example")}})
		w.expect(res, model.OutcomeRejected, "B2")
		q, err := w.adm.QuarantineList(w.ctx)
		if err != nil || len(q) != 1 {
			t.Fatalf("quarantine %+v %v", q, err)
		}
		before := len(w.outbox(""))
		if _, err := w.adm.QuarantineRelease(w.ctx, w.owner(), q[0].ID); err != nil {
			t.Fatal(err)
		}
		c := w.ticket(1).Comments
		last := c[len(c)-1]
		if last.Visibility != "internal" {
			t.Errorf("released staff note stored as %s comment (I7: it was sent to the note address)", last.Visibility)
		}
		for _, row := range w.outbox("")[before:] {
			if !strings.HasSuffix(row.To, "@help.example") && strings.Contains(row.TextBody, "bad payer") {
				t.Errorf("N2: internal note text mailed to end-user %s (kind %s)", row.To, row.Kind)
			}
		}
	})
}

// I7/N2: a staff mail that threads onto nothing and whose command block
// holds #note opens a ticket with a PUBLIC comment, and the end-user in Cc
// is mailed the note's text. (Decision 6 rejects a note that threads onto
// nothing when it is sent to the note address; the #note form escapes it.)
func TestReview_I7_NoteCommandOnNewMailReachesEndUser(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b, withAuthserv)
		res := w.ingest(mail{From: "sam@help.example", Cc: "ann@acme.com", Subject: "Heads-up about Acme",
			Body: "#note\nSECRET: the customer is a bad payer.", Headers: []string{proven("help.example")}})
		if res.Outcome == model.OutcomeCreated {
			for _, c := range w.ticket(res.TicketID).Comments {
				if c.Visibility == "public" && strings.Contains(c.Body, "bad payer") {
					t.Errorf("I7: a #note mail became the PUBLIC opening comment of ticket %d", res.TicketID)
				}
			}
		}
		for _, row := range w.outbox("ann@acme.com") {
			if strings.Contains(row.TextBody, "bad payer") {
				t.Errorf("N2: #note text mailed to end-user ann@acme.com (kind %s)", row.Kind)
			}
		}
	})
}

// T2: the reply address given to a staff member in a command report (or a
// loop notice) is not marked as issued to staff, so it keeps proving the
// address (P1 b) after they stop being staff.
func TestReview_T2_StaffTokenInCommandReportNotMarkedStaff(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b, withAuthserv)
		w.open()
		// Sam (staff, proven) writes with a malformed command: he is sent a
		// command report carrying a reply address issued to him.
		w.expect(w.ingest(mail{From: "sam@help.example", Subject: "Re: [#1]", Body: "#status maybe\nLooking.",
			Headers: []string{proven("help.example")}}), model.OutcomeCommented)
		rows := w.outbox("sam@help.example")
		if len(rows) == 0 || rows[len(rows)-1].Kind != model.KindNotice {
			t.Fatalf("no command report to sam: %+v", rows)
		}
		addr := rows[len(rows)-1].ReplyTo
		tgt, ok := w.addrs.Classify(addr)
		if !ok || tgt.Reply == nil {
			t.Fatalf("reply address %q does not verify", addr)
		}
		if !tgt.Reply.Staff {
			t.Errorf("T2: reply token issued to staff member sam@help.example is not marked as a staff token")
		}
		// Behaviour: sam stops being staff; ann (proven) CCs him; cc_adders
		// participants. His old token should prove nothing (T2), so the CC he
		// names must be ignored (P3, C2).
		w.ok(w.adm.StaffSet(w.ctx, w.owner(), "sam@help.example", model.RoleNone, "staff.remove"))
		w.ok(w.adm.OrgSet(w.ctx, w.owner(), "acme", admin.OrgSettings{CCAdders: model.CCAddersParticipants}))
		w.expect(w.ingest(mail{From: "ann@acme.com", Cc: "sam@help.example", Subject: "Re: [#1]", Body: "Adding Sam.",
			Headers: []string{proven("acme.com")}}), model.OutcomeCommented)
		w.expect(w.ingest(mail{From: "sam@help.example", To: addr, Cc: "mallory@evil.example", Subject: "Re: [#1]",
			Body: "Adding my friend."}), model.OutcomeCommented)
		if contains(participants(w.ticket(1), "cc"), "mallory@evil.example") {
			t.Errorf("T2: a token issued to sam while staff still proved him after he stopped being staff (CC added)")
		}
	})
}

// C3 (decision 15): `ticket cc --add` must refuse the helpdesk's own
// addresses and honour the configured cc_blocklist.
func TestReview_C3_TicketCCAcceptsHelpdeskAddressAndIgnoresConfiguredBlocklist(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b, func(o *ingest.Options) { o.CCBlocklist = []string{"*@blocked.example"} })
		w.open()
		sam := admin.Request{As: "sam@help.example"}
		if _, err := w.adm.TicketCC(w.ctx, sam, 1, []string{"support+note@help.example"}, nil); err == nil {
			if contains(participants(w.ticket(1), "cc"), "support+note@help.example") {
				t.Errorf("C3: the helpdesk's own address support+note@help.example became a CC via ticket cc --add")
			}
		}
		// The same address in an opening mail's Cc is never a CC (control).
		if _, err := w.adm.TicketCC(w.ctx, sam, 1, []string{"x@blocked.example"}, nil); err == nil {
			if contains(participants(w.ticket(1), "cc"), "x@blocked.example") {
				t.Errorf("C3: configured cc_blocklist (*@blocked.example) ignored by ticket cc --add")
			}
		}
	})
}

// Outcomes/B2: "duplicate: a Message-ID already seen from the same sender".
// A rejected message re-delivered with the same Message-ID (different
// bytes, e.g. another Received header) is processed again: another notice,
// another quarantine entry.
func TestReview_B2_RejectedMessageIDSeenAgainIsNotDuplicate(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		w.ok(w.adm.OrgSet(w.ctx, w.owner(), "acme", admin.OrgSettings{Access: model.OrgAccessView}))
		m := mail{From: "pat@partner.example", Subject: "Re: Printer broken", ID: "p1@partner.example", InReplyTo: "m1@acme.com", Body: "We can help."}
		w.expect(w.ingest(m), model.OutcomeRejected, "I5")
		m.Headers = []string{"Received: from relay2.partner.example by mx.help.example"}
		res := w.ingest(m)
		if res.Outcome != model.OutcomeDuplicate {
			q, _ := w.adm.QuarantineList(w.ctx)
			t.Errorf("same Message-ID from the same sender: outcome %s (%s), want duplicate; %d quarantine entries, %d notices to pat",
				res.Outcome, res.Reason, len(q), len(w.outbox("pat@partner.example")))
		}
	})
}

// Security (B3): any participant can silence another one. Notifications'
// References name the Message-IDs of earlier notifications sent to other
// people; a forged DSN naming one of them marks that other person bouncing,
// and they stop receiving notifications.
func TestReview_B3_ForgedBounceByParticipantSilencesAnother(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		annAck := w.outbox("ann@acme.com")[0].MessageID
		// Ann writes again; Carl is told, and his copy's References name
		// Ann's acknowledgement.
		w.ingest(mail{From: "ann@acme.com", Subject: "Re: [#1]", ID: "m2@acme.com", Body: "Any news?"})
		rows := w.outbox("carl@cc.example")
		leaked := ""
		for _, id := range rows[len(rows)-1].References {
			if id == annAck {
				leaked = id
			}
		}
		if leaked == "" {
			t.Skip("References do not name ann's notification: attack not possible this way")
		}
		// Carl forges a bounce for it (any From of a mailer daemon will do).
		dsn := "From: MAILER-DAEMON@cc.example\r\nTo: support@help.example\r\nSubject: Undelivered Mail\r\n" +
			"Message-ID: <forged@cc.example>\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n" +
			"--b\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n" +
			"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.acme.com\r\n\r\n" +
			"Final-Recipient: rfc822; ann@acme.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n" +
			"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <" + leaked + ">\r\n\r\n--b--\r\n"
		w.ingestRaw([]byte(dsn))
		if u, _ := w.st.UserByEmail(w.ctx, "ann@acme.com"); u.Bouncing {
			t.Errorf("a forged bounce from another participant (who learnt the Message-ID from References) marked ann@acme.com bouncing")
		}
	})
}

// N2 vs I7/N6: a staff member who replies (inline) to an internal-note
// notification uses the Reply-To of that notification, the public reply
// address, so the reply, quoting the note, becomes a public comment mailed
// to the requester.
func TestReview_N2_StaffReplyToNoteNotificationQuotesNotePublicly(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b, withAuthserv)
		w.open()
		w.ok(w.adm.StaffSet(w.ctx, w.owner(), "sue@help.example", model.RoleAgent, "staff.add"))
		w.ingest(mail{From: "sue@help.example", Subject: "Re: [#1]", Body: "#follow\n", Headers: []string{proven("help.example")}})
		w.expect(w.ingest(mail{From: "sam@help.example", To: "support+note@help.example", Subject: "Re: [#1]",
			Body: "SECRET: the customer is a bad payer.", Headers: []string{proven("help.example")}}), model.OutcomeNoted)
		rows := w.outbox("sue@help.example")
		note := rows[len(rows)-1]
		if note.Kind != model.KindNote {
			t.Fatalf("sue got %s, want the note", note.Kind)
		}
		before := len(w.outbox(""))
		w.ingest(mail{From: "sue@help.example", To: note.ReplyTo, Subject: "Re: " + note.Subject, InReplyTo: note.MessageID,
			Headers: []string{proven("help.example")},
			Body:    "> SECRET: the customer is a bad payer.\n\nAgreed, let us ask for prepayment."})
		for _, row := range w.outbox("")[before:] {
			if !strings.HasSuffix(row.To, "@help.example") && strings.Contains(row.TextBody, "bad payer") {
				t.Errorf("N2: a notification quoting the internal note reached end-user %s (note Reply-To is the public reply address %s)", row.To, note.ReplyTo)
			}
		}
	})
}
