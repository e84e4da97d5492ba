package imapsource

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// BenchmarkIDLELatency measures, under IDLE, the time from a message's
// APPEND completing (the server's tagged OK to the appending client) to
// its ticket committed in PostgreSQL with the acknowledgement queued in
// the outbox, in the same transaction. Messages are appended one by one on
// a connection of their own, at random moments (exponential gaps, mean
// HELPDESK_BENCH_LATENCY_GAP, 50ms; seeded), whatever the poller is
// doing: the arrivals of a real mailbox. It reports the median, the 99th
// percentile and the maximum over HELPDESK_BENCH_LATENCY_MESSAGES messages
// (500). The goal (issue 5): median under 1 s, 99th percentile under 2 s.
//
// Against the test Dovecot, or go-imap's in-memory server when there is no
// dovecot binary or HELPDESK_BENCH_SERVER=mem. The re-check period is
// 30 s, so only IDLE brings a message in within the goal. Dovecot itself
// waits 500 ms after a change before it tells an idling client
// (NOTIFY_DELAY_MSECS in its mailbox-watch.c): a message that arrives
// while the poller idles waits 0.5 s for that alone, and those arriving
// meanwhile come along with it; with gaps much longer than 0.5 s almost
// every latency is 0.5 s and a little more. The in-memory server tells at
// once: the difference is the gateway's own part. Run with
//
//	go test -run '^$' -bench IDLELatency -benchtime 1x ./ingest/imapsource/
func BenchmarkIDLELatency(b *testing.B) {
	n, gap := 500, 50*time.Millisecond
	if v, err := strconv.Atoi(os.Getenv("HELPDESK_BENCH_LATENCY_MESSAGES")); err == nil && v > 0 {
		n = v
	}
	if v, err := time.ParseDuration(os.Getenv("HELPDESK_BENCH_LATENCY_GAP")); err == nil && v >= 0 {
		gap = v
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		addr, user, server := latencyServer(b, i)
		st := storetest.OpenURL(b, storetest.PostgresURL(b), store.Options{})
		w := &commitWatch{next: newPipeline(b, st), committed: map[string]time.Time{}}
		m := mailboxAt(addr, user)
		m.PollInterval = 30 * time.Second
		stop := runPoller(b, Options{Mailbox: m, Ingester: w, Store: st, Logger: discard()})
		mc := openClient(b, addr, user)
		mc.append("INBOX", latencyMail(i, -1)) // connected, folders made, idling
		w.wait(b, 1, 20*time.Second)
		rng := rand.New(rand.NewPCG(uint64(i), 1))
		b.StartTimer()

		appended := make([]time.Time, n)
		for j := range appended {
			time.Sleep(time.Duration(rng.ExpFloat64() * float64(gap)))
			mc.append("INBOX", latencyMail(i, j))
			appended[j] = time.Now()
		}
		w.wait(b, n+1, 20*time.Second)
		b.StopTimer()
		stop()
		if got := outcomes(b, st); got[model.OutcomeCreated] != n+1 || len(got) != 1 {
			b.Fatalf("outcomes %v, want %d created", got, n+1)
		}
		lat := w.latencies(b, i, appended)
		med, p99, worst := lat[len(lat)/2], lat[(len(lat)*99+99)/100-1], lat[len(lat)-1]
		b.ReportMetric(float64(med.Microseconds())/1000, "median_ms")
		b.ReportMetric(float64(p99.Microseconds())/1000, "p99_ms")
		b.ReportMetric(float64(worst.Microseconds())/1000, "max_ms")
		b.Logf("%s, %d messages appended one by one (mean gap %s): append to committed ticket with its acknowledgement "+
			"queued: median %s, p99 %s, max %s, min %s", server, n, gap, med, p99, worst, lat[0])
		if med > time.Second || p99 > 2*time.Second { // logged, not failed, so that the metrics are printed
			b.Logf("GOAL MISSED: median %s (< 1s), p99 %s (< 2s)", med, p99)
		}
	}
}

// latencyServer is the test Dovecot (a user per round) or, without one,
// go-imap's in-memory server.
func latencyServer(b *testing.B, round int) (addr, user, server string) {
	if _, ok := dovecotBinary(); ok && os.Getenv("HELPDESK_BENCH_SERVER") != "mem" {
		d := startDovecot(b)
		return d.addr, fmt.Sprintf("latency%d", round), "Dovecot"
	}
	if os.Getenv(storetest.StrictEnv) == "1" {
		b.Fatal("no dovecot binary (" + storetest.StrictEnv + "=1)")
	}
	return startMemServer(b).addr, testUser, "in-memory server"
}

// commitWatch is the poller's Ingester: it passes batches to the pipeline
// and notes, by Message-ID, when each message's ticket and acknowledgement
// were committed (the pipeline returns after the commit).
type commitWatch struct {
	next      *ingest.Pipeline
	mu        sync.Mutex
	committed map[string]time.Time
}

var latencyMsgID = regexp.MustCompile(`(?mi)^Message-ID:\s*<([^>]+)>`)

func (w *commitWatch) IngestBatch(ctx context.Context, ins []ingest.Input, also func(context.Context, *store.Tx) error) ([]ingest.Result, error) {
	res, err := w.next.IngestBatch(ctx, ins, also)
	if err != nil {
		return res, err
	}
	at := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, r := range res {
		id := latencyMsgID.FindSubmatch(ins[i].Raw)
		if id != nil && r.Outcome == model.OutcomeCreated && r.TicketID != 0 && len(r.Notified) > 0 {
			w.committed[string(id[1])] = at
		} // else no ticket and acknowledgement: the message is missing below
	}
	return res, nil
}

// wait waits until n messages were committed.
func (w *commitWatch) wait(b *testing.B, n int, d time.Duration) {
	eventually(b, d, fmt.Sprintf("%d tickets with their acknowledgements", n), func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return len(w.committed) >= n
	})
}

// latencies are, sorted, the times from each append to its commit.
func (w *commitWatch) latencies(b *testing.B, round int, appended []time.Time) []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	lat := make([]time.Duration, len(appended))
	for j, at := range appended {
		id := string(latencyMsgID.FindSubmatch(latencyMail(round, j))[1])
		done, ok := w.committed[id]
		if !ok {
			b.Fatalf("%s: no ticket with an acknowledgement", id)
		}
		lat[j] = done.Sub(at)
	}
	slices.Sort(lat)
	return lat
}

// latencyMail is message j of round i, from a sender of its own.
func latencyMail(i, j int) []byte {
	return []byte(fmt.Sprintf("From: Caller %d <caller%d.%d@example.com>\r\nTo: support@help.example\r\n"+
		"Subject: Call %d\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <%d.%d.latency@example.com>\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\nHello, call %d.\r\n", j, i, j, j, i, j, j))
}
