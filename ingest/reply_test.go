package ingest_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

func TestI1_I4_ReplyThreadsByInReplyTo(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		ack := w.lastMessageID("ann@acme.com")
		res := w.ingest(mail{From: "ann@acme.com", Subject: "Re: something else", ID: "m2@acme.com", InReplyTo: ack, Body: "Still burning.\n\nOn Mon, Support wrote:\n> We have received your request"})
		w.expect(res, model.OutcomeCommented, "I1", "I4", "R2")
		v := w.ticket(1)
		if len(v.Comments) != 2 || v.Comments[1].Body != "Still burning." {
			t.Fatalf("comments %+v", v.Comments)
		}
		if len(w.tickets()) != 1 {
			t.Fatal("a reply opened a new ticket")
		}
		// A reply to the customer's own first message threads too (I1 1: received).
		w.expect(w.ingest(mail{From: "carl@cc.example", ID: "c1@cc.example", InReplyTo: "m1@acme.com"}), model.OutcomeCommented, "R3")
	})
}

func TestI1_ReplyThreadsByTokenThenSubject(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		w.expect(w.ingest(mail{From: "ann@acme.com", To: w.replyAddress(1, "ann@acme.com"), Subject: "no token here"}), model.OutcomeCommented, "I1")
		// A subject token counts for someone who may comment …
		w.expect(w.ingest(mail{From: "ann@acme.com", Subject: "Re: [#1] again"}), model.OutcomeCommented)
		// … and for anyone else it is a new ticket (I1 3).
		res := w.ingest(mail{From: "eve@evil.example", Subject: "Re: [#1] let me in"})
		w.expect(res, model.OutcomeCreated)
		if res.TicketID == 1 {
			t.Fatal("subject token let a stranger onto ticket 1")
		}
	})
}

func TestT1_TamperedTokenMatchesNothing(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		addr := w.replyAddress(1, "ann@acme.com")
		at := strings.IndexByte(addr, '@')
		c := byte('a')
		if addr[at-1] == 'a' {
			c = 'b'
		}
		bad := addr[:at-1] + string(c) + addr[at:]
		res := w.ingest(mail{From: "eve@evil.example", To: bad, Subject: "hello"})
		w.expect(res, model.OutcomeCreated)
		if res.TicketID == 1 {
			t.Fatal("tampered token matched ticket 1")
		}
	})
}

func TestT2_P1_TokenProvesOnlyItsRecipient(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		annAddr := w.replyAddress(1, "ann@acme.com")
		// Ann, writing to her own token, is proven (P1 b): her Cc becomes a CC (C2).
		res := w.ingest(mail{From: "ann@acme.com", To: annAddr, Cc: "dave@acme.com", Subject: "Re: [#1]"})
		w.expect(res, model.OutcomeCommented, "C2")
		if got := participants(w.ticket(1), "cc"); !contains(got, "dave@acme.com") {
			t.Fatalf("CCs %v", got)
		}
		// Carl (a CC) writing to Ann's token is only claimed: he comments (R3)
		// but his Cc is ignored (P3) and he is told.
		res = w.ingest(mail{From: "carl@cc.example", To: annAddr, Cc: "erin@acme.com", Subject: "Re: [#1]"})
		w.expect(res, model.OutcomeCommented, "P3")
		if got := participants(w.ticket(1), "cc"); contains(got, "erin@acme.com") {
			t.Fatal("claimed sender added a CC")
		}
		rows := w.outbox("carl@cc.example")
		if last := rows[len(rows)-1]; last.Kind != model.KindNotice || !strings.Contains(last.TextBody, "not added as CCs") {
			t.Fatalf("carl not told what was ignored: %+v", last)
		}
	})
}

