package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readableDurations writes durations as "15s", not 15000000000, in JSON.
func TestReadableDurationsInJSONLogs(t *testing.T) {
	var b bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&b, &slog.HandlerOptions{ReplaceAttr: readableDurations}))
	log.Info("stopping", "grace", 15*time.Second, slog.Group("poll", "took", 1234567*time.Nanosecond), "count", 3)
	var line map[string]any
	mustJSON(t, b.String(), &line)
	if line["grace"] != "15s" || line["poll"].(map[string]any)["took"] != "1ms" || line["count"] != float64(3) {
		t.Errorf("JSON log line: %s", b.String())
	}
}

// TestServeLogsForOperators: serve's log says how long things took in
// words a person reads ("15s", "2ms", or *_ms), and nothing is logged as
// a warning or an error once it has "stopped cleanly".
func TestServeLogsForOperators(t *testing.T) {
	addr, add := backupMailbox(t)
	add(backupMail(1), backupMail(2))
	c := newCLI(t)
	c.env["HELPDESK_IMAP"] = fmt.Sprintf("imap://support:secret@%s/INBOX?tls=none&poll=100ms&name=support", addr)
	c.env["HELPDESK_HTTP"] = freeAddr(t)
	c.env["HELPDESK_SMTP"] = "smtp://" + freeAddr(t) + "?tls=none" // nobody listens: the sends are delayed
	c.env["HELPDESK_CAPTURE_DIR"] = filepath.Join(t.TempDir(), "sent")
	stop := backupServe(t, c, c.db)
	waitRecorded(t, strings.TrimPrefix(c.db, "sqlite:"), 2, stop)
	code, log := stop()
	if code != 0 {
		t.Fatalf("serve exit %d:\n%s", code, log)
	}
	lines := strings.Split(strings.TrimSpace(log), "\n")
	stopped := -1
	for i, l := range lines {
		if strings.Contains(l, `msg="stopped cleanly"`) {
			stopped = i
		}
	}
	if stopped < 0 || !strings.Contains(lines[stopped], " took=") {
		t.Fatalf("no \"stopped cleanly\" line with took=:\n%s", log)
	}
	for _, l := range lines[stopped+1:] {
		if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
			t.Errorf("after \"stopped cleanly\": %s", l)
		}
	}
	for _, l := range lines {
		for _, f := range strings.Fields(l) {
			k, v, ok := strings.Cut(f, "=")
			if ok && (k == "took" || k == "grace" || k == "lease_ttl") && !strings.ContainsAny(v, "smh") {
				t.Errorf("a duration an operator cannot read: %s in %s", f, l)
			}
		}
	}
}
