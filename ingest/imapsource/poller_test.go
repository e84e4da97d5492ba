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
		runPoller(t, Options{Mailbox: mailboxAt(srv.addr, testUser), Ingester: newPipeline(t, st), Store: st, Logger: discard()})
		eventually(t, 10*time.Second, "INBOX emptied", func() bool { return mc.count("INBOX") == 0 })
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
		eventually(t, 5*time.Second, "the fourth ticket", func() bool { return ticketCount(t, st) == 4 })
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
	eventually(t, 10*time.Second, "INBOX emptied", func() bool { return mc.count("INBOX") == 0 })
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
	eventually(t, 10*time.Second, "INBOX emptied", func() bool { return mc.count("INBOX") == 0 })
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
	stop := runPoller(t, opts)
	eventually(t, 10*time.Second, "two tickets", func() bool { return ticketCount(t, st) == 2 })
	// the poll after that records nothing new: \Seen messages stay, below the checkpoint
	time.Sleep(500 * time.Millisecond)
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
	eventually(t, 10*time.Second, "the third ticket", func() bool { return ticketCount(t, st) == 3 })
	eventually(t, 5*time.Second, "two duplicates", func() bool { return outcomes(t, st)[model.OutcomeDuplicate] == 2 })
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
	runPoller(t, Options{Mailbox: m, Ingester: newPipeline(t, st), Store: st, Logger: logs.logger(),
		AuthBackoff: Backoff{Base: 200 * time.Millisecond, Max: time.Second}})
	time.Sleep(time.Second)
	// attempts at 0, 0.2, 0.6 s (then 1.4 s): no busy loop
	if n := srv.conns.Load(); n < 2 || n > 4 {
		t.Errorf("%d connections in 1s, want 2 to 4", n)
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
	eventually(t, 10*time.Second, "INBOX emptied", func() bool { return mc.count("INBOX") == 0 })
	if got := outcomes(t, st); got[model.OutcomeCreated] != 3 || len(got) != 1 {
		t.Fatalf("outcomes %v", got)
	}
	if strings.Count(logs.String(), "database unavailable") != 3 {
		t.Errorf("want 3 pauses logged:\n%s", logs.String())
	}
}

func TestContextEndClosesConnection(t *testing.T) {
	srv := startMemServer(t)
	st := storetest.Open(t, store.SQLite)
	m := mailboxAt(srv.addr, testUser)
	m.PollInterval = time.Hour // in IDLE, nothing else would wake it
	stop := runPoller(t, Options{Mailbox: m, Ingester: newPipeline(t, st), Store: st, Logger: discard()})
	eventually(t, 5*time.Second, "a checkpoint", func() bool {
		_, err := st.Checkpoint(context.Background(), "support")
		return err == nil || srv.conns.Load() > 0
	})
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	stop() // fails the test if Run does not return within 5 s
	if d := time.Since(start); d > time.Second {
		t.Errorf("Run returned %v after cancel", d)
	}
}
