package imapsource

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// BenchmarkKeepRawOnly measures a floor under the gateway's CPU a message
// (issue 20.6): the CPU, all processes counted, of keeping the raw
// messages of BenchmarkIngestFromDovecot's mix in PostgreSQL and doing
// nothing else, against the raw fetch and parse of the same messages from
// Dovecot in the same run. The messages are written as the gateway writes
// them: deferred rows, a transaction per 500 messages or 8 MiB (serve's
// defaults), the store's schema. No ticket, comment, decision or reply:
// what is left of the 3× goal for all of those is 3 less 1 (the gateway
// fetches and parses too) less this benchmark's ratio.
func BenchmarkKeepRawOnly(b *testing.B) {
	n := benchMessageCount()
	mix := newHelpdeskMix(n, 1)
	d := startDovecot(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		user := fmt.Sprintf("floor%d", i)
		d.seed(b, user, mix.Raw)
		rawCPU := readCPU(b)
		rawRate(b, d.addr, user, n, mix.Parts)
		raw := readCPU(b).since(rawCPU).all() / time.Duration(n)

		st := storetest.OpenURL(b, storetest.PostgresURL(b), store.Options{})
		cpu := readCPU(b)
		for start := 0; start < n; {
			end, bytes := start, 0
			for end < n && end-start < 500 && bytes < 8<<20 {
				bytes += len(mix.Raw[end])
				end++
			}
			err := st.InTx(ctx, func(tx *store.Tx) error {
				tx.Defer()
				for j := start; j < end; j++ {
					sum := sha256.Sum256(mix.Raw[j])
					m := &model.RawMessage{SHA256: hex.EncodeToString(sum[:]), Raw: mix.Raw[j], Size: int64(len(mix.Raw[j])),
						MessageID: fmt.Sprintf("floor-%d@bench.example", j), From: "someone@bench.example", Subject: "floor",
						Mailbox: user, Outcome: model.OutcomeFailed, Reason: "floor benchmark", ReceivedAt: time.Now()}
					if err := tx.InsertRaw(ctx, m); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			start = end
		}
		used := readCPU(b).since(cpu)
		if got := outcomes(b, st); got[model.OutcomeFailed] != n {
			b.Fatalf("outcomes %v, want %d kept", got, n)
		}
		st.Close()
		keep := used.all() / time.Duration(n)
		b.Logf("CPU a message, all processes: keeping it raw %v (this process %v, PostgreSQL %v) / raw fetch+parse cold %v = %.2f",
			keep, used.self/time.Duration(n), used.postgres/time.Duration(n), raw, float64(keep)/float64(raw))
		b.ReportMetric(float64(keep)/float64(raw), "cpu_keep/raw")
	}
}