func TestC2_OtherCCsAddCCsOnlyWithParticipantsSetting(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		carlAddr := w.replyAddress(1, "carl@cc.example")
		w.ingest(mail{From: "carl@cc.example", To: carlAddr, Cc: "erin@acme.com", Subject: "Re: [#1]"})
		if contains(participants(w.ticket(1), "cc"), "erin@acme.com") {
			t.Fatal("a CC added CCs with cc_adders=requester")
		}
		w.ok(w.adm.OrgSet(w.ctx, w.owner(), "acme", admin.OrgSettings{CCAdders: model.CCAddersParticipants}))
		w.ingest(mail{From: "carl@cc.example", To: carlAddr, Cc: "erin@acme.com", Subject: "Re: [#1] again"})
		if !contains(participants(w.ticket(1), "cc"), "erin@acme.com") {
			t.Fatal("a CC could not add CCs with cc_adders=participants")
		}
	})
}

func TestR6_I5_C4_PartnerViewOnlyIsQuarantinedThenReleased(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		w.ok(w.adm.OrgSet(w.ctx, w.owner(), "acme", admin.OrgSettings{Access: model.OrgAccessView}))
		// The partner sees acme's tickets (A1 view) but may not comment (R6).
		// (A subject token alone would not do: it counts only for someone who
		// may comment, I1 3; the partner replies within the thread.)
		res := w.ingest(mail{From: "pat@partner.example", Cc: "friend@partner.example", Subject: "Re: Printer broken", ID: "p1@partner.example", InReplyTo: "m1@acme.com", Body: "We can help."})
		w.expect(res, model.OutcomeRejected, "I5", "R4")
		if res.TicketID != 1 || len(w.ticket(1).Comments) != 1 {
			t.Fatal("view-only message reached the ticket")
		}
		notice := w.outbox("pat@partner.example")
		if len(notice) != 1 || notice[0].TicketID != 1 || !strings.Contains(notice[0].TextBody, "#1") {
			t.Fatalf("I5 notice %+v", notice)
		}
		q, err := w.adm.QuarantineList(w.ctx)
		if err != nil || len(q) != 1 || q[0].From != "pat@partner.example" {
			t.Fatalf("quarantine %+v %v", q, err)
		}
		// Staff release it: a comment of the partner's; no CCs (C4).
		if _, err := w.adm.QuarantineRelease(w.ctx, admin.Request{As: "sam@help.example"}, q[0].ID); err != nil {
			t.Fatal(err)
		}
		v := w.ticket(1)
		if len(v.Comments) != 2 || v.Comments[1].Author != "pat@partner.example" {
			t.Fatalf("released comment %+v", v.Comments)
		}
		if contains(participants(v, "cc"), "friend@partner.example") {
			t.Fatal("a released message added a CC (C4)")
		}
		// CC'd by the requester (R3), the partner comments.
		annAddr := w.replyAddress(1, "ann@acme.com")
		w.ingest(mail{From: "ann@acme.com", To: annAddr, Cc: "pat@partner.example", Subject: "Re: [#1]"})
		w.expect(w.ingest(mail{From: "pat@partner.example", Subject: "Re: Printer broken [#1]", ID: "p2@partner.example"}), model.OutcomeCommented, "R3")
	})
}

func TestI6_NoRightsNoticeNamesNothing(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		res := w.ingest(mail{From: "eve@evil.example", InReplyTo: w.lastMessageID("ann@acme.com"), Subject: "Re: Printer broken [#1]"})
		w.expect(res, model.OutcomeRejected, "I6", "R5")
		n := w.outbox("eve@evil.example")
		if len(n) != 1 || n[0].TicketID != 0 || n[0].ReplyTo != "" {
			t.Fatalf("notice %+v", n)
		}
		if strings.Contains(n[0].Subject+n[0].TextBody, "#1") || strings.Contains(n[0].TextBody, "Printer") || strings.Contains(n[0].Subject, "Printer") {
			t.Fatalf("I6 notice leaks the ticket: %q\n%s", n[0].Subject, n[0].TextBody)
		}
		if _, err := w.st.UserByEmail(w.ctx, "eve@evil.example"); err == nil {
			t.Fatal("rejected sender made a user")
		}
	})
}

