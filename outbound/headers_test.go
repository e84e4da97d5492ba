package outbound_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// N6 on the wire: From the helpdesk with "Name via Support", Reply-To the
// recipient's own token, the row's fixed Message-ID with the signed
// marker, In-Reply-To and References chained to the thread, the ticket
// token in the subject, Auto-Submitted, X-Auto-Response-Suppress, text and
// HTML parts, and the VERP return path (B3).
func TestN6_HeadersOnTheWire(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		w.expect(w.ingest(mail{From: "Ann <ann@acme.com>", Subject: "Re: [#1] Printer broken", ID: "m2@acme.com", InReplyTo: "m1@acme.com", Body: "More smoke."}), model.OutcomeCommented)
		w.deliverAll()
		ackRow := w.rows("ann@acme.com")[0]
		ack := w.to("ann@acme.com")[0]
		check := func(r received, row model.OutboxMessage, name, auto string) {
			t.Helper()
			from, err := r.h.AddressList("From")
			if err != nil || len(from) != 1 || from[0].Address != "support@help.example" || from[0].Name != name {
				t.Fatalf("From %v %v, want %q <support@help.example>", from, err, name)
			}
			to, _ := r.h.AddressList("To")
			if len(to) != 1 || to[0].Address != row.To || len(r.To) != 1 || r.To[0] != row.To {
				t.Fatalf("To %v, envelope %v, want %s only", to, r.To, row.To)
			}
			rt, _ := r.h.AddressList("Reply-To")
			tg, ok := w.addrs.Classify(rt[0].Address)
			if !ok || tg.Reply == nil || tg.Reply.TicketID != 1 || !tg.Reply.IssuedTo(w.addrs.Signer, row.To) {
				t.Fatalf("Reply-To %v is not %s's token for ticket 1", rt, row.To)
			}
			if id := r.messageID(t); id != row.MessageID || !w.addrs.Signer.IsOwnMessageID(id) {
				t.Fatalf("Message-ID %q, want the row's %q with the signed marker", id, row.MessageID)
			}
			irt, _ := r.h.MsgIDList("In-Reply-To")
			refs, _ := r.h.MsgIDList("References")
			if len(irt) != 1 || irt[0] != row.InReplyTo || strings.Join(refs, " ") != strings.Join(row.References, " ") || !contains(refs, "m1@acme.com") {
				t.Fatalf("In-Reply-To %v References %v, want %q %v", irt, refs, row.InReplyTo, row.References)
			}
			if s, _ := r.h.Subject(); !strings.Contains(s, "[#1]") || s != row.Subject {
				t.Fatalf("Subject %q", s)
			}
			if r.h.Get("Auto-Submitted") != auto || r.h.Get("X-Auto-Response-Suppress") != "All" {
				t.Fatalf("Auto-Submitted %q, X-Auto-Response-Suppress %q", r.h.Get("Auto-Submitted"), r.h.Get("X-Auto-Response-Suppress"))
			}
			if r.h.Get("List-Unsubscribe") != "" || r.h.Get("Precedence") != "" {
				t.Fatal("List-Unsubscribe or Precedence on a notification")
			}
			if ct, _, _ := r.h.ContentType(); ct != "multipart/alternative" || strings.ReplaceAll(r.text, "\r\n", "\n") != row.TextBody || !strings.Contains(r.html, "<!DOCTYPE html>") {
				t.Fatalf("content type %q, text %q", ct, r.text)
			}
			if tg, ok := w.addrs.Classify(r.From); !ok || tg.BounceID != row.ID {
				t.Fatalf("MAIL FROM %q does not name row %d", r.From, row.ID)
			}
		}
		check(ack, ackRow, "Support", "auto-replied")
		carlRows := w.rows("carl@cc.example")
		for _, r := range w.to("carl@cc.example") { // arrival order is not queue order
			if r.messageID(t) == carlRows[1].MessageID {
				check(r, carlRows[1], "Ann via Support", "auto-generated")
			}
		}
	})
}

