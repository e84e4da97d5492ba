package imapsource

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

func TestRecordsEachMessageOnceAndMarksIt(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		srv := startMemServer(t)
		st := storetest.Open(t, b)
		mc := openClient(t, srv.addr, testUser)
		mc.append("INBOX", testMail(1), testMail(2), testMail(3), []byte("this is not a message\r\n"), testMail(1))
		m := mailboxAt(srv.addr, testUser)
		m.PollInterval = time.Hour // under IDLE, only the server's word brings in the fourth message
		runPoller(t, Options{Mailbox: m, Ingester: newPipeline(t, st), Store: st, Logger: discard()})
		eventually(t, patience, "INBOX emptied", func() bool { return mc.count("INBOX") == 0 })
		if got := outcomes(t, st); got[model.OutcomeCreated] != 3 || got[model.OutcomeFailed] != 1 || got[model.OutcomeDuplicate] != 1 {
			t.Fatalf("outcomes %v", got)
		}
		if p, f := mc.count("Processed"), mc.count("Failed"); p != 4 || f != 1 {
			t.Fatalf("Processed %d, Failed %d; want 4 and 1", p, f)
		}
		cp, err := st.Checkpoint(context.Background(), "support")
		if err != nil || cp.LastUID != 5 || cp.UIDValidity == 0 {
			t.Fatalf("checkpoint %+v, %v", cp, err)
		}
		// IDLE: a new message is recorded without waiting for the poll
		mc.append("INBOX", testMail(4))
		eventually(t, patience, "the fourth ticket", func() bool { return ticketCount(t, st) == 4 })
	})
}

func TestCrashBetweenCommitAndMarkGivesDuplicate(t *testing.T) {
	srv := startMemServer(t)
	st := storetest.Open(t, store.SQLite)
	mc := openClient(t, srv.addr, testUser)
	mc.append("INBOX", testMail(1), testMail(2))
	var crashes atomic.Int32
	opts := Options{Mailbox: mailboxAt(srv.addr, testUser), Ingester: newPipeline(t, st), Store: st, Logger: discard(),
		Backoff: Backoff{Base: 10 * time.Millisecond, Max: 10 * time.Millisecond}}
	opts.afterCommit = func([]uint32) error {
		if crashes.Add(1) == 1 {
			return errors.New("simulated crash after commit")
		}
		return nil
	}
	runPoller(t, opts)
	eventually(t, patience, "INBOX emptied", func() bool { return mc.count("INBOX") == 0 })
	got := outcomes(t, st)
	if got[model.OutcomeCreated] != 2 || got[model.OutcomeDuplicate] != 2 || ticketCount(t, st) != 2 {
		t.Fatalf("outcomes %v, %d tickets; want 2 created, 2 duplicates, 2 tickets", got, ticketCount(t, st))
	}
	if mc.count("Processed") != 2 {
		t.Fatalf("Processed holds %d", mc.count("Processed"))
	}
}