func TestI7_R7_N2_C4_StaffNoteNeverReachesEndUsers(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b, withAuthserv)
		w.open()
		w.ok(w.adm.StaffSet(w.ctx, w.owner(), "sue@help.example", model.RoleAgent, "staff.add"))
		before := len(w.outbox(""))
		// Sam writes to the note address with end-users in Cc and a follower staff member.
		w.ingest(mail{From: "sue@help.example", Subject: "Re: [#1]", Body: "#follow\n", Headers: []string{proven("help.example")}})
		res := w.ingest(mail{From: "Sam <sam@help.example>", To: "support+note@help.example", Cc: "ann@acme.com, newbie@acme.com",
			Subject: "Re: Printer broken [#1]", Body: "Internal: customer is difficult.", Headers: []string{proven("help.example")}})
		w.expect(res, model.OutcomeNoted, "I7", "R7", "C4")
		v := w.ticket(1)
		last := v.Comments[len(v.Comments)-1]
		if last.Visibility != "internal" || last.Author != "sam@help.example" {
			t.Fatalf("note %+v", last)
		}
		if contains(participants(v, "cc"), "newbie@acme.com") {
			t.Fatal("a note's Cc added a CC (C4)")
		}
		for _, row := range w.outbox("")[before:] {
			if row.Kind == model.KindNote && row.To != "sue@help.example" {
				t.Fatalf("note sent to %s", row.To)
			}
			if !strings.HasSuffix(row.To, "@help.example") && strings.Contains(row.TextBody, "customer is difficult") {
				t.Fatalf("internal note text reached end-user %s", row.To)
			}
		}
		// #note in the command block makes a note too.
		res = w.ingest(mail{From: "sam@help.example", Subject: "Re: [#1]", Body: "#note\nSecond internal remark.", Headers: []string{proven("help.example")}})
		w.expect(res, model.OutcomeNoted, "I8")
		if c := w.ticket(1).Comments; c[len(c)-1].Body != "Second internal remark." {
			t.Fatalf("command block not removed: %q", c[len(c)-1].Body)
		}
	})
}

func TestI9_P4_ForgedStaffReplyRejected(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b, withAuthserv)
		w.open()
		before := len(w.outbox(""))
		res := w.ingest(mail{From: "sam@help.example", Subject: "Re: [#1]", Body: "#status closed\nAll fixed."})
		w.expect(res, model.OutcomeRejected, "I9")
		// A forged Authentication-Results from another server does not help.
		res = w.ingest(mail{From: "sam@help.example", Subject: "Re: [#1] again", Body: "#status closed",
			Headers: []string{"Authentication-Results: evil.example; dmarc=pass header.from=help.example"}})
		w.expect(res, model.OutcomeRejected, "I9")
		v := w.ticket(1)
		if v.Status != "open" || len(v.Comments) != 1 {
			t.Fatalf("forged staff reply changed something: %+v", v)
		}
		// I9 v3: the staff address is told how to prove it, in a notice
		// that names no ticket and carries no reply address …
		for _, row := range w.outbox("")[before:] {
			if row.To != "sam@help.example" || row.Kind != model.KindNotice || row.TicketID != 0 || row.ReplyTo != "" {
				t.Fatalf("I9: unexpected notification %+v", row)
			}
			if !strings.Contains(row.TextBody, authservID) {
				t.Errorf("I9: the notice does not say how to prove it: %q", row.TextBody)
			}
		}
		notices := 0
		for _, row := range w.outbox("sam@help.example") {
			if row.Kind == model.KindNotice {
				notices++
			}
		}
		if notices != 2 {
			t.Errorf("I9: %d notices to sam, want 2", notices)
		}
		// … and the messages wait in quarantine, explained as unproven staff mail.
		q, err := w.adm.QuarantineList(w.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(q) != 2 || !strings.Contains(q[0].Reason, "unproven staff sender") || q[0].Ticket == nil || *q[0].Ticket != 1 {
			t.Fatalf("I9: quarantine %+v", q)
		}
		// An admin who checked it releases it: its text becomes Sam's
		// comment; its command does not act.
		if _, err := w.adm.QuarantineRelease(w.ctx, w.owner(), q[0].ID); err != nil {
			t.Fatal(err)
		}
		v = w.ticket(1)
		if v.Status != "open" || len(v.Comments) != 2 || v.Comments[1].Author != "sam@help.example" || v.Comments[1].Body != "All fixed." {
			t.Fatalf("I9 release: %+v", v)
		}
	})
}

