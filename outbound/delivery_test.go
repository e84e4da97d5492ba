package outbound_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/outbound"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// refusal is how long the relay refuses everything with 451 in
// TestTemporaryRefusalThenEveryNotificationOnce: the issue says a minute;
// the behaviour does not depend on the length, so the test takes 1.5 s.
// HELPDESK_TEST_REFUSAL=60s runs the minute.
func refusal(t *testing.T) time.Duration {
	if v := getenv("HELPDESK_TEST_REFUSAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	return 1500 * time.Millisecond
}

// The relay refuses everything with 451 for a while, then accepts: every
// notification is delivered, once; none is lost, none is sent twice.
func TestTemporaryRefusalThenEveryNotificationOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		const tickets = 25
		for i := range tickets {
			w.expect(w.ingest(mail{From: "Ann <ann@acme.com>", Cc: fmt.Sprintf("cc%d@cc.example", i), Subject: fmt.Sprint("Problem ", i),
				ID: fmt.Sprintf("p%d@acme.com", i)}), model.OutcomeCreated)
		}
		rows := w.rows("")
		want := map[string]bool{}
		for _, r := range rows {
			want[r.MessageID] = true
		}
		d := refusal(t)
		w.smtp.RefuseAll(d, 451, "Service unavailable, try again later")
		start := time.Now()
		// The fast schedule, stretched to the refusal so that it keeps trying
		// through a whole minute when asked (it never gives up here).
		backoff := outbound.Backoff{First: 50 * time.Millisecond, Factor: 2, Max: max(300*time.Millisecond, d/20), Jitter: 0.2}
		wk := w.worker(func(o *outbound.Options) { o.Batch = 10; o.Backoff = &backoff })
		stop := running(t, wk)
		w.waitQueued(0, d+30*time.Second)
		stop()
		got := map[string]int{}
		for _, m := range w.smtp.Messages() {
			if m.At.Before(start.Add(d)) {
				t.Fatalf("a message was accepted during the refusal")
			}
			got[parse(t, m).messageID(t)]++
		}
		for id := range want {
			if got[id] != 1 {
				t.Errorf("notification %s delivered %d times, want once", id, got[id])
			}
		}
		if len(got) != len(want) {
			t.Errorf("%d distinct messages delivered, want %d", len(got), len(want))
		}
		retried := 0
		for _, r := range w.rows("") {
			if r.Status != model.OutboxSent {
				t.Errorf("row %d: %s %q", r.ID, r.Status, r.LastError)
			}
			if r.Attempts > 1 {
				retried++
			}
		}
		s := wk.Stats()
		if retried == 0 || s.Retried == 0 || s.Sent != uint64(len(want)) || s.Failed != 0 {
			t.Errorf("stats %+v, %d rows retried", s, retried)
		}
		t.Logf("%d notifications, refused for %v: all delivered once by %v, %d retries", len(want), d, time.Since(start).Round(time.Millisecond), s.Retried)
	})
}

// A 5xx reply fails the row at once, with the relay's words; the other
// recipients are unaffected.
func TestPermanentFailureMarkedAtOnceWithTheReply(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		w.smtp.FailRcpt("carl@cc.example", 550, "No such user here")
		w.open()
		wk := w.deliverAll()
		carl := w.rows("carl@cc.example")[0]
		if carl.Status != model.OutboxFailed || carl.Attempts != 1 || carl.LastError != "RCPT TO: 550 5.0.0 No such user here" {
			t.Fatalf("carl's row: %s after %d attempts, %q", carl.Status, carl.Attempts, carl.LastError)
		}
		if ann := w.rows("ann@acme.com")[0]; ann.Status != model.OutboxSent {
			t.Fatalf("ann's row %s", ann.Status)
		}
		if s := wk.Stats(); s.Failed != 1 || s.Sent != 1 || s.Retried != 0 {
			t.Fatalf("stats %+v", s)
		}
	})
}

