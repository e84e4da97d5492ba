package fullstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/lib/pq" // VACUUM ANALYZE and plans on a direct connection

	"github.com/helpdesk-gw/helpdesk/internal/fullstore"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// The full-store benchmarks run only with HELPDESK_FULL_STORE=1. They fill
// a kept PostgreSQL data directory once (HELPDESK_FULL_STORE_DIR, by
// default /tmp/helpdesk-fullstore) and reuse it in later runs; remove the
// directory to fill it again. HELPDESK_FULL_STORE_SCALE=N divides every
// count of the shape by N (a quick run of the same shape, in a database of
// its own); HELPDESK_FULL_STORE_SEED=ingest fills through the ingest
// pipeline instead of the direct writes.
const (
	fullEnv  = "HELPDESK_FULL_STORE"
	dirEnv   = "HELPDESK_FULL_STORE_DIR"
	scaleEnv = "HELPDESK_FULL_STORE_SCALE"
	seedEnv  = "HELPDESK_FULL_STORE_SEED"
)

// seedVersion names what the seeding writes; a change to the generator or
// the seeders must change it, so that a kept store made by the old code is
// filled again.
const seedVersion = 1

// full is the seeded store of this test binary.
type full struct {
	kept   *storetest.KeptServer
	st     *store.Store
	url    string
	shape  fullstore.Shape
	report json.RawMessage
}

var (
	fullOnce sync.Once
	fullDB   *full
	fullErr  error
)

// fullStore returns the full store, filling it first when the kept
// directory lacks it. It skips unless HELPDESK_FULL_STORE=1.
func fullStore(b *testing.B) *full {
	b.Helper()
	if os.Getenv(fullEnv) != "1" {
		b.Skip(fullEnv + "=1 runs the full-store benchmarks (the first run fills 1,000,000 messages, about 15 minutes)")
	}
	fullOnce.Do(func() { fullDB, fullErr = openFull(b) })
	if fullErr != nil {
		b.Fatal(fullErr)
	}
	return fullDB
}

func openFull(b *testing.B) (*full, error) {
	dir := os.Getenv(dirEnv)
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "helpdesk-fullstore")
	}
	sh, scale := fullstore.Full(), 1
	if v := os.Getenv(scaleEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s=%q: want a number from 1", scaleEnv, v)
		}
		sh, scale = fullstore.Scaled(n), n
	}
	mode := os.Getenv(seedEnv)
	name := fmt.Sprintf("full_v%d_s%d_%s", seedVersion, scale, modeName(mode))
	k := storetest.Kept(b, dir)
	marker := filepath.Join(dir, name+".json")
	f := &full{kept: k, url: k.URL(name), shape: sh}
	report, err := os.ReadFile(marker)
	if err != nil || !k.HasDatabase(b, name) {
		os.Remove(marker)
		k.CreateDatabase(b, name)
		if report, err = seedFull(b, f.url, sh, mode); err != nil {
			return nil, err
		}
		if err := os.WriteFile(marker, report, 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", marker, err)
		}
	}
	b.Logf("full store %s in %s: %s", name, dir, report)
	f.report = report
	f.st, err = store.Open(context.Background(), f.url, store.Options{})
	if err != nil {
		return nil, fmt.Errorf("open full store: %w", err)
	}
	return f, nil
}

// seedFull fills the database at url and returns the report to keep.
func seedFull(b *testing.B, url string, sh fullstore.Shape, mode string) ([]byte, error) {
	ctx := context.Background()
	clock := fullstore.NewClock(fullstore.Start)
	st, err := store.Open(ctx, url, store.Options{Clock: clock.Now})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	load := func() string { l, _ := os.ReadFile("/proc/loadavg"); return strings.TrimSpace(string(l)) }
	loadBefore := load()
	step := max(sh.Messages/20, 1)
	progress := func(done int, took time.Duration) {
		if done%step < sh.Batch || done == sh.Messages {
			b.Logf("seeded %d of %d messages in %v (%.0f msg/s), load %s", done, sh.Messages, took.Round(time.Second),
				float64(done)/took.Seconds(), load())
		}
	}
	var r fullstore.Report
	if mode == "ingest" {
		r, err = fullstore.Seed(ctx, st, clock, sh, 1, progress)
	} else {
		r, err = fullstore.SeedDirect(ctx, st, sh, 1, progress)
	}
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("postgres", url)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	start := time.Now()
	if _, err := db.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
		return nil, fmt.Errorf("vacuum analyze: %w", err)
	}
	counts := map[string]int64{}
	for _, t := range []string{"raw_messages", "tickets", "users", "organisations", "memberships", "comments", "participants",
		"outbox", "message_ids", "events"} {
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		counts[t] = n
	}
	var size string
	if err := db.QueryRowContext(ctx, "SELECT pg_size_pretty(pg_database_size(current_database()))").Scan(&size); err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{"mode": mode, "shape": sh, "setup": r.Setup.Round(time.Millisecond).String(),
		"messages": r.Ingest.Round(time.Second).String(), "rate": int(r.Rate()), "vacuum_analyze": time.Since(start).Round(time.Second).String(),
		"outcomes": r.Outcomes, "rows": counts, "size": size, "load_before": loadBefore, "load_after": load(),
		"seeded_at": time.Now().UTC().Format(time.RFC3339)})
}

// BenchmarkFullStoreSeed fills the full store (once; later runs reuse it)
// and reports its rows:
//
//	HELPDESK_FULL_STORE=1 go test -run '^$' -bench FullStoreSeed -benchtime 1x -timeout 60m -v ./internal/fullstore
func BenchmarkFullStoreSeed(b *testing.B) {
	f := fullStore(b)
	for range b.N {
		if _, err := f.st.OrgBySlug(context.Background(), fullstore.BigSlug); err != nil {
			b.Fatal(err)
		}
	}
}

func modeName(mode string) string {
	if mode == "" {
		return "direct"
	}
	return mode
}