func TestI9_WithoutAuthservOnlyTokensProveStaff(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		w.expect(w.ingest(mail{From: "sam@help.example", Subject: "Re: [#1]", Headers: []string{proven("help.example")}}), model.OutcomeRejected, "I9")
		// Sam is told of the ticket once assigned by the owner via the command line? Use a token issued to sam.
		addr := w.addrs.ReplyAddress(1, "sam@help.example", true)
		w.expect(w.ingest(mail{From: "sam@help.example", To: addr, Subject: "Re: [#1]", Body: "#assign me\nOn it."}), model.OutcomeCommented, "I8")
		if a := w.ticket(1).Assignee; a == nil || *a != "sam@help.example" {
			t.Fatalf("assignee %v", a)
		}
		// T2: once sam stops being staff, his staff token proves nothing.
		w.ok(w.adm.StaffSet(w.ctx, w.owner(), "sam@help.example", model.RoleNone, "staff.remove"))
		w.expect(w.ingest(mail{From: "sam@help.example", To: addr, Subject: "Re: [#1] later", Body: "#status closed"}), model.OutcomeRejected)
	})
}

func TestI8_StaffCommands(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b, withAuthserv)
		w.open()
		res := w.ingest(mail{From: "sam@help.example", Subject: "Re: [#1]", Headers: []string{proven("help.example")},
			Body: "\n#status pending\n#PRIORITY high\n#type incident\n#assign me\n#cc +dave@acme.com -carl@cc.example\n#status maybe\nWe replaced the printer.\n#1 is the new one."})
		w.expect(res, model.OutcomeCommented, "I8", "C5", "C6")
		v := w.ticket(1)
		if v.Status != "pending" || v.Priority != "high" || v.Type != "incident" || v.Assignee == nil || *v.Assignee != "sam@help.example" {
			t.Fatalf("ticket %+v", v)
		}
		ccs := participants(v, "cc")
		if !contains(ccs, "dave@acme.com") || contains(ccs, "carl@cc.example") {
			t.Fatalf("CCs %v", ccs)
		}
		if body := v.Comments[len(v.Comments)-1].Body; body != "We replaced the printer.\n#1 is the new one." {
			t.Fatalf("body %q", body)
		}
		rows := w.outbox("sam@help.example")
		if len(rows) == 0 || !strings.Contains(rows[len(rows)-1].TextBody, "#status maybe") {
			t.Fatal("staff not told of the malformed command")
		}
		events, _ := w.st.Events(w.ctx, 1)
		var kinds []string
		for _, e := range events {
			kinds = append(kinds, string(e.Kind))
		}
		if !contains(kinds, "cc_added") || !contains(kinds, "cc_removed") {
			t.Fatalf("history %v lacks CC changes (C6)", kinds)
		}
		// A requester reply reopens a pending ticket.
		w.ingest(mail{From: "ann@acme.com", Subject: "Re: [#1]", Body: "Thanks but no."})
		if w.ticket(1).Status != "open" {
			t.Fatal("requester reply did not reopen")
		}
	})
}

func TestI8_RequesterMayOnlyMoveOrganisation(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		res := w.ingest(mail{From: "pat@partner.example", Subject: "ours"})
		addr := w.replyAddress(res.TicketID, "pat@partner.example")
		w.ingest(mail{From: "pat@partner.example", To: addr, Subject: "Re", Body: "#org acme\n#status closed\nFor the client."})
		v := w.ticket(res.TicketID)
		if *v.Organisation != "acme" || v.Status != "open" {
			t.Fatalf("org %v status %v", *v.Organisation, v.Status)
		}
		// Claimed (no token): #org is ignored (P3).
		w.ingest(mail{From: "pat@partner.example", Subject: "Re: [#" + itoa(res.TicketID) + "]", Body: "#org partnerco\nBack."})
		if *w.ticket(res.TicketID).Organisation != "acme" {
			t.Fatal("claimed requester moved the ticket")
		}
	})
}

