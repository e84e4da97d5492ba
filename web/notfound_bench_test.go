package web_test

import (
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/store"
)

// BenchmarkNotFoundTiming compares a ticket that exists but is hidden
// with one that does not exist, as a stranger asks for them (W3: nothing
// may tell existence, not even the time). It reports each one's median and
// their difference; run it with
// go test -run '^$' -bench NotFoundTiming -benchtime 400x ./web
func BenchmarkNotFoundTiming(b *testing.B) {
	w := newPortal(b, store.SQLite)
	eve := w.browser()
	eve.signIn("eve@elsewhere.example")
	median := func(path string) time.Duration {
		var ds []time.Duration
		for i := 0; i < b.N; i++ {
			start := time.Now()
			code, _, _ := eve.do("GET", path, nil)
			ds = append(ds, time.Since(start))
			if code != http.StatusNotFound {
				b.Fatalf("%s: %d", path, code)
			}
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return ds[len(ds)/2]
	}
	b.ResetTimer()
	hidden, missing := median("/t/1"), median("/t/999999")
	b.ReportMetric(float64(hidden.Microseconds())/1000, "hidden_ms")
	b.ReportMetric(float64(missing.Microseconds())/1000, "missing_ms")
	b.ReportMetric(float64((hidden-missing).Microseconds())/1000, "diff_ms")
}
