package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// crashEnv sets the number of kills of the crash-loop test (10; it takes
// about 15 s, and is skipped with -short); HELPDESK_TEST_CRASH_SEED repeats
// a run's kill delays.
const (
	crashEnv     = "HELPDESK_TEST_CRASH"
	crashSeedEnv = "HELPDESK_TEST_CRASH_SEED"
)

// `helpdesk serve` is killed (SIGKILL) ten times at random points while it
// reads 2,000 messages from one Dovecot mailbox into PostgreSQL, and
// started again each time. At the end the store holds exactly one ticket
// per message: 2,000 recorded created, none failed, any number recorded
// as duplicates (a kill between a batch's commit and its MOVE leaves the
// batch in INBOX; the next process reads it again and records duplicates);
// and every message is marked processed on the server: INBOX is empty and
// Processed holds 2,000.
//
// The kill delays are drawn from a seeded generator (logged; set
// HELPDESK_TEST_CRASH_SEED to draw the same ones) over a span that follows
// the observed ingest rate, so that the kills fall through the whole
// ingest rather than before the first message or after the last. Half of
// the kills, drawn at random too, wait after their delay for the next
// commit and kill then: a kill at a random time only rarely falls in the
// few milliseconds between a batch's commit and its MOVE, the window that
// matters for exactly-once.
//
// A dead process's mailbox lease keeps a new process waiting until it
// expires (lease=3s, the minimum). To keep the run short the test deletes
// the lease row once the killed process has exited (it can write nothing
// any more); TestServeThreeProcessesShareTheWorkAndSurviveADeath covers
// the takeover after expiry. So no lease expires during the test, and the
// kill delays only spread the kills over the ingest: every check is on
// outcomes (the store's rows, the server's folders), and every wait is for
// an event, with patience as a guard against a hang.
func TestServeCrashLoopIngestsEachMessageOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it ten times (about 15 s)")
	}
	const total = 2000
	kills := 10
	if n, err := strconv.Atoi(os.Getenv(crashEnv)); err == nil && n > 0 {
		kills = n
	}
	seed := uint64(time.Now().UnixNano())
	if v, err := strconv.ParseUint(os.Getenv(crashSeedEnv), 10, 64); err == nil {
		seed = v
	}
	t.Logf("kill delays from seed %d (%s=%d repeats them)", seed, crashSeedEnv, seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	pg := storetest.PostgresURL(t)
	dv := startDovecot(t)
	const user = "crash"
	msgs := make([][]byte, total)
	for i := range msgs {
		msgs[i] = crashMail(i)
	}
	dv.seed(t, user, msgs)
	imapURL := fmt.Sprintf("imap://%s:%s@%s/INBOX?tls=none&name=%s&mark=move&poll=500ms&lease=3s&batch=50",
		user, dovecotPass, dv.addr, user)
	conf := filepath.Join(t.TempDir(), "helpdesk.toml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("db = %q\naddress = \"support@help.example\"\n"+
		"secret = \"crash-test-secret-0123456789\"\nimap = %q\nshutdown_grace = \"1m\"\nlog_level = \"warn\"\n",
		pg, imapURL)), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), pg, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db, err := sql.Open("postgres", pg) // the test's own view: counts and the dead process's lease
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	created := func() int {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM raw_messages WHERE outcome = 'created'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	start := time.Now()
	rate := 250.0 // messages/s, until measured (about 220 on these 2-core machines)
	for i := range kills {
		before := created()
		// Over the kills left, the remaining messages take about
		// (total-before)/rate; draw each kill within twice its share.
		share := time.Duration(float64(total-before) / rate / float64(kills-i) * float64(time.Second))
		delay := time.Duration(rng.Float64() * 2 * float64(share))
		atCommit := rng.IntN(2) == 0
		p := newProc(t, "HELPDESK_CONFIG="+conf)
		p.start()
		up := time.Now()
		time.Sleep(delay)
		how := "at once"
		if atCommit {
			how = "at the next commit"
			crashAwaitCommit(t, created, total)
		}
		p.signal(syscall.SIGKILL)
		p.waitExit(patience)
		ran := p.exitedAt.Sub(up)
		after := created()
		if after > before && ran > 0 {
			rate = 0.5*rate + 0.5*float64(after-before)/ran.Seconds()
		}
		if _, err := db.Exec(`DELETE FROM mailbox_leases WHERE mailbox = $1`, user); err != nil {
			t.Fatal(err)
		}
		t.Logf("kill %2d: %4d ms after /healthz, %-18s (after %4d ms): created %4d -> %4d, outcomes %v", i+1,
			delay.Milliseconds(), how, ran.Milliseconds(), before, after, crashOutcomes(t, st))
	}

	p := newProc(t, "HELPDESK_CONFIG="+conf)
	p.start()
	mc := crashClient(t, dv.addr, user)
	p.waitFor("every message recorded and moved", patience, func() bool {
		return created() >= total && mc.count("INBOX") == 0
	})
	t.Logf("all recorded and moved %s after the first start", time.Since(start).Round(time.Millisecond))
	p.signal(syscall.SIGTERM)
	if code := p.waitExit(patience); code != 0 {
		t.Errorf("exit %d after SIGTERM", code)
	}

	got := crashOutcomes(t, st)
	if got[model.OutcomeCreated] != total || got[model.OutcomeFailed] != 0 ||
		len(got) > 2 || len(got) == 2 && got[model.OutcomeDuplicate] == 0 {
		t.Errorf("outcomes %v, want %d created, any duplicates, nothing else", got, total)
	}
	tickets, err := st.ListTickets(context.Background(), store.TicketFilter{})
	if err != nil || len(tickets) != total {
		t.Errorf("%d tickets (%v), want %d", len(tickets), err, total)
	}
	crashCheckOneTicketPerMessage(t, db, total)
	if n := mc.count("INBOX"); n != 0 {
		t.Errorf("INBOX holds %d messages, want 0", n)
	}
	if n := mc.count("Processed"); n != total {
		t.Errorf("Processed holds %d messages, want %d", n, total)
	}
	if n := mc.count("Failed"); n > 0 {
		t.Errorf("Failed holds %d messages, want 0", n)
	}
	mc.checkProcessedOnce(t, total)
}

