package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/internal/memtest"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// TestServeBigMessageMemory measures the goal of issue 5 on the real
// thing: the `helpdesk serve` binary, with its defaults (memory_limit
// among them) and only the size limits raised, reads one 50 MB message
// (a short text and a base64 attachment of about 37 MB) from Dovecot into
// PostgreSQL. It logs how far its resident set rose above idle at the peak
// (VmHWM, reset through /proc/PID/clear_refs once idle) and once the
// message is recorded. The goal is under 100 MB; a miss is logged, not
// failed, as in BenchmarkBigMessageMemory (ingest/imapsource), which
// measures the same inside one process. "kept": max_attachment_bytes is
// raised so that the attachment's content is kept; "omitted": the default
// 25 MiB lists it without its content. It runs with HELPDESK_BENCH=1:
//
//	HELPDESK_BENCH=1 go test ./cmd/helpdesk -run TestServeBigMessageMemory -v -count=1
//
// HELPDESK_BENCH_BIG_MB changes the size (50); HELPDESK_MEMORY_LIMIT and
// GOMEMLIMIT reach serve as they would in production.
func TestServeBigMessageMemory(t *testing.T) {
	if os.Getenv("HELPDESK_BENCH") != "1" {
		t.Skip("set HELPDESK_BENCH=1 to measure serve's memory for a big message")
	}
	if _, err := os.Stat("/proc/self/clear_refs"); err != nil {
		t.Skip("needs Linux's /proc/PID/clear_refs")
	}
	size := 50 << 20
	if v, err := strconv.Atoi(os.Getenv("HELPDESK_BENCH_BIG_MB")); err == nil && v > 0 {
		size = v << 20
	}
	dv := startDovecot(t)
	raw := memtest.BigMail(size)
	for i, c := range []struct {
		name          string
		maxAttachment int64
	}{{"kept", 64 << 20}, {"omitted", 25 << 20}} {
		t.Run(c.name, func(t *testing.T) {
			pg := storetest.PostgresURL(t) // a database of its own
			user := fmt.Sprintf("big%d", i)
			imapURL := fmt.Sprintf("imap://%s:%s@%s/INBOX?tls=none&name=%s", user, dovecotPass, dv.addr, user)
			conf := filepath.Join(t.TempDir(), "helpdesk.toml")
			if err := os.WriteFile(conf, fmt.Appendf(nil, "db = %q\naddress = \"support@help.example\"\n"+
				"secret = \"memory-test-secret-0123456789\"\nimap = %q\nmax_message_bytes = %d\nmax_attachment_bytes = %d\n",
				pg, imapURL, size+16<<20, c.maxAttachment), 0o600); err != nil {
				t.Fatal(err)
			}
			db, err := sql.Open("postgres", pg)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			created := func(want int) func() bool {
				return func() bool {
					var n int
					if err := db.QueryRow(`SELECT count(*) FROM raw_messages WHERE outcome = 'created'`).Scan(&n); err != nil {
						t.Fatal(err)
					}
					return n == want
				}
			}
			env := []string{"HELPDESK_CONFIG=" + conf}
			if v := os.Getenv("HELPDESK_MEMORY_LIMIT"); v != "" {
				env = append(env, "HELPDESK_MEMORY_LIMIT="+v)
			}
			p := newProc(t, env...)
			p.start()
			dv.seed(t, user, [][]byte{[]byte("From: Ann <ann@example.com>\r\nTo: support@help.example\r\n" +
				"Subject: Hello\r\nMessage-ID: <small.memory@example.com>\r\n\r\nHello.\r\n")})
			p.waitFor("the first message recorded", patience, created(1))
			// serve settles: its first message marked (the pass that
			// recorded it has ended) and acknowledged, the poller idling.
			var recordedAt time.Time
			p.waitFor("the first message logged", patience, func() bool {
				recordedAt = logTime(p.stderr.String(), `msg="message recorded"`)
				return !recordedAt.IsZero()
			})
			p.waitFor("the pass that recorded the first message ended", patience, func() bool {
				last := p.lastPoll()
				return last != nil && !last.Before(recordedAt)
			})
			p.waitFor("the acknowledgement sent", patience, func() bool {
				var n int
				if err := db.QueryRow(`SELECT count(*) FROM outbox WHERE status = 'queued'`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n == 0
			})
			pid := p.cmd.Process.Pid
			idle := childStatus(t, pid, "VmRSS")
			if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
				t.Skipf("cannot reset serve's peak resident set: %v", err)
			}
			start := time.Now()
			dv.seed(t, user, [][]byte{raw})
			p.waitFor("the big message recorded", patience, created(2))
			took := time.Since(start)
			hwm := childStatus(t, pid, "VmHWM")
			p.waitFor("the big message marked", patience, func() bool {
				return strings.Count(p.stderr.String(), `msg="message recorded"`) == 2
			})
			after := childStatus(t, pid, "VmRSS")
			p.signal(syscall.SIGTERM)
			if code := p.waitExit(patience); code != 0 {
				t.Errorf("exit %d after SIGTERM", code)
			}
			mb := func(v uint64) float64 { return (float64(v) - float64(idle)) / (1 << 20) }
			limitLine := ""
			for _, l := range strings.Split(p.stderr.String(), "\n") {
				if strings.Contains(l, "memory limit") {
					limitLine = l
				}
			}
			t.Logf("%d MB message: serve's peak RSS %.0f MB above idle (idle %.0f MB), %.0f MB once it is marked; recorded in %s; %s",
				size>>20, mb(hwm), float64(idle)/(1<<20), mb(after), took.Round(time.Millisecond), limitLine)
			if mb(hwm) >= 100 {
				t.Logf("GOAL MISSED: peak RSS %.0f MB above idle, goal under 100 MB", mb(hwm))
			}
		})
	}
}

// logTime is the time of the first line of serve's log (slog text) that
// holds s; zero when there is none yet.
func logTime(log, s string) time.Time {
	for _, l := range strings.Split(log, "\n") {
		if !strings.Contains(l, s) || !strings.HasPrefix(l, "time=") {
			continue
		}
		v, _, _ := strings.Cut(strings.TrimPrefix(l, "time="), " ")
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t
		}
	}
	return time.Time{}
}

// lastPoll is when serve last read its (one) mailbox to its end, by
// /readyz; nil before the first such pass.
func (p *proc) lastPoll() *time.Time {
	p.t.Helper()
	_, body := p.get("/readyz")
	var rd readiness
	if err := json.Unmarshal([]byte(body), &rd); err != nil {
		p.t.Fatalf("/readyz: %v: %s", err, body)
	}
	if len(rd.Mailboxes) != 1 {
		p.t.Fatalf("/readyz: want one mailbox: %s", body)
	}
	return rd.Mailboxes[0].LastPoll
}

// childStatus reads a "kB" field of /proc/PID/status, in bytes.
func childStatus(t *testing.T, pid int, field string) uint64 {
	t.Helper()
	v, err := memtest.Status(strconv.Itoa(pid), field)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
