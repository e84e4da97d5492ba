package imapsource

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/config"
	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/internal/memtest"
	"github.com/helpdesk-gw/helpdesk/message"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
	"github.com/helpdesk-gw/helpdesk/templates"
	"github.com/helpdesk-gw/helpdesk/threading"
)

// BenchmarkBigMessageMemory ingests one 50 MB message (a short text and a
// base64 attachment of about 37 MB) from the test Dovecot into PostgreSQL,
// with the size limits raised above it, and reports how much more memory
// the process used at its peak than when idle: VmHWM (peak resident set,
// reset through /proc/self/clear_refs once idle) minus the idle VmRSS, and
// the Go heap's peak in use (sampled every millisecond) minus its idle
// value. The goal (issue 5): under 100 MB above idle; a miss is logged.
// It also reports the resident set once the message is marked on the
// server: what the process keeps after a big message.
//
// The process runs as `helpdesk serve` does: its memory limit is set by
// config.Config.ApplyMemoryLimit from serve's configuration without a
// file (the memory_limit default, HELPDESK_MEMORY_LIMIT, or GOMEMLIMIT,
// which wins), and the poller is the one serve runs. Only the size limits
// are raised. HELPDESK_MEMORY_LIMIT=off shows the process without a limit.
//
// "kept": the attachment's content is kept (max_attachment_bytes raised
// too); "omitted": the default 25 MB attachment limit lists it without its
// content. HELPDESK_BENCH_BIG_MB changes the size (50). Dovecot and
// PostgreSQL run in processes of their own: only the gateway's memory is
// counted. TestServeBigMessageMemory (cmd/helpdesk) measures the same on
// the serve binary. Run with
//
//	go test -run '^$' -bench BigMessageMemory -benchtime 1x ./ingest/imapsource/
func BenchmarkBigMessageMemory(b *testing.B) {
	size := 50 << 20
	if v, err := strconv.Atoi(os.Getenv("HELPDESK_BENCH_BIG_MB")); err == nil && v > 0 {
		size = v << 20
	}
	cfg, err := config.Load("", os.Getenv) // serve's configuration without a file: its defaults, HELPDESK_* and GOMEMLIMIT
	if err != nil {
		b.Fatal(err)
	}
	limit, from, restore := cfg.ApplyMemoryLimit(os.Getenv) // as serve does at start-up
	defer restore()
	note := fmt.Sprintf("memory limit %s (%s)", config.MemoryLimit(limit), from)
	for _, c := range []struct {
		name          string
		maxAttachment int64
	}{{"kept", 64 << 20}, {"omitted", 25 << 20}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				bigMessageRound(b, size, c.maxAttachment, i, note)
			}
		})
	}
}

// bigMessageRound ingests one big message and reports the peaks.
func bigMessageRound(b *testing.B, size int, maxAttachment int64, round int, note string) {
	b.StopTimer()
	d := startDovecot(b)
	user := fmt.Sprintf("big%d", round)
	st := storetest.OpenURL(b, storetest.PostgresURL(b), store.Options{})
	w := &batchWatch{next: bigPipeline(b, st, maxAttachment)}
	m := mailboxAt(d.addr, user)
	m.MaxBytes = int64(size) + 16<<20
	m.PollInterval = 30 * time.Second // IDLE brings it in
	logs := &logBuffer{}
	stop := runPoller(b, Options{Mailbox: m, Ingester: w, Store: st, Logger: logs.logger()})
	defer func() {
		if b.Failed() {
			dl, _ := os.ReadFile(d.dir + "/dovecot.log")
			b.Logf("poller's log:\n%s\nDovecot's log:\n%s", logs.String(), dl)
		}
	}()
	mc := openClient(b, d.addr, user)
	mc.append("INBOX", testMail(round)) // connected, folders made, idling
	eventually(b, 20*time.Second, "the first message", func() bool { return w.done.Load() == 1 })
	deliver := stage(b, d, user, memtest.BigMail(size))

	idle := settle()
	resetPeakRSS(b)
	s := startSampler()
	b.StartTimer()
	start := time.Now()
	deliver()
	eventually(b, 30*time.Second, "the big message recorded", func() bool { return w.done.Load() == 2 })
	took := time.Since(start)
	b.StopTimer()
	heapPeak := s.stop()
	hwm := procStatus(b, "VmHWM")
	// The poller logs a message once it is recorded and marked on the
	// server; what the process still holds then is what serve keeps after
	// a big message.
	eventually(b, 10*time.Second, "the big message marked", func() bool { return strings.Count(logs.String(), "message recorded") == 2 })
	after := procStatus(b, "VmRSS")
	stop()
	if got := outcomes(b, st); got[model.OutcomeCreated] != 2 {
		b.Fatalf("outcomes %v, want 2 created", got)
	}
	rss, heap := float64(hwm-idle.rss)/(1<<20), float64(heapPeak-idle.heap)/(1<<20)
	rssAfter := (float64(after) - float64(idle.rss)) / (1 << 20)
	b.ReportMetric(rss, "peak_rss_MB_above_idle")
	b.ReportMetric(heap, "peak_heap_MB_above_idle")
	b.ReportMetric(rssAfter, "rss_MB_above_idle_after")
	b.Logf("%.0f MB message: peak RSS %.0f MB above idle (idle %.0f MB), peak Go heap in use %.0f MB above idle (idle %.0f MB); ingested in %s; RSS once it is marked %.0f MB above idle; %s",
		float64(size)/(1<<20), rss, float64(idle.rss)/(1<<20), heap, float64(idle.heap)/(1<<20), took.Round(time.Millisecond), rssAfter, note)
	if rss > 100 { // logged, not failed: the metrics line is printed only for a benchmark that passes
		b.Logf("GOAL MISSED: peak RSS %.0f MB above idle, goal under 100 MB", rss)
	}
}

