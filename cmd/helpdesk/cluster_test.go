package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/outbound/smtptest"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// clusterEnv turns the cluster test on: it runs 3,000 messages through
// three processes and takes a minute or so.
const clusterEnv = "HELPDESK_TEST_CLUSTER"

// Three `helpdesk serve` processes on one PostgreSQL and one Dovecot with
// three mailboxes share the work; the one holding the mailboxes is killed
// (SIGKILL) half-way. Every message is ingested exactly once (one ticket
// each), and every acknowledgement is marked sent once and reaches the
// relay; only rows the killed process had sent but not yet marked may
// reach it twice (the window between the relay's 250 and the mark,
// docs/outbound.md): exactly-once delivery past a SIGKILL would need the
// relay to take part in the transaction.
//
// Stopped with SIGTERM instead, the process finishes its sends and marks
// them before it exits: then every notification reaches the relay exactly
// once.
//
// Real time is part of what is tested here, and only in one place: a
// killed process's mailbox leases (lease=4s) and claimed outbox rows
// (outbox_lease) come back to the living only when they expire. Every
// check is on outcomes (tickets, outcomes, rows sent, Message-IDs at the
// relay), and every wait is for an event, failing only when nothing
// progresses for patience. The leases are set so that a busy machine does
// not change the outcomes: a living poller that misses a renewal loses its
// mailbox to another, which records what the first had recorded as
// duplicates (allowed); the outbox lease, which would send a slow living
// worker's claimed rows a second time, is ten minutes after a SIGTERM
// (nothing needs to expire: the stopped process gives back what it does not
// send, within a one-minute grace) and 30 s after a SIGKILL (the killed
// process's rows wait for it).
func TestServeThreeProcessesShareTheWorkAndSurviveADeath(t *testing.T) {
	if os.Getenv(clusterEnv) == "" {
		t.Skipf("set %s=1 to run three serve processes over 3,000 messages (about a minute)", clusterEnv)
	}
	t.Run("SIGTERM", func(t *testing.T) { clusterRun(t, syscall.SIGTERM, 0) })
	// After a SIGKILL, the rows the relay accepted within the killed
	// worker's last marking window come again (at least once, never lost):
	// the window is markEvery plus one UPDATE, which reaches ~100 ms while
	// three processes ingest against one PostgreSQL, at 1,000–2,000 sends
	// a second. Seen: 0–114 of 3,000 alone, 245 in a loaded CI run (the
	// whole suite beside it under the race detector). How many depends on
	// the machine's load; which ones does not: only what the relay
	// accepted within markWindow before the kill may come again, and the
	// count is only held under 15%.
	t.Run("SIGKILL", func(t *testing.T) { clusterRun(t, syscall.SIGKILL, 450) })
}

// markWindow bounds, generously for a loaded machine, how long before a
// SIGKILL the relay may have accepted a notification that the killed
// process had not yet marked sent: markEvery plus one UPDATE's round trip.
const markWindow = 3 * time.Second