// crashAwaitCommit returns as soon as the count of created messages grows:
// a kill right then falls between a batch's commit and its MOVE (a few
// milliseconds), the window that leaves recorded messages in INBOX. It
// returns too once all total are created (no commit will come); it fails
// when none comes for patience.
func crashAwaitCommit(t *testing.T, created func() int, total int) {
	t.Helper()
	n := created()
	for deadline := time.Now().Add(patience); n < total; {
		if created() != n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no commit for %s with %d of %d created", patience, n, total)
		}
		time.Sleep(500 * time.Microsecond)
	}
}

// crashCheckOneTicketPerMessage checks that each Message-ID was recorded
// created once, with a ticket of its own.
func crashCheckOneTicketPerMessage(t *testing.T, db *sql.DB, total int) {
	t.Helper()
	var ids, tickets, rows int
	err := db.QueryRow(`SELECT count(DISTINCT message_id), count(DISTINCT ticket_id), count(*)
		FROM raw_messages WHERE outcome = 'created'`).Scan(&ids, &tickets, &rows)
	if err != nil {
		t.Fatal(err)
	}
	if ids != total || tickets != total || rows != total {
		t.Errorf("created rows: %d, distinct Message-IDs %d, distinct tickets %d; want %d each", rows, ids, tickets, total)
	}
}

func crashOutcomes(t *testing.T, st *store.Store) map[model.Outcome]int {
	t.Helper()
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

// crashMail is message i, from a sender of its own: each opens a ticket.
func crashMail(i int) []byte {
	return []byte(fmt.Sprintf("From: User %d <u%d@crash.example>\r\nTo: support@help.example\r\n"+
		"Subject: Crash request %d\r\nMessage-ID: <c%d@crash.example>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n"+
		"Please help with %d.\r\n", i, i, i, i, i))
}

// imapView is the test's own IMAP connection to the mailbox.
type imapView struct {
	t *testing.T
	c *imapclient.Client
}

func crashClient(t *testing.T, addr, user string) *imapView {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(user, dovecotPass).Wait(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &imapView{t: t, c: c}
}

// count is the number of messages in folder (-1 if it does not exist).
func (v *imapView) count(folder string) int {
	st, err := v.c.Status(folder, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		return -1
	}
	return int(*st.NumMessages)
}

var crashMsgID = regexp.MustCompile(`(?mi)^Message-ID:\s*<c(\d+)@crash\.example>`)

// checkProcessedOnce checks that Processed holds each message exactly once.
func (v *imapView) checkProcessedOnce(t *testing.T, total int) {
	t.Helper()
	if _, err := v.c.Select("Processed", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	var all imap.SeqSet
	all.AddRange(1, 0)
	hdr := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
	msgs, err := v.c.Fetch(all, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{hdr}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	seen := make([]int, total)
	for _, m := range msgs {
		id := crashMsgID.FindSubmatch(m.FindBodySection(hdr))
		if id == nil {
			t.Errorf("a message in Processed without a test Message-ID")
			continue
		}
		n, _ := strconv.Atoi(string(id[1]))
		seen[n]++
	}
	var wrong []string
	for i, n := range seen {
		if n != 1 {
			wrong = append(wrong, fmt.Sprintf("c%d×%d", i, n))
		}
	}
	if len(wrong) > 0 {
		t.Errorf("Processed does not hold each message once: %s", strings.Join(wrong[:min(len(wrong), 20)], " "))
	}
}