// bigPipeline is newPipeline with the size limits raised.
func bigPipeline(b *testing.B, st *store.Store, maxAttachment int64) *ingest.Pipeline {
	tmpl, err := templates.Load("")
	if err != nil {
		b.Fatal(err)
	}
	addrs := threading.NewAddresses("support@help.example", "", threading.NewSigner([]byte("test secret, long enough")))
	return ingest.New(ingest.Options{Store: st, Addresses: addrs, Templates: tmpl, Logger: discard(),
		Parse: message.Options{MaxAttachmentSize: maxAttachment}, MaxBytes: 1 << 30})
}

// batchWatch counts the batches the pipeline committed.
type batchWatch struct {
	next *ingest.Pipeline
	done atomic.Int64
}

func (w *batchWatch) IngestBatch(ctx context.Context, ins []ingest.Input, also func(context.Context, *store.Tx) error) ([]ingest.Result, error) {
	res, err := w.next.IngestBatch(ctx, ins, also)
	if err == nil {
		w.done.Add(int64(len(res)))
	}
	return res, err
}

var stageSeq atomic.Int64

// stage writes raw into user's Maildir as a delivery agent does, into
// tmp/, where Dovecot does not look; the returned function moves it into
// new/ (atomic: Dovecot never sees it half written, which would make it
// cache a wrong size and fail every FETCH of it), without any memory.
func stage(b *testing.B, d *dovecot, user string, raw []byte) (deliver func()) {
	base := filepath.Join(d.dir, "mail", user, "Maildir")
	name := fmt.Sprintf("%d.M%dP%d.helpdesk-test", time.Now().Unix(), stageSeq.Add(1), os.Getpid())
	tmp := filepath.Join(base, "tmp", name)
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		b.Fatal(err)
	}
	os.Chown(tmp, d.uid, d.gid)
	return func() {
		if err := os.Rename(tmp, filepath.Join(base, "new", name)); err != nil {
			b.Fatal(err)
		}
	}
}

type memPoint struct{ rss, heap uint64 }

// settle collects garbage, returns freed memory to the system, and gives
// the process's idle resident set and Go heap in use.
func settle() memPoint {
	runtime.GC()
	debug.FreeOSMemory()
	time.Sleep(100 * time.Millisecond)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, _ := memtest.Status("self", "VmRSS")
	return memPoint{rss: rss, heap: ms.HeapInuse}
}

// resetPeakRSS sets VmHWM back to the current resident set (Linux 4.0+).
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Skipf("cannot reset the peak resident set: %v", err)
	}
}

func procStatus(b *testing.B, field string) uint64 {
	v, err := memtest.Status("self", field)
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// sampler records the Go heap's peak in use, every millisecond.
type sampler struct {
	quit chan struct{}
	wg   sync.WaitGroup
	peak uint64
}

func startSampler() *sampler {
	s := &sampler{quit: make(chan struct{})}
	s.wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			s.peak = max(s.peak, ms.HeapInuse)
			select {
			case <-s.quit:
				return
			case <-t.C:
			}
		}
	})
	return s
}

func (s *sampler) stop() uint64 {
	close(s.quit)
	s.wg.Wait()
	return s.peak
}
