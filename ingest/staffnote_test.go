package ingest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// htmlOnly builds an HTML-only reply from sam to ticket 1.
func htmlOnly(html string) []byte {
	return []byte(fmt.Sprintf("%s\r\nFrom: sam@help.example\r\nTo: support@help.example\r\nSubject: Re: [#1]\r\n"+
		"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nContent-Type: text/html; charset=utf-8\r\n\r\n%s\r\n", proven("help.example"), html))
}

// assertNoteStaysInternal checks that the last comment of ticket 1 is an
// internal note holding secret, and that nothing queued to an end-user
// quotes it (R7, N2).
func (w *world) assertNoteStaysInternal(before int, secret string) {
	w.t.Helper()
	cs := w.ticket(1).Comments
	last := cs[len(cs)-1]
	if last.Visibility != "internal" || !strings.Contains(last.Body, secret) {
		w.t.Fatalf("last comment %+v: want an internal note with %q", last, secret)
	}
	if strings.Contains(last.Body, "note") {
		w.t.Errorf("the #note line stayed in the note's text: %q", last.Body)
	}
	for _, row := range w.outbox("")[before:] {
		if strings.HasSuffix(row.To, "@help.example") {
			continue
		}
		if row.Kind == model.KindNote || strings.Contains(row.TextBody, secret) || strings.Contains(row.HTMLBody, secret) {
			w.t.Fatalf("internal note reached end-user %s (%s)", row.To, row.Kind)
		}
	}
}

func TestR7_N2_I8_InvisibleCharacterBeforeNoteKeepsItInternal(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b, withAuthserv)
		w.open()
		cases := []struct {
			name string
			raw  func(secret string) []byte
		}{
			{"byte-order mark in plain text", func(s string) []byte {
				return mail{From: "sam@help.example", Subject: "Re: [#1]", Body: "\uFEFF#note\n" + s, Headers: []string{proven("help.example")}}.raw()
			}},
			{"zero-width space in HTML", func(s string) []byte {
				return htmlOnly("<div>\u200B#note</div><div>" + s + "</div>")
			}},
			{"fullwidth number sign", func(s string) []byte {
				return mail{From: "sam@help.example", Subject: "Re: [#1]", Body: "\uFF03note\n" + s, Headers: []string{proven("help.example")}}.raw()
			}},
			{"no-break space and word joiner", func(s string) []byte {
				return mail{From: "sam@help.example", Subject: "Re: [#1]", Body: "\u00A0\u2060#NOTE\n" + s, Headers: []string{proven("help.example")}}.raw()
			}},
			{"#note under a greeting", func(s string) []byte {
				return mail{From: "sam@help.example", Subject: "Re: [#1]", Body: "Hi team,\n\n" + s + "\n\n#note", Headers: []string{proven("help.example")}}.raw()
			}},
		}
		for i, c := range cases {
			w.later(11 * 60e9)
			before := len(w.outbox(""))
			secret := fmt.Sprintf("customer secret %d", i)
			w.expect(w.ingestRaw(c.raw(secret)), model.OutcomeNoted, "I7", "R7")
			w.assertNoteStaysInternal(before, secret)
		}
	})
}

func TestI8_StaffCommandUnderAGreetingActsAndIsNotSent(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b, withAuthserv)
		w.open()
		before := len(w.outbox(""))
		res := w.ingest(mail{From: "sam@help.example", Subject: "Re: [#1]", Headers: []string{proven("help.example")},
			Body: "Hi Ann,\n\nwe ordered the part.\n\n#status pending\n\u3000#priority high\n\nSam"})
		w.expect(res, model.OutcomeCommented, "I8")
		v := w.ticket(1)
		if v.Status != "pending" || v.Priority != "high" {
			t.Fatalf("status %s priority %s: the command lines did not act", v.Status, v.Priority)
		}
		last := v.Comments[len(v.Comments)-1]
		if strings.Contains(last.Body, "#") || !strings.Contains(last.Body, "we ordered the part.") {
			t.Fatalf("comment %q", last.Body)
		}
		sent := false
		for _, row := range w.outbox("ann@acme.com")[0:] {
			if strings.Contains(row.TextBody, "#status") || strings.Contains(row.TextBody, "#priority") {
				t.Fatalf("a command line reached the customer: %q", row.TextBody)
			}
			sent = sent || strings.Contains(row.TextBody, "we ordered the part.")
		}
		if !sent || len(w.outbox("")) == before {
			t.Fatal("the customer was not sent the answer")
		}
		// A malformed command line changes nothing, is removed, and the sender is told.
		w.later(11 * 60e9)
		res = w.ingest(mail{From: "sam@help.example", Subject: "Re: [#1]", Headers: []string{proven("help.example")},
			Body: "More news.\n#status: solved\n"})
		w.expect(res, model.OutcomeCommented)
		v = w.ticket(1)
		if v.Status != "pending" || strings.Contains(v.Comments[len(v.Comments)-1].Body, "#status") {
			t.Fatalf("malformed command acted or stayed: %s %q", v.Status, v.Comments[len(v.Comments)-1].Body)
		}
		told := false
		for _, row := range w.outbox("sam@help.example") {
			told = told || strings.Contains(row.TextBody, "#status: solved")
		}
		if !told {
			t.Error("the staff member was not told that #status: solved was ignored")
		}
	})
}

// TestN6_R7_NoteMessageIDNeverReachesEndUsers: after a staff note by mail,
// the notifications of a later public comment to end-users name only
// messages they could see, in In-Reply-To and References.
func TestN6_R7_NoteMessageIDNeverReachesEndUsers(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b, withAuthserv)
		w.open()
		w.expect(w.ingest(mail{From: "sam@help.example", Subject: "Re: [#1]", ID: "note-1@help.example",
			Body: "#note\nInternal remark.", Headers: []string{proven("help.example")}}), model.OutcomeNoted, "N6")
		before := len(w.outbox(""))
		// Sam answers the note's thread publicly; Ann answers too.
		w.expect(w.ingest(mail{From: "sam@help.example", Subject: "Re: [#1]", ID: "reply-1@help.example", InReplyTo: "note-1@help.example",
			Body: "We are on it.", Headers: []string{proven("help.example")}}), model.OutcomeCommented, "I1")
		w.expect(w.ingest(mail{From: "ann@acme.com", Subject: "Re: [#1]", ID: "ann-2@acme.com", Body: "Thanks!"}), model.OutcomeCommented)
		sent := 0
		for _, row := range w.outbox("")[before:] {
			if strings.HasSuffix(row.To, "@help.example") {
				continue
			}
			sent++
			if row.InReplyTo == "note-1@help.example" || contains(row.References, "note-1@help.example") {
				t.Fatalf("N6: the note's Message-ID reached %s: In-Reply-To %s References %v", row.To, row.InReplyTo, row.References)
			}
		}
		if sent == 0 {
			t.Fatal("no notification reached an end-user: the test checks nothing")
		}
	})
}
