package ingest_test

import (
	"bytes"
	"fmt"
	"github.com/helpdesk-gw/helpdesk/internal/corpustest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

func TestB1_AutoReplyRecordedOnTicketNotAComment(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		before := len(w.outbox(""))
		res := w.ingest(mail{From: "ann@acme.com", Subject: "Out of Office: Printer broken", InReplyTo: w.lastMessageID("ann@acme.com"),
			Headers: []string{"Auto-Submitted: auto-replied"}, Body: "I am away until Monday."})
		w.expect(res, model.OutcomeAutoReply, "B1")
		if res.TicketID != 1 || len(w.ticket(1).Comments) != 1 {
			t.Fatalf("auto-reply became a comment: %+v", res)
		}
		events, _ := w.st.Events(w.ctx, 1)
		if len(events) == 0 || events[len(events)-1].Kind != "auto_reply" {
			t.Fatalf("not on the history: %+v", events)
		}
		// An auto-reply that threads onto nothing opens no ticket.
		w.expect(w.ingest(mail{From: "x@acme.com", Headers: []string{"X-Autoreply: yes"}}), model.OutcomeAutoReply)
		if len(w.tickets()) != 1 || len(w.outbox("")) != before {
			t.Fatal("auto-reply opened a ticket or caused mail")
		}
	})
}

func TestB1_RealVacationRepliesFromCorpus(t *testing.T) {
	dir := corpustest.Dir(t, "sisimai/set-of-emails/maildir/bsd")
	files, _ := filepath.Glob(filepath.Join(dir, "rfc3834-*.eml"))
	if len(files) == 0 {
		t.Skip("no rfc3834 samples in the corpus")
	}
	w := newWorld(t, store.SQLite)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if res := w.ingestRaw(raw); res.Outcome != model.OutcomeAutoReply {
			t.Errorf("%s: %s (%s)", filepath.Base(f), res.Outcome, res.Reason)
		}
	}
	if len(w.tickets()) != 0 || len(w.outbox("")) != 0 {
		t.Fatal("vacation replies opened tickets or were answered")
	}
}

func TestB1_ListMailProcessedButNeverAnswered(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		res := w.ingest(mail{From: "ann@acme.com", Cc: "carl@cc.example", Headers: []string{"List-Id: <users.lists.acme.com>", "Precedence: list"}})
		w.expect(res, model.OutcomeCreated, "B1")
		if n := w.endUserOutbox(); len(n) != 0 {
			t.Fatalf("list mail answered automatically: %+v", n)
		}
		// Staff are still told of the new ticket (N7): that answers nobody.
		if n := w.outbox("sam@help.example"); len(n) != 1 || n[0].Kind != model.KindNewTicket {
			t.Fatalf("N7: staff not told of the list mail's ticket: %+v", n)
		}
	})
}

func TestB2_HelpdeskNeverAnswersItself(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		w.expect(w.ingest(mail{From: "support@help.example"}), model.OutcomeIgnoredLoop, "B2")
		w.expect(w.ingest(mail{From: "Support <support+t-abc@help.example>", Subject: "x2"}), model.OutcomeIgnoredLoop, "B2")
		// Our own notification coming back (e.g. through a forwarder) carries our marker.
		w.expect(w.ingest(mail{From: "fwd@elsewhere.example", ID: w.lastMessageID("ann@acme.com")}), model.OutcomeIgnoredLoop, "B2")
		if len(w.tickets()) != 1 {
			t.Fatal("loop opened a ticket")
		}
	})
}

func TestB2_AckLimitPerAddressPerHour(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		for i := 0; i < 7; i++ {
			w.expect(w.ingest(mail{From: "ann@acme.com", Subject: fmt.Sprint("problem ", i)}), model.OutcomeCreated)
		}
		if n := len(w.outbox("ann@acme.com")); n != 5 {
			t.Fatalf("%d acknowledgements in an hour, want 5 (ack_limit)", n)
		}
		w.later(61 * 60e9)
		w.ingest(mail{From: "ann@acme.com", Subject: "an hour later"})
		if n := len(w.outbox("ann@acme.com")); n != 6 {
			t.Fatalf("%d acknowledgements after an hour, want 6", n)
		}
	})
}

