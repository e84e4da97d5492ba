package store_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// Backup copies a SQLite store into a store that opens with everything,
// but the mailbox leases of the processes that were running.
func TestBackupCopiesTheStoreWithoutLeases(t *testing.T) {
	t.Parallel()
	url := storetest.SQLiteURL(t)
	s := storetest.OpenURL(t, url, store.Options{})
	must(t, s.SetCheckpoint(ctx, store.MailboxCheckpoint{Mailbox: "support", UIDValidity: 7, LastUID: 42}))
	ok, err := s.AcquireLease(ctx, "support", "host-a", time.Hour)
	if err != nil || !ok {
		t.Fatalf("lease: %v, %v", ok, err)
	}
	dst := filepath.Join(t.TempDir(), "copy.db")
	info, err := store.Backup(ctx, url, dst)
	must(t, err)
	if info.Path != dst || info.Schema != store.SchemaVersion() || info.Bytes == 0 {
		t.Errorf("backup info %+v", info)
	}
	c := storetest.OpenURL(t, "sqlite:"+dst, store.Options{})
	if cp, err := c.Checkpoint(ctx, "support"); err != nil || cp.LastUID != 42 || cp.UIDValidity != 7 {
		t.Errorf("the copy's checkpoint: %+v, %v", cp, err)
	}
	if ok, err := c.AcquireLease(ctx, "support", "host-b", time.Minute); err != nil || !ok {
		t.Errorf("the copy keeps host-a's lease: another process cannot take it (%v, %v)", ok, err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(dst)); len(entries) > 3 { // copy.db and its -wal, -shm
		t.Errorf("the backup left files behind: %v", entries)
	}
}

// Backup never replaces a file, never creates a store, and refuses
// PostgreSQL (pg_dump's job) without connecting.
func TestBackupRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	url := storetest.SQLiteURL(t)
	storetest.OpenURL(t, url, store.Options{})
	taken := filepath.Join(dir, "taken.db")
	must(t, os.WriteFile(taken, []byte("keep me"), 0o600))
	if _, err := store.Backup(ctx, url, taken); !errors.Is(err, fs.ErrExist) {
		t.Errorf("backup over a file: %v; want fs.ErrExist", err)
	}
	if b, _ := os.ReadFile(taken); string(b) != "keep me" {
		t.Errorf("backup replaced a file: %q", b)
	}
	missing := filepath.Join(dir, "typo.db")
	if _, err := store.Backup(ctx, "sqlite:"+missing, filepath.Join(dir, "b.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("backup of a missing store: %v; want fs.ErrNotExist", err)
	}
	if _, err := store.Backup(ctx, "postgres://helpdesk@127.0.0.1:1/helpdesk", filepath.Join(dir, "p.db")); !errors.Is(err, store.ErrNotEmbedded) {
		t.Errorf("backup of PostgreSQL: %v; want ErrNotEmbedded", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("refused backups left files: %v", entries)
	}
}