// The I6 notice names nothing: no ticket token, subject or reply address,
// in either part (N6's exception).
func TestN6_I6NoticeNamesNothingOnTheWire(t *testing.T) {
	w := newWorld(t, store.SQLite)
	w.open()
	w.expect(w.ingest(mail{From: "Pat <pat@partner.example>", Subject: "Re: [#1] Printer broken", InReplyTo: "m1@acme.com", Body: "Let me in."}), model.OutcomeRejected)
	w.deliverAll()
	got := w.to("pat@partner.example")
	if len(got) != 1 {
		t.Fatalf("%d mails to pat, want the I6 notice", len(got))
	}
	n := got[0]
	subj, _ := n.h.Subject()
	if n.h.Get("Reply-To") != "" || strings.Contains(subj, "#1") || strings.Contains(subj, "Printer") ||
		strings.Contains(n.text+n.html, "#1") || strings.Contains(n.text+n.html, "Printer") || strings.Contains(n.text+n.html, "support+") {
		t.Fatalf("the I6 notice names the ticket:\n%s", n.Data)
	}
}

// N6: display names and subjects with CR/LF and non-ASCII text are
// encoded, never injected; a recipient that is not one plain address is
// refused before anything is sent.
func TestN6_HeaderValuesAreEncodedNeverInjected(t *testing.T) {
	w := newWorld(t, store.SQLite)
	evil := w.enqueue(model.OutboxMessage{Kind: model.KindNotice, To: "ann@acme.com",
		FromName:  "Åse \"Boss\" Ødegård\r\nBcc: eve@evil.example\r\n\r\nfake body via Support",
		Subject:   "Hei\r\nBcc: eve@evil.example\nX-Injected: yes [#1] blåbærsyltetøy og en veldig lang emnelinje som må brytes over flere linjer",
		InReplyTo: "x@y>\r\nBcc: eve@evil.example", References: []string{"ok@acme.com", "<x>@acme.com", "ø@acme.com", "no-at-sign"}})
	badTo := w.enqueue(model.OutboxMessage{Kind: model.KindNotice, To: "ann@acme.com\r\nBcc: eve@evil.example"})
	w.deliverAll()
	msgs := w.smtp.Messages()
	if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0] != "ann@acme.com" {
		t.Fatalf("relay got %d messages %v, want one to ann only", len(msgs), msgs)
	}
	head, _, _ := bytes.Cut(msgs[0].Data, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(head), "\r\n") {
		if strings.HasPrefix(strings.ToLower(line), "bcc:") || strings.HasPrefix(line, "X-Injected") || strings.HasPrefix(line, "fake body") {
			t.Fatalf("injected header line %q in\n%s", line, head)
		}
		if len(line) > 998 {
			t.Fatalf("header line longer than 998 octets: %q", line)
		}
	}
	r := parse(t, msgs[0])
	from, _ := r.h.AddressList("From")
	if len(from) != 1 || from[0].Name != `Åse "Boss" Ødegård Bcc: eve@evil.example fake body via Support` {
		t.Fatalf("From %v", from)
	}
	subj, _ := r.h.Subject()
	if subj != "Hei Bcc: eve@evil.example X-Injected: yes [#1] blåbærsyltetøy og en veldig lang emnelinje som må brytes over flere linjer" {
		t.Fatalf("Subject %q", subj)
	}
	if r.h.Get("In-Reply-To") != "" {
		t.Fatalf("a broken In-Reply-To was written: %q", r.h.Get("In-Reply-To"))
	}
	if refs, _ := r.h.MsgIDList("References"); strings.Join(refs, " ") != "ok@acme.com" {
		t.Fatalf("References %v, want only the well-formed id", refs)
	}
	if got := w.row(evil.ID); got.Status != model.OutboxSent {
		t.Fatalf("row %+v", got)
	}
	if got := w.row(badTo.ID); got.Status != model.OutboxFailed || !strings.Contains(got.LastError, "cannot build the message") || got.Attempts != 1 {
		t.Fatalf("a bad recipient: %s %q after %d attempts, want failed at once", got.Status, got.LastError, got.Attempts)
	}
}
