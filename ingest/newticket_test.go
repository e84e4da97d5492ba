package ingest_test

import (
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
)

func TestI2_I3_NewTicketInSendersOrganisation(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		res := w.open()
		w.expect(res, model.OutcomeCreated, "I2", "I3")
		v := w.ticket(res.TicketID)
		if v.Organisation == nil || *v.Organisation != "acme" || v.Requester != "ann@acme.com" {
			t.Fatalf("ticket %+v", v)
		}
		if v.Status != "open" || v.Priority != "normal" || v.Type != "question" {
			t.Fatalf("new ticket defaults: %+v", v)
		}
		if len(v.Comments) != 1 || v.Comments[0].Body != "The printer is on fire." || v.Comments[0].Visibility != "public" {
			t.Fatalf("comments %+v", v.Comments)
		}
	})
}

func TestI3_OrganisationNamedByAddressAndPartnerDefault(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		// A partner user belongs to partnerco and (O5) acme; default is partnerco (O6).
		res := w.ingest(mail{From: "pat@partner.example", Subject: "ours"})
		if v := w.ticket(res.TicketID); *v.Organisation != "partnerco" {
			t.Fatalf("default org %v", *v.Organisation)
		}
		// The ack says which organisation was chosen and the others (I3).
		ack := w.outbox("pat@partner.example")[0]
		if !strings.Contains(ack.TextBody, "partnerco") || !strings.Contains(ack.TextBody, "acme") {
			t.Fatalf("ack does not name the organisations:\n%s", ack.TextBody)
		}
		res = w.ingest(mail{From: "pat@partner.example", To: "support+acme@help.example", Subject: "for the client"})
		if v := w.ticket(res.TicketID); *v.Organisation != "acme" {
			t.Fatalf("address-named org %v", *v.Organisation)
		}
		res = w.ingest(mail{From: "pat@partner.example", Subject: "tagged [org:acme]"})
		if v := w.ticket(res.TicketID); *v.Organisation != "acme" {
			t.Fatalf("subject-named org %v", *v.Organisation)
		}
		// Naming an organisation the sender is not in falls back to the default.
		res = w.ingest(mail{From: "ann@acme.com", To: "support+partnerco@help.example"})
		if v := w.ticket(res.TicketID); *v.Organisation != "acme" {
			t.Fatalf("org of non-member %v", *v.Organisation)
		}
	})
}

func TestN3_AcknowledgementAndCCsAdded(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		res := w.open()
		w.expect(res, model.OutcomeCreated, "C1")
		if got := participants(w.ticket(res.TicketID), "cc"); len(got) != 1 || got[0] != "carl@cc.example" {
			t.Fatalf("CCs %v", got)
		}
		acks := w.outbox("ann@acme.com")
		if len(acks) != 1 || acks[0].Kind != model.KindAck || !strings.Contains(acks[0].TextBody, "#1") {
			t.Fatalf("ack: %+v", acks)
		}
		ccs := w.outbox("carl@cc.example")
		if len(ccs) != 1 || ccs[0].Kind != model.KindCCAdded {
			t.Fatalf("cc_added: %+v", ccs)
		}
		if ccs[0].ReplyTo == acks[0].ReplyTo {
			t.Fatal("CC was given the requester's reply address")
		}
		if n := len(w.endUserOutbox()); n != 2 {
			t.Fatalf("%d notifications to end-users, want 2", n)
		}
	})
}