func TestB2_LoopLimitHoldsCommentsAndTellsStaffOnce(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b, func(o *ingest.Options) { o.LoopLimit = 3 })
		w.open()
		for i := 0; i < 5; i++ {
			res := w.ingest(mail{From: "carl@cc.example", Subject: "Re: [#1]", Body: fmt.Sprint("again ", i)})
			want := model.OutcomeCommented
			if i >= 3 {
				want = model.OutcomeRejected
			}
			w.expect(res, want)
		}
		if n := len(w.ticket(1).Comments); n != 4 {
			t.Fatalf("%d comments, want 1 + 3", n)
		}
		q, _ := w.adm.QuarantineList(w.ctx)
		if len(q) != 2 {
			t.Fatalf("%d held, want 2", len(q))
		}
		var told int
		for _, r := range w.outbox("owner@help.example") {
			if strings.Contains(r.TextBody, "carl@cc.example sent more than 3") {
				told++
			}
		}
		if told != 1 {
			t.Fatalf("staff told %d times, want once", told)
		}
	})
}

func TestB3_BounceMarksRecipientBouncing(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		ack := w.outbox("carl@cc.example")[0]
		verp := w.addrs.BounceAddress(ack.ID)
		dsn := "From: MAILER-DAEMON@mx.cc.example\r\nTo: " + verp + "\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
			"Message-ID: <dsn1@mx.cc.example>\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n" +
			"--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n" +
			"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.cc.example\r\n\r\n" +
			"Final-Recipient: rfc822; carl@cc.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n" +
			"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <" + ack.MessageID + ">\r\n\r\n--b--\r\n"
		res := w.ingestRaw([]byte(dsn))
		w.expect(res, model.OutcomeBounce, "B3")
		if res.TicketID != 1 {
			t.Fatalf("bounce not recorded on the ticket: %+v", res)
		}
		if u, _ := w.st.UserByEmail(w.ctx, "carl@cc.example"); !u.Bouncing {
			t.Fatal("carl not marked bouncing")
		}
		before := len(w.outbox("carl@cc.example"))
		w.ingest(mail{From: "ann@acme.com", Subject: "Re: [#1]", Body: "news"})
		if len(w.outbox("carl@cc.example")) != before {
			t.Fatal("bouncing address notified")
		}
		// A bounce naming nothing of ours is only recorded.
		w.expect(w.ingestRaw(bytes.ReplaceAll(bytes.ReplaceAll([]byte(dsn), []byte(verp), []byte("support@help.example")), []byte("dsn1@"), []byte("dsn2@"))), model.OutcomeBounce)
		// Carl writes again: no longer bouncing (B3).
		w.ingest(mail{From: "carl@cc.example", Subject: "Re: [#1]", Body: "I am back"})
		if u, _ := w.st.UserByEmail(w.ctx, "carl@cc.example"); u.Bouncing {
			t.Fatal("carl still bouncing after writing")
		}
		if len(w.tickets()) != 1 {
			t.Fatal("a bounce opened a ticket")
		}
	})
}

