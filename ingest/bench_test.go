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
