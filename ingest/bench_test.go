package ingest_test

import (
	"fmt"
	"testing"

	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/store"
)

// BenchmarkIngest measures the pipeline alone: each message a new ticket
// from a new sender of a known organisation, with one CC (an
// acknowledgement and an added-as-CC notification queued).
//
//	go test -run '^$' -bench Ingest -benchtime 2000x ./ingest
func BenchmarkIngest(b *testing.B) {
	for _, backend := range []store.Backend{store.SQLite, store.Postgres} {
		b.Run(string(backend), func(b *testing.B) {
			w := newWorld(b, backend)
			raws := make([][]byte, b.N)
			for i := range raws {
				raws[i] = mail{From: fmt.Sprintf("user%d@acme.com", i), Cc: fmt.Sprintf("cc%d@acme.com", i),
					Subject: fmt.Sprint("Problem ", i), ID: fmt.Sprintf("b%d@acme.com", i)}.raw()
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := w.p.Ingest(w.ctx, ingest.Input{Raw: raws[i], Mailbox: "bench"}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
		})
	}
}

// BenchmarkIngestBatch is BenchmarkIngest through IngestBatch, 500
// messages a transaction, as the IMAP poller records them.
//
//	go test -run '^$' -bench IngestBatch -benchtime 2000x ./ingest
func BenchmarkIngestBatch(b *testing.B) {
	for _, backend := range []store.Backend{store.SQLite, store.Postgres} {
		b.Run(string(backend), func(b *testing.B) {
			w := newWorld(b, backend)
			ins := make([]ingest.Input, b.N)
			for i := range ins {
				ins[i] = ingest.Input{Mailbox: "bench", Raw: mail{From: fmt.Sprintf("user%d@acme.com", i), Cc: fmt.Sprintf("cc%d@acme.com", i),
					Subject: fmt.Sprint("Problem ", i), ID: fmt.Sprintf("b%d@acme.com", i)}.raw()}
			}
			b.ResetTimer()
			for len(ins) > 0 {
				n := min(500, len(ins))
				if _, err := w.p.IngestBatch(w.ctx, ins[:n], nil); err != nil {
					b.Fatal(err)
				}
				ins = ins[n:]
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
		})
	}
}