func TestTooLargeMessageKeepsItsHeader(t *testing.T) {
	srv := startMemServer(t)
	st := storetest.Open(t, store.SQLite)
	mc := openClient(t, srv.addr, testUser)
	big := append(testMail(1), []byte(strings.Repeat("x", 100)+"\r\n")...)
	for len(big) < 64<<10 {
		big = append(big, []byte(strings.Repeat("y", 998)+"\r\n")...)
	}
	mc.append("INBOX", big, testMail(2))
	m := mailboxAt(srv.addr, testUser)
	m.MaxBytes = 16 << 10
	runPoller(t, Options{Mailbox: m, Ingester: newPipeline(t, st), Store: st, Logger: discard()})
	eventually(t, patience, "INBOX emptied", func() bool { return mc.count("INBOX") == 0 })
	raws, err := st.ListRaw(context.Background(), model.OutcomeFailed)
	if err != nil || len(raws) != 1 {
		t.Fatalf("failed messages %v, %v", raws, err)
	}
	kept, err := st.RawByID(context.Background(), raws[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(kept.Reason, "too large") || kept.Size != int64(len(big)) || kept.MessageID != "1.q@example.com" ||
		len(kept.Raw) > 1024 || !strings.Contains(string(kept.Raw), "Subject: Question 1") {
		t.Fatalf("kept %q, size %d, %d bytes: %q", kept.Reason, kept.Size, len(kept.Raw), kept.Raw)
	}
	if mc.count("Failed") != 1 || mc.count("Processed") != 1 {
		t.Fatalf("Failed %d, Processed %d", mc.count("Failed"), mc.count("Processed"))
	}
}

func TestMarkSeenAndUIDValidityChange(t *testing.T) {
	srv := startMemServer(t)
	st := storetest.Open(t, store.SQLite)
	mc := openClient(t, srv.addr, testUser)
	mc.create("Support")
	mc.append("Support", testMail(1), testMail(2))
	m := mailboxAt(srv.addr, testUser)
	m.Folder, m.Mark = "Support", MarkSeen
	var logs logBuffer
	opts := Options{Mailbox: m, Ingester: newPipeline(t, st), Store: st, Logger: logs.logger()}
	var ev events
	ev.hook(&opts)
	stop := runPoller(t, opts)
	eventually(t, patience, "two tickets", func() bool { return ticketCount(t, st) == 2 })
	// A pass that began after the one that recorded them records nothing
	// new: \Seen messages stay, below the checkpoint. The first pass to end
	// from now may be the recording one; the second began after it.
	ev.waitPasses(t, ev.passCount()+2)
	stop()
	if got := outcomes(t, st); got[model.OutcomeCreated] != 2 || len(got) != 1 {
		t.Fatalf("outcomes %v", got)
	}
	// the folder is made anew: same messages, new UIDVALIDITY
	if err := mc.c.Delete("Support").Wait(); err != nil {
		t.Fatal(err)
	}
	mc.create("Support")
	mc.append("Support", testMail(1), testMail(2), testMail(3))
	runPoller(t, opts)
	eventually(t, patience, "the third ticket", func() bool { return ticketCount(t, st) == 3 })
	eventually(t, patience, "two duplicates", func() bool { return outcomes(t, st)[model.OutcomeDuplicate] == 2 })
	if !strings.Contains(logs.String(), "UIDVALIDITY changed") {
		t.Errorf("no log of the UIDVALIDITY change:\n%s", logs.String())
	}
}

func TestWrongPasswordBacksOffWithClearLog(t *testing.T) {
	srv := startMemServer(t)
	st := storetest.Open(t, store.SQLite)
	m := mailboxAt(srv.addr, testUser)
	m.Password = "wrong"
	var logs logBuffer
	// The schedules differ, so that a refusal taken for another failure
	// shows in the pauses.
	auth := Backoff{Base: 20 * time.Millisecond, Max: 50 * time.Millisecond}
	opts := Options{Mailbox: m, Ingester: newPipeline(t, st), Store: st, Logger: logs.logger(),
		Backoff: Backoff{Base: time.Millisecond, Max: time.Millisecond}, AuthBackoff: auth}
	ev := events{conns: &srv.conns}
	ev.hook(&opts)
	runPoller(t, opts)
	// One connection per attempt, each refusal followed by the login
	// schedule's pause (20, 40, 50, 50 ms, no jitter): no busy loop. The
	// pauses are read from the poller, not timed; the gap between two
	// attempts is only checked to be at least the pause.
	rs := ev.waitRetries(t, 4)
	for i, r := range rs[:4] {
		if !errors.Is(r.err, errAuth) || r.failures != i+1 || r.delay != auth.Delay(i+1, 0) || r.conns != int64(i+1) {
			t.Errorf("retry %d: %v, failure %d, pause %v, after %d connections; want a refused login, failure %d, pause %v, after %d",
				i+1, r.err, r.failures, r.delay, r.conns, i+1, auth.Delay(i+1, 0), i+1)
		}
		if i > 0 && r.at.Sub(rs[i-1].at) < rs[i-1].delay {
			t.Errorf("retry %d came %v after the one before, which chose a pause of %v", i+1, r.at.Sub(rs[i-1].at), rs[i-1].delay)
		}
	}
	if !strings.Contains(logs.String(), "IMAP login refused") || !strings.Contains(logs.String(), "mailbox=support") {
		t.Errorf("no clear log line:\n%s", logs.String())
	}
}

// flakyStore fails the first n batches as an unreachable database would.
type flakyStore struct {
	Ingester
	fails atomic.Int32
}

func (f *flakyStore) IngestBatch(ctx context.Context, ins []ingest.Input, also func(context.Context, *store.Tx) error) ([]ingest.Result, error) {
	if f.fails.Add(-1) >= 0 {
		return nil, errors.New("ingest batch: connect: connection refused")
	}
	return f.Ingester.IngestBatch(ctx, ins, also)
}

func TestDatabaseDownPausesAndLosesNothing(t *testing.T) {
	srv := startMemServer(t)
	st := storetest.Open(t, store.SQLite)
	mc := openClient(t, srv.addr, testUser)
	mc.append("INBOX", testMail(1), testMail(2), testMail(3))
	flaky := &flakyStore{Ingester: newPipeline(t, st)}
	flaky.fails.Store(3)
	var logs logBuffer
	runPoller(t, Options{Mailbox: mailboxAt(srv.addr, testUser), Ingester: flaky, Store: st, Logger: logs.logger(),
		Backoff: Backoff{Base: 50 * time.Millisecond, Max: 50 * time.Millisecond}})
	eventually(t, patience, "INBOX emptied", func() bool { return mc.count("INBOX") == 0 })
	if got := outcomes(t, st); got[model.OutcomeCreated] != 3 || len(got) != 1 {
		t.Fatalf("outcomes %v", got)
	}
	if strings.Count(logs.String(), "database unavailable") != 3 {
		t.Errorf("want 3 pauses logged:\n%s", logs.String())
	}
}

// Cancelling Run ends an IDLE that nothing else would end for an hour.
// Run must return within patience (runPoller's stop), far less than the
// hour; how fast it returns is not measured.
func TestContextEndClosesConnection(t *testing.T) {
	srv := startMemServer(t)
	px := startProxy(t, srv.addr)
	st := storetest.Open(t, store.SQLite)
	m := mailboxAt(px.addr, testUser)
	m.PollInterval = time.Hour // in IDLE, nothing else would wake it
	opts := Options{Mailbox: m, Ingester: newPipeline(t, st), Store: st, Logger: discard()}
	var ev events
	ev.hook(&opts)
	stop := runPoller(t, opts)
	ev.waitPasses(t, 1)
	eventually(t, patience, "the poller in IDLE", func() bool { return px.clientSent(" IDLE\r\n") })
	stop() // fails the test if Run does not return within patience
}