func TestN1_N4_WhoIsToldOfAComment(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		w.ok(w.adm.UserAdd(w.ctx, w.owner(), "boss@acme.com", "Boss", nil))
		w.ok(w.adm.MemberSet(w.ctx, w.owner(), "boss@acme.com", "acme", model.MemberAccessOrg, boolp(true)))
		before := len(w.outbox(""))
		// Ann proven (her token), with Carl in Cc: Carl already has it (N4).
		w.ingest(mail{From: "ann@acme.com", To: w.replyAddress(1, "ann@acme.com"), Cc: "carl@cc.example", Subject: "Re: [#1]", Body: "Update."})
		var to []string
		for _, r := range w.outbox("")[before:] {
			to = append(to, r.To)
		}
		if contains(to, "carl@cc.example") || contains(to, "ann@acme.com") || !contains(to, "boss@acme.com") {
			t.Fatalf("notified %v; want boss (N5 follow-all), not carl (N4) nor the author", to)
		}
		// Claimed (no token): Carl is told.
		before = len(w.outbox(""))
		w.ingest(mail{From: "ann@acme.com", Cc: "carl@cc.example", Subject: "Re: [#1]", Body: "Update 2."})
		to = nil
		for _, r := range w.outbox("")[before:] {
			to = append(to, r.To)
		}
		if !contains(to, "carl@cc.example") {
			t.Fatalf("notified %v; want carl", to)
		}
	})
}

func TestN5_FollowAddress(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b, withAuthserv)
		w.open()
		w.ok(w.adm.OrgSet(w.ctx, w.owner(), "acme", admin.OrgSettings{Access: model.OrgAccessView}))
		follow := w.addrs.FollowAddress(1, "bob@acme.com")
		w.ingest(mail{From: "bob@acme.com", To: follow, Subject: "follow", Body: " ", Headers: []string{proven("acme.com")}})
		if got := participants(w.ticket(1), "follower"); !contains(got, "bob@acme.com") {
			t.Fatalf("followers %v", got)
		}
		// Without proof (P3) following is refused and the sender told.
		follow = w.addrs.FollowAddress(1, "cid@acme.com")
		res := w.ingest(mail{From: "cid@acme.com", To: follow, Subject: "follow", Body: " "})
		w.expect(res, model.OutcomeRejected, "N5")
		if got := participants(w.ticket(1), "follower"); contains(got, "cid@acme.com") {
			t.Fatal("claimed sender follows")
		}
	})
}

func TestP2_DMARCFailRejected(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b, withAuthserv)
		res := w.ingest(mail{From: "ann@acme.com", Headers: []string{"Authentication-Results: " + authservID + "; dmarc=fail header.from=acme.com"}})
		w.expect(res, model.OutcomeRejected, "P2")
		if len(w.tickets()) != 0 {
			t.Fatal("ticket opened")
		}
	})
}

func boolp(b bool) *bool { return &b }

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

func TestI4_HTMLReplyKeepsOnlyWhatThePersonWrote(t *testing.T) {
	w := newWorld(t, store.SQLite)
	w.open()
	raw := "From: Ann <ann@acme.com>\r\nTo: support@help.example\r\nSubject: Re: Printer broken [#1]\r\n" +
		"In-Reply-To: <" + w.lastMessageID("ann@acme.com") + ">\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
		`<div dir="ltr">It works again, thanks!</div><br><div class="gmail_quote"><div class="gmail_attr">On Mon, Support wrote:</div>` +
		`<blockquote class="gmail_quote">We have received your request and opened ticket #1.</blockquote></div>` + "\r\n"
	w.expect(w.ingestRaw([]byte(raw)), model.OutcomeCommented)
	c := w.ticket(1).Comments
	if got := c[len(c)-1].Body; got != "It works again, thanks!" {
		t.Fatalf("comment body %q", got)
	}
}