// Temporary failures are retried until the schedule gives up.
func TestTemporaryFailureGivenUpAfterMaxAttempts(t *testing.T) {
	w := newWorld(t, store.SQLite)
	w.smtp.FailRcpt("carl@cc.example", 452, "Mailbox full")
	w.open()
	wk := w.deliverAll(func(o *outbound.Options) {
		o.Backoff = &outbound.Backoff{First: 5 * time.Millisecond, Factor: 2, Max: 20 * time.Millisecond, MaxAttempts: 3}
	})
	carl := w.rows("carl@cc.example")[0]
	if carl.Status != model.OutboxFailed || carl.Attempts != 3 || carl.LastError != "gave up after 3 attempts: RCPT TO: 452 4.0.0 Mailbox full" {
		t.Fatalf("carl's row: %s after %d attempts, %q", carl.Status, carl.Attempts, carl.LastError)
	}
	if s := wk.Stats(); s.Retried != 2 || s.Failed != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// Two workers, each with its own connections, share one outbox: every row
// is sent by exactly one of them (FOR UPDATE SKIP LOCKED on PostgreSQL).
func TestTwoWorkersOnOneStoreNeverSendARowTwice(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		const n = 400
		must(t, w.st.InTx(w.ctx, func(tx *store.Tx) error {
			for i := range n {
				m := model.OutboxMessage{Kind: model.KindNotice, To: fmt.Sprintf("u%d@example.com", i), Subject: "Hello",
					TextBody: "text", MessageID: w.addrs.Signer.NewMessageID(w.addrs.Domain)}
				if err := tx.EnqueueOutbox(w.ctx, &m); err != nil {
					return err
				}
			}
			return nil
		}))
		small := func(o *outbound.Options) { o.Batch, o.Concurrency = 7, 3 }
		a, c := w.worker(small), w.worker(small)
		stopA, stopC := running(t, a), running(t, c)
		w.waitQueued(0, 60*time.Second)
		stopA()
		stopC()
		seen := map[string]int{}
		for _, m := range w.smtp.Messages() {
			seen[parse(t, m).messageID(t)]++
		}
		for id, k := range seen {
			if k != 1 {
				t.Errorf("%s sent %d times", id, k)
			}
		}
		sa, sc := a.Stats(), c.Stats()
		if len(seen) != n || sa.Sent+sc.Sent != n || sa.Sent == 0 || sc.Sent == 0 {
			t.Fatalf("%d distinct messages; worker A sent %d, worker B %d; want %d between them, both working", len(seen), sa.Sent, sc.Sent, n)
		}
	})
}

// Shutdown: sends in flight finish within the grace period; rows claimed
// but not started are given back, their claim not counted as an attempt.
func TestShutdownFinishesInFlightAndGivesBackTheRest(t *testing.T) {
	w := newWorld(t, store.SQLite)
	for i := range 6 {
		w.enqueue(model.OutboxMessage{Kind: model.KindNotice, To: fmt.Sprintf("u%d@example.com", i)})
	}
	w.smtp.SetDelay(300 * time.Millisecond)
	wk := w.worker(func(o *outbound.Options) { o.Concurrency = 2; o.Grace = 5 * time.Second })
	stop := running(t, wk)
	waitFor(t, func() bool { return wk.Stats().InFlight == 2 })
	stopped := time.Now()
	stop()
	if d := time.Since(stopped); d > 2*time.Second {
		t.Fatalf("Run took %v to return", d)
	}
	sent, queued := 0, 0
	for _, r := range w.rows("") {
		switch {
		case r.Status == model.OutboxSent:
			sent++
		case r.Status == model.OutboxQueued && r.Attempts == 0:
			queued++
		default:
			t.Fatalf("row %d: %s after %d attempts %q", r.ID, r.Status, r.Attempts, r.LastError)
		}
	}
	if sent != 2 || queued != 4 || len(w.smtp.Messages()) != 2 {
		t.Fatalf("%d sent, %d given back, %d at the relay; want the 2 in flight sent and 4 given back", sent, queued, len(w.smtp.Messages()))
	}
	// A send that outlasts the grace period is cut, and its row given back.
	w.smtp.SetDelay(10 * time.Second)
	wk = w.worker(func(o *outbound.Options) { o.Concurrency = 1; o.Grace = 100 * time.Millisecond })
	stop = running(t, wk)
	waitFor(t, func() bool { return wk.Stats().InFlight == 1 })
	stopped = time.Now()
	stop()
	if d := time.Since(stopped); d > 2*time.Second {
		t.Fatalf("Run took %v to return after a grace of 100 ms", d)
	}
	if s := wk.Stats(); s.Released == 0 || s.Failed != 0 || s.Retried != 0 {
		t.Fatalf("stats %+v: the cut send's row should be given back", s)
	}
	for _, r := range w.rows("") {
		if r.Status == model.OutboxQueued && r.Attempts != 0 {
			t.Fatalf("row %d kept an attempt it did not finish: %+v", r.ID, r)
		}
	}
}

// Wake delivers a row queued while the worker sleeps at once, and the timer
// wakes it when a rescheduled row falls due, long before MaxWait.
func TestWakeAndTimerToTheNextDueRow(t *testing.T) {
	w := newWorld(t, store.SQLite)
	wk := w.worker(func(o *outbound.Options) { o.MaxWait = time.Minute })
	running(t, wk)
	time.Sleep(50 * time.Millisecond) // asleep for a minute now
	w.open()
	start := time.Now()
	wk.Wake()
	w.smtp.WaitFor(t, 2, 2*time.Second)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("woken delivery took %v", d)
	}
	w.enqueue(model.OutboxMessage{Kind: model.KindNotice, To: "later@example.com", NextAttemptAt: time.Now().Add(400 * time.Millisecond)})
	wk.Wake() // sees the row is not due yet; sleeps until it is
	w.smtp.WaitFor(t, 3, 3*time.Second)
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Fatalf("a row due in 400 ms was sent after %v", d)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10 s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var _ = context.Background
var _ = strings.Contains