func TestDuplicatesChangeNothing(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		first := w.open()
		m := mail{From: "Ann <ann@acme.com>", Cc: "Carl <carl@cc.example>", Subject: "Printer broken", ID: "m1@acme.com", Body: "The printer is on fire."}
		res := w.ingest(m)
		w.expect(res, model.OutcomeDuplicate)
		if res.TicketID != first.TicketID {
			t.Fatalf("duplicate names ticket %d", res.TicketID)
		}
		m.Headers = []string{"Received: from relay2"} // other bytes, same Message-ID and sender
		res = w.ingest(m)
		w.expect(res, model.OutcomeDuplicate)
		if kept, err := w.st.RawByID(w.ctx, res.RawID); err != nil || !bytes.Equal(kept.Raw, m.raw()) {
			t.Fatalf("the duplicate's own bytes were not kept (%v)", err)
		}
		if len(w.tickets()) != 1 || len(w.ticket(1).Comments) != 1 || len(w.endUserOutbox()) != 2 {
			t.Fatalf("duplicates changed the ticket: %d comments", len(w.ticket(1).Comments))
		}
		// The same Message-ID from another sender is not a duplicate.
		m.From = "carl@cc.example"
		if res := w.ingest(m); res.Outcome == model.OutcomeDuplicate {
			t.Fatal("same Message-ID from another sender taken as a duplicate")
		}
		raws, _ := w.st.ListRaw(w.ctx, model.OutcomeDuplicate)
		if len(raws) != 2 {
			t.Fatalf("%d duplicate records, want 2", len(raws))
		}
	})
}

func TestBadInputGetsAnOutcomeAndIsKept(t *testing.T) {
	big := bytes.Repeat([]byte("A"), 20<<20)
	longID := strings.Repeat("x", 5000) + "@acme.com"
	cases := []struct {
		name    string
		raw     []byte
		outcome model.Outcome
		reason  string
	}{
		{"empty file", nil, model.OutcomeFailed, "not"},
		{"binary garbage", []byte{0, 1, 2, 0xff, 0xfe, 0x80, 0, 0, 7}, model.OutcomeFailed, "not"},
		{"From with no address", []byte("From: undisclosed\r\nSubject: hi\r\n\r\nbody\r\n"), model.OutcomeFailed, "From"},
		{"unknown charset", []byte("From: ann@acme.com\r\nSubject: =?x-unknown-42?Q?Hi?=\r\nContent-Type: text/plain; charset=x-unknown-42\r\n\r\nhello\r\n"), model.OutcomeCreated, ""},
		{"5000-character Message-ID", []byte("From: ann@acme.com\r\nMessage-ID: <" + longID + ">\r\nSubject: long id\r\n\r\nhello\r\n"), model.OutcomeCreated, ""},
		{"20 MB message", append([]byte("From: ann@acme.com\r\nSubject: big\r\nContent-Type: application/octet-stream\r\n\r\n"), big...), model.OutcomeCreated, ""},
	}
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				w.t = t
				res := w.ingestRaw(tc.raw)
				if res.Outcome != tc.outcome || !strings.Contains(res.Reason, tc.reason) {
					t.Fatalf("outcome %s %q, want %s containing %q", res.Outcome, res.Reason, tc.outcome, tc.reason)
				}
				raw, err := w.st.RawByID(w.ctx, res.RawID)
				if err != nil || !bytes.Equal(raw.Raw, tc.raw) || raw.Outcome != tc.outcome {
					t.Fatalf("raw message not kept whole with its outcome: %v %s", err, raw.Outcome)
				}
			})
		}
	})
}

func TestTooLargeRecordedFailed(t *testing.T) {
	w := newWorld(t, store.SQLite, func(o *ingest.Options) { o.MaxBytes = 1 << 20 })
	raw := append([]byte("From: ann@acme.com\r\nSubject: huge\r\n\r\n"), bytes.Repeat([]byte("B"), 2<<20)...)
	res := w.ingestRaw(raw)
	if res.Outcome != model.OutcomeFailed || !strings.Contains(res.Reason, "too large") {
		t.Fatalf("%s %q", res.Outcome, res.Reason)
	}
	kept, _ := w.st.RawByID(w.ctx, res.RawID)
	if kept.From != "ann@acme.com" || kept.Subject != "huge" || len(kept.Raw) != len(raw) {
		t.Fatalf("headers not kept: %+v", kept.From)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		res, err := w.p.Ingest(w.ctx, ingest.Input{Raw: mail{From: "ann@acme.com", Cc: "carl@cc.example"}.raw(), DryRun: true})
		if err != nil || res.Outcome != model.OutcomeCreated || len(res.Notified) != 4 { // ack, cc_added, two staff (N7)
			t.Fatalf("%+v %v", res, err)
		}
		raws, _ := w.st.ListRaw(w.ctx, "")
		if len(w.tickets()) != 0 || len(w.outbox("")) != 0 || len(raws) != 0 {
			t.Fatal("dry run wrote something")
		}
	})
}

