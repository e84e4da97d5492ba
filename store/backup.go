package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/jmoiron/sqlx"
)

// ErrNotEmbedded is Backup asked to copy a store that is not an embedded
// SQLite file: a PostgreSQL database is backed up with its own tools
// (pg_dump).
var ErrNotEmbedded = errors.New("not an embedded SQLite store")

// BackupInfo describes a copy Backup made.
type BackupInfo struct {
	Path   string // the copy, an absolute path
	Bytes  int64  // its size
	Schema int    // its schema version (0: no migration applied yet)
}

// Backup writes a consistent copy of the SQLite store at url to path with
// VACUUM INTO, which reads one snapshot: processes writing the store
// meanwhile (serve, ingest) wait for nothing and are not seen half-way.
// The copy is a complete store but for the mailbox leases of the processes
// that were running, which it drops: copy it over the store while no
// process runs to restore, and serve reads its mailboxes at once. Backup neither migrates nor creates the
// store, and never overwrites path: it writes a temporary file beside it,
// checks it, syncs it and only then gives it its name. A PostgreSQL url
// is refused with ErrNotEmbedded.
func Backup(ctx context.Context, url, path string) (BackupInfo, error) {
	backend, dsn, err := parseURL(url)
	if err != nil {
		return BackupInfo{}, err
	}
	if backend != SQLite {
		return BackupInfo{}, fmt.Errorf("back up %s: %w", backend, ErrNotEmbedded)
	}
	src, _, _ := strings.Cut(dsn, "?")
	if _, err := os.Stat(src); err != nil {
		return BackupInfo{}, fmt.Errorf("back up the store %s: %w", src, err)
	}
	dst, err := filepath.Abs(path)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("back up to %s: %w", path, err)
	}
	if _, err := os.Lstat(dst); err == nil {
		return BackupInfo{}, fmt.Errorf("back up to %s: %w (a backup never replaces a file)", dst, os.ErrExist)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.partial")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("back up to %s: %w", dst, err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := vacuumInto(ctx, dsn, tmp.Name()); err != nil {
		return BackupInfo{}, fmt.Errorf("back up the store %s to %s: %w", src, dst, err)
	}
	if err := dropLeases(ctx, tmp.Name()); err != nil {
		return BackupInfo{}, fmt.Errorf("back up the store %s: %w", src, err)
	}
	info, err := checkCopy(ctx, tmp.Name())
	if err != nil {
		return BackupInfo{}, fmt.Errorf("check the backup of %s: %w", src, err)
	}
	if err := syncFile(tmp.Name()); err != nil {
		return BackupInfo{}, fmt.Errorf("back up to %s: %w", dst, err)
	}
	if err := os.Link(tmp.Name(), dst); err != nil { // fails, rather than replaces, when dst appeared meanwhile
		return BackupInfo{}, fmt.Errorf("back up to %s: %w", dst, err)
	}
	if err := syncFile(filepath.Dir(dst)); err != nil {
		return BackupInfo{}, fmt.Errorf("back up to %s: %w", dst, err)
	}
	info.Path = dst
	return info, nil
}

// vacuumInto copies the database of dsn into the empty file dst.
func vacuumInto(ctx context.Context, dsn, dst string) error {
	db, err := sqlx.Open(string(SQLite), dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return translate(err)
	}
	return nil
}

// dropLeases removes the mailbox leases from the copy at path: they belong
// to the processes running when it was taken, and would keep a restored
// store's serve from reading its mailboxes until they expire.
func dropLeases(ctx context.Context, path string) error {
	db, err := sqlx.Open(string(SQLite), path)
	if err != nil {
		return err
	}
	defer db.Close()
	var n int
	if err := db.QueryRowxContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'mailbox_leases'`).Scan(&n); err != nil || n == 0 {
		return translate(err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM mailbox_leases`); err != nil {
		return fmt.Errorf("drop the mailbox leases from the copy: %w", translate(err))
	}
	return nil
}

// checkCopy checks the copy at path (SQLite's quick_check) and reads its
// size and schema version.
func checkCopy(ctx context.Context, path string) (BackupInfo, error) {
	db, err := sqlx.Open(string(SQLite), "file:"+path+"?mode=ro")
	if err != nil {
		return BackupInfo{}, err
	}
	defer db.Close()
	var check string
	if err := db.QueryRowxContext(ctx, `PRAGMA quick_check`).Scan(&check); err != nil {
		return BackupInfo{}, translate(err)
	}
	if check != "ok" {
		return BackupInfo{}, fmt.Errorf("the copy is damaged: %s", check)
	}
	var info BackupInfo
	if info.Schema, err = schemaVersion(ctx, db, SQLite); err != nil {
		return BackupInfo{}, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return BackupInfo{}, err
	}
	info.Bytes = st.Size()
	return info, nil
}

// syncFile flushes the file or folder at path to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
