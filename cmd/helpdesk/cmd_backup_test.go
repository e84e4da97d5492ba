package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/helpdesk-gw/helpdesk/store"
)

// backupPatience guards the waits of the backup test against a hang; it
// measures nothing (habit 17).
const backupPatience = 2 * time.Minute

// backupMail is message i of the backup test's mailbox.
func backupMail(i int) []byte {
	return fmt.Appendf(nil, "From: User %d <user%d@acme.com>\r\nTo: support@help.example\r\nSubject: Backup case %d\r\n"+
		"Message-ID: <backup-%d@acme.com>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nPlease help with case %d.\r\n", i, i, i, i, i)
}

// backupMailbox is an in-memory IMAP server on loopback with one user and
// its INBOX; add appends messages to the INBOX.
func backupMailbox(t *testing.T) (addr string, add func(msgs ...[]byte)) {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("support", "secret")
	user.Create("INBOX", nil)
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps: imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}, InsecureAuth: true, Logger: quiet{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	c, err := imapclient.DialInsecure(ln.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login("support", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	return ln.Addr().String(), func(msgs ...[]byte) {
		for _, m := range msgs {
			app := c.Append("INBOX", int64(len(m)), nil)
			app.Write(m)
			if err := app.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := app.Wait(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// backupServe runs helpdesk serve in-process on db until the returned stop
// is called; stop returns serve's exit code and log.
func backupServe(t *testing.T, c *cli, db string) (stop func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	log := &syncWriter{w: &strings.Builder{}}
	env := map[string]string{}
	for k, v := range c.env {
		env[k] = v
	}
	go func() {
		done <- run(ctx, []string{"--db", db, "serve"}, strings.NewReader(""), io.Discard, log, func(k string) string { return env[k] })
	}()
	return func() (int, string) {
		cancel()
		return <-done, log.String()
	}
}

// storeFacts are what the backup test reads of a store: how far the
// mailbox was read, and the Message-IDs recorded, by outcome.
type storeFacts struct {
	lastUID  int
	recorded map[string]string // Message-ID → outcome
}

// readFacts reads a SQLite store file's checkpoint and raw messages.
func readFacts(t *testing.T, path string) storeFacts {
	t.Helper()
	f, twice, err := factsOf(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, id := range twice {
		t.Errorf("%s: %s recorded twice", path, id)
	}
	return f
}

// factsOf reads the store file at path, and the Message-IDs recorded more
// than once.
func factsOf(path string) (f storeFacts, twice []string, err error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return f, nil, err
	}
	defer db.Close()
	f.recorded = map[string]string{}
	err = db.QueryRow(`SELECT last_uid FROM mailbox_state WHERE mailbox = 'support'`).Scan(&f.lastUID)
	if err != nil && err != sql.ErrNoRows {
		return f, nil, err
	}
	rows, err := db.Query(`SELECT message_id, outcome FROM raw_messages`)
	if err != nil {
		return f, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, outcome string
		if err := rows.Scan(&id, &outcome); err != nil {
			return f, nil, err
		}
		if _, ok := f.recorded[id]; ok {
			twice = append(twice, id)
		}
		f.recorded[id] = outcome
	}
	return f, twice, rows.Err()
}

// checkConsistent: a consistent copy holds exactly the messages up to its
// checkpoint, each a new ticket: what a transaction committed, whole.
func (f storeFacts) checkConsistent(t *testing.T, what string) {
	t.Helper()
	if len(f.recorded) != f.lastUID {
		t.Errorf("%s: checkpoint at UID %d but %d messages recorded: not a consistent copy", what, f.lastUID, len(f.recorded))
	}
	for i := 1; i <= f.lastUID; i++ {
		if o := f.recorded[fmt.Sprintf("backup-%d@acme.com", i)]; o != "created" {
			t.Errorf("%s: message %d (below the checkpoint, UID %d) recorded as %q, want created", what, i, f.lastUID, o)
		}
	}
}

// waitRecorded waits until the store at path has read the mailbox up to
// uid, with serve still running.
func waitRecorded(t *testing.T, path string, uid int, stop func() (int, string)) storeFacts {
	t.Helper()
	deadline := time.Now().Add(backupPatience)
	for {
		f, _, err := factsOf(path) // the store may not exist yet, or be busy
		if err == nil && f.lastUID >= uid {
			return readFacts(t, path)
		}
		if time.Now().After(deadline) {
			_, log := stop()
			t.Fatalf("%s: the mailbox was not read up to UID %d within %s (%v); log:\n%s", path, uid, backupPatience, err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestBackupWhileServeIngestsAndRestore: helpdesk backup copies the store
// while serve records mail; every copy is consistent (its checkpoint and
// its messages agree); a copy restored into a fresh folder has every ticket
// and raw message it covers, and serve on it reads the same mailbox again
// from the copy's checkpoint, recording each later message once and none
// twice.
func TestBackupWhileServeIngestsAndRestore(t *testing.T) {
	const half, total = 30, 60
	addr, add := backupMailbox(t)
	for i := 1; i <= half; i++ {
		add(backupMail(i))
	}
	c := newCLI(t)
	c.env["HELPDESK_IMAP"] = fmt.Sprintf("imap://support:secret@%s/INBOX?tls=none&poll=100ms&name=support&mark=seen&batch=3", addr)
	c.env["HELPDESK_HTTP"] = freeAddr(t)
	c.env["HELPDESK_CAPTURE_DIR"] = filepath.Join(t.TempDir(), "sent")
	live := strings.TrimPrefix(c.db, "sqlite:")
	backups := t.TempDir()

	stop := backupServe(t, c, c.db)
	waitRecorded(t, live, half, stop)
	mid := filepath.Join(backups, "mid.db")
	out := c.ok("backup", mid)
	if !strings.Contains(out, "backed up "+c.db) || !strings.Contains(out, mid) {
		t.Errorf("backup said:\n%s", out)
	}
	// The rest arrives; copies taken while it is recorded are consistent.
	go add(func() (m [][]byte) {
		for i := half + 1; i <= total; i++ {
			m = append(m, backupMail(i))
		}
		return m
	}()...)
	midway := 0
	for k := 0; ; k++ {
		path := filepath.Join(backups, fmt.Sprintf("during-%d.db", k))
		c.ok("backup", path)
		f := readFacts(t, path)
		f.checkConsistent(t, path)
		if f.lastUID == total {
			t.Logf("%d of %d copies were taken with the second half partly recorded", midway, k+1)
			break
		}
		if f.lastUID > half {
			midway++
		}
		if k > 10000 {
			t.Fatalf("the mailbox was not read to its end (UID %d of %d)", f.lastUID, total)
		}
	}
	if code, log := stop(); code != 0 {
		t.Fatalf("serve exit %d:\n%s", code, log)
	}

	// Restore the copy taken half-way into a fresh folder.
	restored := filepath.Join(t.TempDir(), "helpdesk.db")
	b, err := os.ReadFile(mid)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, restored, string(b))
	f := readFacts(t, restored)
	f.checkConsistent(t, "the restored copy")
	if f.lastUID != half {
		t.Fatalf("the copy taken after %d messages has its checkpoint at UID %d", half, f.lastUID)
	}
	checkTicketsAndRaw(t, c, restored, half)

	// serve on the restored store reads the same mailbox from there on.
	stop = backupServe(t, c, "sqlite:"+restored)
	waitRecorded(t, restored, total, stop)
	if code, log := stop(); code != 0 {
		t.Fatalf("serve on the restored store: exit %d:\n%s", code, log)
	}
	f = readFacts(t, restored)
	f.checkConsistent(t, "the restored store after serve")
	if len(f.recorded) != total {
		t.Errorf("the restored store recorded %d messages; want each of the %d once", len(f.recorded), total)
	}
	checkTicketsAndRaw(t, c, restored, total)
}

// checkTicketsAndRaw checks, as an operator would, that the store at path
// has a ticket for each of messages 1..n (ticket list), and each message's
// raw bytes as they arrived.
func checkTicketsAndRaw(t *testing.T, c *cli, path string, n int) {
	t.Helper()
	var list []struct {
		Subject string `json:"subject"`
	}
	mustJSON(t, c.ok("--db", "sqlite:"+path, "ticket", "list", "--json"), &list)
	subjects := map[string]int{}
	for _, tk := range list {
		subjects[tk.Subject]++
	}
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := 1; i <= n; i++ {
		if s := fmt.Sprintf("Backup case %d", i); subjects[s] != 1 {
			t.Errorf("%s: %d tickets %q; want 1", path, subjects[s], s)
		}
		meta, err := st.RawByMessageID(ctx, fmt.Sprintf("backup-%d@acme.com", i), fmt.Sprintf("user%d@acme.com", i))
		if err != nil {
			t.Errorf("%s: raw message %d: %v", path, i, err)
			continue
		}
		raw, err := st.RawByID(ctx, meta.ID)
		if err != nil || !bytes.Equal(raw.Raw, backupMail(i)) {
			t.Errorf("%s: raw message %d is not the message that arrived (%v)", path, i, err)
		}
	}
	if len(list) != n {
		t.Errorf("%s: %d tickets; want %d", path, len(list), n)
	}
}

// On PostgreSQL, backup refuses in one line that points to pg_dump, without
// connecting.
func TestBackupOnPostgresPointsToPgDump(t *testing.T) {
	c := newCLI(t)
	c.db = "postgres://helpdesk@127.0.0.1:1/helpdesk"
	path := filepath.Join(t.TempDir(), "b.db")
	code, out, errs := c.run("", "backup", path)
	if code != 1 || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "pg_dump") || !strings.Contains(errs, "pg_restore") {
		t.Errorf("backup on PostgreSQL: exit %d, %q, %q; want exit 1 and one line naming pg_dump and pg_restore", code, out, errs)
	}
	if _, err := os.Stat(path); err == nil {
		t.Errorf("backup on PostgreSQL wrote %s", path)
	}
}