func TestN6_NotificationHeaders(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		res := w.open()
		ack := w.outbox("ann@acme.com")[0]
		if !w.addrs.Signer.IsOwnMessageID(ack.MessageID) {
			t.Fatalf("Message-ID %q lacks the signed marker", ack.MessageID)
		}
		tg, ok := w.addrs.Classify(ack.ReplyTo)
		if !ok || tg.Reply == nil || tg.Reply.TicketID != res.TicketID || !tg.Reply.IssuedTo(w.addrs.Signer, "ann@acme.com") {
			t.Fatalf("Reply-To %q is not ann's token for the ticket", ack.ReplyTo)
		}
		if ack.InReplyTo != "m1@acme.com" || len(ack.References) == 0 || ack.References[0] != "m1@acme.com" {
			t.Fatalf("threading headers: %q %v", ack.InReplyTo, ack.References)
		}
		if !strings.Contains(ack.HTMLBody, "#1") {
			t.Fatalf("no HTML part: %q", ack.HTMLBody)
		}
		if !strings.Contains(ack.Subject, "[#1]") || ack.AutoSubmitted != "auto-replied" {
			t.Fatalf("subject %q auto-submitted %q", ack.Subject, ack.AutoSubmitted)
		}
		w.ingest(mail{From: "Ann <ann@acme.com>", To: ack.ReplyTo, Subject: "Re: Printer broken [#1]", ID: "m2@acme.com", Body: "More smoke now."})
		c := w.outbox("carl@cc.example")
		if refs := c[0].References; len(refs) == 0 || refs[0] != "m1@acme.com" {
			t.Fatalf("added-as-CC References %v do not start with the thread's root", refs)
		}
		last := c[len(c)-1]
		if last.Kind != model.KindComment || last.FromName != "Ann via Support" || last.AutoSubmitted != "auto-generated" {
			t.Fatalf("comment notification %+v", last)
		}
		// Carl's thread: the messages received and his own notifications,
		// never Ann's (B3: a forged bounce naming hers would silence her).
		if last.InReplyTo != "m2@acme.com" || !contains(last.References, "m1@acme.com") || !contains(last.References, c[0].MessageID) {
			t.Fatalf("comment does not chain to the ticket's messages: %q %v", last.InReplyTo, last.References)
		}
		if contains(last.References, ack.MessageID) {
			t.Fatalf("carl's References %v name ann's acknowledgement", last.References)
		}
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

func TestC3_NeverCCsOnOpeningMail(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		res := w.ingest(mail{From: "ann@acme.com", To: "support@help.example, support+note@help.example",
			Cc: "noreply@acme.com, MAILER-DAEMON@acme.com, dave@acme.com"})
		w.expect(res, model.OutcomeCreated, "C1", "C3")
		if got := participants(w.ticket(res.TicketID), "cc"); len(got) != 1 || got[0] != "dave@acme.com" {
			t.Fatalf("CCs %v", got)
		}
		if !strings.Contains(w.outbox("ann@acme.com")[0].TextBody, "noreply@acme.com was not added") {
			t.Fatal("requester not told of the refused CC")
		}
	})
}

func TestC1_MaxNewCCs(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b, func(o *ingest.Options) { o.MaxNewCCs = 2 })
		res := w.ingest(mail{From: "ann@acme.com", Cc: "a@x.example, b@x.example, c@x.example"})
		if got := participants(w.ticket(res.TicketID), "cc"); len(got) != 2 {
			t.Fatalf("CCs %v", got)
		}
	})
}

func TestO7_UnknownSenders(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		res := w.ingest(mail{From: "someone@gmail.com"})
		w.expect(res, model.OutcomeCreated, "O7")
		if v := w.ticket(res.TicketID); v.Organisation != nil {
			t.Fatalf("org %v", *v.Organisation)
		}
		w = newWorld(t, b, func(o *ingest.Options) { o.UnknownSenders = policy.UnknownReject })
		res = w.ingest(mail{From: "someone@gmail.com"})
		w.expect(res, model.OutcomeRejected, "O7", "I6")
		if _, err := w.st.UserByEmail(w.ctx, "someone@gmail.com"); err == nil {
			t.Fatal("a rejected sender was made a user")
		}
		notice := w.outbox("someone@gmail.com")
		if len(notice) != 1 || notice[0].TicketID != 0 || notice[0].ReplyTo != "" {
			t.Fatalf("I6 notice %+v", notice)
		}
	})
}

func TestO8_RegisteredIntake(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.ok(w.adm.OrgSet(w.ctx, w.owner(), "acme", adminIntake("registered")))
		w.expect(w.ingest(mail{From: "bob@acme.com"}), model.OutcomeRejected, "O8", "I6")
		w.ok(w.adm.UserAdd(w.ctx, w.owner(), "bob@acme.com", "Bob", nil))
		w.expect(w.ingest(mail{From: "bob@acme.com", Subject: "again"}), model.OutcomeCreated)
	})
}

func TestO3_SenderBecomesMemberOfDomainOrganisations(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.ingest(mail{From: "pat@partner.example"})
		u, err := w.adm.UserShow(w.ctx, "pat@partner.example")
		if err != nil {
			t.Fatal(err)
		}
		if len(u.Memberships) != 2 {
			t.Fatalf("memberships %+v", u.Memberships)
		}
	})
}