// clusterRun stops the first of three processes with sig half-way; at most
// maxTwice notifications may reach the relay twice, each first accepted
// within markWindow before the stop.
func clusterRun(t *testing.T, sig syscall.Signal, maxTwice int) {
	total := 3000
	if n, err := strconv.Atoi(os.Getenv(clusterEnv)); err == nil && n > 3 {
		total = n - n%3
	}
	pg := storetest.PostgresURL(t)
	dv := startDovecot(t)
	boxes := []string{"acme", "beta", "gamma"}
	var urls []string
	for _, box := range boxes {
		var msgs [][]byte
		for i := range total / 3 {
			msgs = append(msgs, []byte(fmt.Sprintf("From: User %d <u%d@%s.example>\r\nTo: support@help.example\r\n"+
				"Subject: Request %s %d\r\nMessage-ID: <m%d@%s.example>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nPlease help with %d.\r\n",
				i, i, box, box, i, i, box, i)))
		}
		dv.seed(t, box, msgs)
		urls = append(urls, fmt.Sprintf("imap://%s:%s@%s/INBOX?tls=none&name=%s&poll=500ms&lease=4s&batch=50", box, dovecotPass, dv.addr, box))
	}
	relay := smtptest.Start(t, smtptest.Options{})
	grace, outboxLease := "1m", "10m" // SIGTERM: nothing waits for a lease
	if sig == syscall.SIGKILL {
		grace, outboxLease = "20s", "30s" // the killed process's claimed rows wait for their lease
	}
	conf := filepath.Join(t.TempDir(), "helpdesk.toml")
	os.WriteFile(conf, []byte(fmt.Sprintf("db = %q\naddress = \"support@help.example\"\nsecret = \"cluster-test-secret-0123456789\"\n"+
		"imap = %q\nsmtp = \"smtp://127.0.0.1:%d?tls=none&pool=4\"\nshutdown_grace = %q\noutbox_lease = %q\n",
		pg, strings.Join(urls, " "), relay.Port(), grace, outboxLease)), 0o600)

	procs := make([]*proc, 3)
	for i := range procs {
		procs[i] = newProc(t, "HELPDESK_CONFIG="+conf)
		procs[i].start()
		if i == 0 { // the first takes every mailbox's lease; the others stand by
			procs[0].waitFor("a first message from each mailbox", patience, func() bool {
				_, m := procs[0].get("/metrics")
				return strings.Count(m, "helpdesk_ingest_messages_total{") == 3
			})
		}
	}
	st, err := store.Open(context.Background(), pg, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	recorded := func() map[model.Outcome]int {
		raws, err := st.ListRaw(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		out := map[model.Outcome]int{}
		for _, r := range raws {
			out[r.Outcome]++
		}
		return out
	}
	start := time.Now()
	created := func() int { return recorded()[model.OutcomeCreated] }
	procs[1].waitProgress("half the messages", total/2, created)
	stoppedAt := time.Now()
	procs[0].signal(sig)
	if code := procs[0].waitExit(patience); sig == syscall.SIGTERM && code != 0 {
		t.Errorf("exit %d after SIGTERM", code)
	}
	t.Logf("stopped the first process (%v) after %s with %v recorded", sig, time.Since(start).Round(time.Millisecond), recorded())

	procs[1].waitProgress("every message", total, created)
	procs[1].waitProgress("every acknowledgement", total, func() int {
		q, err := st.ListOutbox(context.Background(), store.OutboxFilter{Status: model.OutboxQueued})
		if err != nil {
			return -1
		}
		return total - len(q)
	})
	t.Logf("all done after %s", time.Since(start).Round(time.Millisecond))
	if got := recorded(); got[model.OutcomeCreated] != total || got[model.OutcomeFailed] != 0 {
		t.Errorf("outcomes %v, want %d created", got, total)
	}
	tickets, err := st.ListTickets(context.Background(), store.TicketFilter{})
	if err != nil || len(tickets) != total {
		t.Errorf("%d tickets (%v), want %d", len(tickets), err, total)
	}
	rows, err := st.ListOutbox(context.Background(), store.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	sent := map[string]int{}
	for _, r := range rows {
		if r.Status != model.OutboxSent {
			t.Errorf("outbox row %d: %s %s", r.ID, r.Status, r.LastError)
		}
		sent[strings.Trim(r.MessageID, "<>")] = 0
	}
	if len(rows) != total {
		t.Errorf("%d outbox rows, want one acknowledgement per message (%d)", len(rows), total)
	}
	msgID := regexp.MustCompile(`(?mi)^Message-ID:\s*<([^>]+)>`)
	firstAt := map[string]time.Time{}
	for _, m := range relay.Messages() {
		if id := msgID.FindSubmatch(m.Data); id != nil {
			sent[string(id[1])]++
			if at, ok := firstAt[string(id[1])]; !ok || m.At.Before(at) {
				firstAt[string(id[1])] = m.At
			}
		}
	}
	twice, latest := 0, time.Duration(0)
	for id, n := range sent {
		switch {
		case n == 0:
			t.Errorf("%s never reached the relay", id)
		case n > 1:
			twice++
			before := stoppedAt.Sub(firstAt[id])
			latest = max(latest, before)
			if before > markWindow || before < -time.Second { // after the stop: a living process sent it twice
				t.Errorf("%s reached the relay twice, first %s before the stop: not in the stopped process's last marking window",
					id, before.Round(time.Millisecond))
			}
		}
	}
	t.Logf("%d notifications, %d reached the relay twice (sent by the stopped process, not yet marked; the earliest first accepted %s before the stop)",
		len(sent), twice, latest.Round(time.Millisecond))
	// After a SIGKILL: the killed worker's sends in flight, plus the rows
	// the relay accepted while its last group of sent marks was being
	// written (see maxTwice above); the same Message-ID each time, so mail
	// clients show one message. After a SIGTERM: none.
	if twice > maxTwice {
		t.Errorf("%d notifications reached the relay twice", twice)
	}
	for _, p := range procs[1:] {
		p.signal(syscall.SIGTERM)
		if code := p.waitExit(patience); code != 0 {
			t.Errorf("exit %d", code)
		}
	}
}
