package outbound_test

import (
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// TestN3_EndToEndAckThenReplyThreadsBack: a message ingested through the
// pipeline; the acknowledgement arrives at the relay; a reply to it (To its
// Reply-To, In-Reply-To its Message-ID) is ingested back onto the same
// ticket, proven by the reply token (P1 b).
func TestN3_EndToEndAckThenReplyThreadsBack(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		res := w.open()
		wk := w.deliverAll()
		if s := wk.Stats(); s.Sent != 2 || s.Failed != 0 || s.Withheld != 0 {
			t.Fatalf("stats %+v, want the ack and the added-as-CC mail sent", s)
		}
		acks := w.to("ann@acme.com")
		if len(acks) != 1 {
			t.Fatalf("%d mails to ann, want the acknowledgement", len(acks))
		}
		ack := acks[0]
		rt, err := ack.h.AddressList("Reply-To")
		if err != nil || len(rt) != 1 {
			t.Fatalf("Reply-To %v %v", rt, err)
		}
		if subj, _ := ack.h.Subject(); !strings.Contains(subj, "[#1]") {
			t.Fatalf("subject %q", subj)
		}
		if !strings.HasPrefix(ack.text, "##- Reply above this line -##") || !strings.Contains(ack.html, "Reply above this line") {
			t.Fatalf("reply marker missing:\n%s\n%s", ack.text, ack.html)
		}
		// Ann answers from her mail client: quoted history under her text.
		quoted := "> " + strings.ReplaceAll(strings.TrimSpace(ack.text), "\n", "\n> ")
		reply := w.ingest(mail{From: "Ann <ann@acme.com>", To: rt[0].Address, Subject: "Re: [#1] Printer broken",
			ID: "m2@acme.com", InReplyTo: ack.messageID(t), Body: "It is still smoking.\n\nOn Monday Support wrote:\n" + quoted})
		w.expect(reply, model.OutcomeCommented)
		if reply.TicketID != res.TicketID {
			t.Fatalf("reply went to ticket %d, want %d", reply.TicketID, res.TicketID)
		}
		v, err := w.adm.TicketShow(w.ctx, res.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		last := v.Comments[len(v.Comments)-1]
		if !strings.Contains(last.Body, "still smoking") || strings.Contains(last.Body, "We have received") {
			t.Fatalf("comment body %q: want Ann's text without the quoted acknowledgement", last.Body)
		}
		// Carl (CC) is told of Ann's comment over SMTP, chained to the thread.
		w.deliverAll()
		carl := w.to("carl@cc.example")
		if len(carl) != 2 {
			t.Fatalf("%d mails to carl, want added-as-CC and the comment", len(carl))
		}
		if carl[1].h.Get("Auto-Submitted") != "auto-generated" || !strings.Contains(carl[1].text, "wrote on ticket") {
			carl[0], carl[1] = carl[1], carl[0] // arrival order is not queue order
		}
		refs, _ := carl[1].h.MsgIDList("References")
		// Carl's thread: the messages received and his own earlier
		// notification, never Ann's acknowledgement (B3).
		if irt, _ := carl[1].h.MsgIDList("In-Reply-To"); len(irt) != 1 || irt[0] != "m2@acme.com" || !contains(refs, "m1@acme.com") || !contains(refs, carl[0].messageID(t)) {
			t.Fatalf("comment mail In-Reply-To %v References %v", irt, refs)
		}
		if contains(refs, ack.messageID(t)) {
			t.Fatalf("carl's References %v name ann's acknowledgement", refs)
		}
		if !strings.Contains(carl[1].text, "still smoking") {
			t.Fatalf("comment text %q", carl[1].text)
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
