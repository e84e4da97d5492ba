package imapsource

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	gomessage "github.com/emersion/go-message"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// BenchmarkIngestFromDovecot compares, in one run, the gateway's rate (IMAP
// into PostgreSQL through the pipeline, group commit) with the raw rate of
// fetching and parsing the same messages with go-imap and go-message alone.
// Set HELPDESK_BENCH_MESSAGES (default 10000); run with
//
//	go test -run '^$' -bench IngestFromDovecot -benchtime 1x ./ingest/imapsource/
func BenchmarkIngestFromDovecot(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("HELPDESK_BENCH_MESSAGES")); err == nil && v > 0 {
		n = v
	}
	d := startDovecot(b)
	msgs := make([][]byte, n)
	for i := range msgs {
		msgs[i] = benchMail(i)
	}
	for i := 0; i < b.N; i++ {
		user := fmt.Sprintf("bench%d", i)
		d.seed(b, user, msgs)
		cold := rawRate(b, d.addr, user, n)
		warm := rawRate(b, d.addr, user, n)
		st := storetest.OpenURL(b, storetest.PostgresURL(b), store.Options{})
		mc := openClient(b, d.addr, user)
		m := mailboxAt(d.addr, user)
		m.Name, m.Batch, m.BatchBytes = user, 500, 16<<20
		start := time.Now()
		stop := runPoller(b, Options{Mailbox: m, Ingester: newPipeline(b, st), Store: st, Logger: discard()})
		eventually(b, 30*time.Minute, "INBOX emptied", func() bool { return mc.count("INBOX") == 0 })
		gw := float64(n) / time.Since(start).Seconds()
		stop()
		if got := outcomes(b, st); got[model.OutcomeCreated] != n {
			b.Fatalf("outcomes %v", got)
		}
		b.ReportMetric(gw, "gateway_msgs/s")
		b.ReportMetric(cold, "raw_cold_msgs/s")
		b.ReportMetric(warm, "raw_warm_msgs/s")
		b.Logf("%d messages: gateway %.0f/s; raw fetch+parse %.0f/s cold, %.0f/s warm; ratio to warm %.2f", n, gw, cold, warm, gw/warm)
	}
}

// rawRate fetches every message of INBOX and parses it with go-message.
func rawRate(b *testing.B, addr, user string, n int) float64 {
	mc := openClient(b, addr, user)
	if _, err := mc.c.Select("INBOX", nil).Wait(); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	var set imap.SeqSet
	set.AddRange(1, 0)
	cmd := mc.c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	count := 0
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		buf, err := msg.Collect()
		if err != nil {
			b.Fatal(err)
		}
		e, err := gomessage.Read(bytes.NewReader(buf.BodySection[0].Bytes))
		if err == nil {
			io.Copy(io.Discard, e.Body)
		}
		count++
	}
	if err := cmd.Close(); err != nil {
		b.Fatal(err)
	}
	if count != n {
		b.Fatalf("fetched %d of %d", count, n)
	}
	mc.c.Unselect().Wait()
	return float64(n) / time.Since(start).Seconds()
}

func benchMail(i int) []byte {
	return []byte(fmt.Sprintf("From: Customer %d <c%d@customer%d.example>\nTo: support@help.example\n"+
		"Subject: Order %d does not arrive\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <%d.bench@example.com>\n"+
		"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nHello,\n\nmy order %d has not arrived yet. "+
		"Could you tell me where it is?\n\nThanks,\nCustomer %d\n", i, i, i%50, i, i, i, i))
}

var _ = context.Background