// TestB3_SisimaiBouncesThroughThePipeline feeds every bounce of the sisimai
// corpus through the whole pipeline: each should be a bounce, none a ticket;
// its non-bounces (not/) must not be taken for bounces.
func TestB3_SisimaiBouncesThroughThePipeline(t *testing.T) {
	w := newWorld(t, store.SQLite)
	dir := corpustest.Dir(t, "sisimai/set-of-emails/maildir")
	files, _ := filepath.Glob(filepath.Join(dir, "bsd", "*.eml"))
	counts := map[model.Outcome]int{}
	var total int
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "rfc3834-") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		total++
		counts[w.ingestRaw(raw).Outcome]++
	}
	t.Logf("sisimai bounces through the pipeline: %d files: %v", total, counts)
	// The corpus repeats some messages byte for byte: those are duplicates.
	if got := counts[model.OutcomeBounce] + counts[model.OutcomeDuplicate]; got < total*97/100 {
		t.Fatalf("only %d of %d recognised as bounces (or repeats)", got, total)
	}
	notFiles, _ := filepath.Glob(filepath.Join(dir, "not", "*"))
	for _, f := range notFiles {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if res := w.ingestRaw(raw); res.Outcome == model.OutcomeBounce {
			t.Errorf("%s: not a bounce, taken for one (%s)", filepath.Base(f), res.Reason)
		}
	}
}

func TestStoreDownIsAnErrorNotAFailedMessage(t *testing.T) {
	w := newWorld(t, store.SQLite)
	w.st.Close()
	_, err := w.p.Ingest(w.ctx, ingest.Input{Raw: mail{From: "ann@acme.com"}.raw()})
	if err == nil {
		t.Fatal("ingest into a closed store reported success")
	}
}

// B3 v3: a bounce that names the Message-ID of a notification sent with a
// VERP return path, but did not come back to that return path, marks
// nobody bouncing (anyone who saw the notification could forge it); a
// report whose recipients are only delayed marks nobody either.
func TestB3_ForgedOrDelayedBounceMarksNobody(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.open()
		ack := w.outbox("carl@cc.example")[0]
		report := func(to, id, action, status string) []byte {
			return []byte("From: MAILER-DAEMON@mx.cc.example\r\nTo: " + to + "\r\nSubject: Delivery Status Notification\r\n" +
				"Message-ID: <" + id + "@mx.cc.example>\r\nMIME-Version: 1.0\r\n" +
				"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n" +
				"--b\r\nContent-Type: text/plain\r\n\r\nAbout your message.\r\n" +
				"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.cc.example\r\n\r\n" +
				"Final-Recipient: rfc822; carl@cc.example\r\nAction: " + action + "\r\nStatus: " + status + "\r\n\r\n" +
				"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <" + ack.MessageID + ">\r\n\r\n--b--\r\n")
		}
		// Forged: to the support address, naming the notification.
		res := w.ingestRaw(report("support@help.example", "forged", "failed", "5.1.1"))
		w.expect(res, model.OutcomeBounce, "B3")
		// Delayed, to the right return path.
		res = w.ingestRaw(report(w.addrs.BounceAddress(ack.ID), "delayed", "delayed", "4.4.1"))
		w.expect(res, model.OutcomeBounce, "B3")
		if u, _ := w.st.UserByEmail(w.ctx, "carl@cc.example"); u.Bouncing {
			t.Fatal("B3: a forged or delayed report marked carl bouncing")
		}
	})
}
