package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// sqliteFile is the file a SQLite database URL names, read as store.Open
// reads it ("sqlite:PATH", "sqlite://PATH", or a plain path, with or
// without "?options"); ok is false for PostgreSQL and in-memory databases.
func sqliteFile(url string) (path string, ok bool) {
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return "", false
	}
	path = strings.TrimPrefix(url, "sqlite:")
	if path != url {
		path = strings.TrimPrefix(path, "//")
	}
	path, _, _ = strings.Cut(path, "?")
	path = strings.TrimPrefix(path, "file:")
	if path == "" || path == ":memory:" {
		return "", false
	}
	return path, true
}

// errNoStore is a command other than serve, ingest and the first owner's
// staff add run on a store that does not exist (cli.md): a typo in --db
// must not show an empty helpdesk, nor create one.
type errNoStore struct{ path string }

func (e errNoStore) Error() string {
	return fmt.Sprintf("no helpdesk store at %s: check --db or HELPDESK_DB ('serve', 'ingest' and the first owner's 'staff add' create one)", e.path)
}

// missingStore reports the SQLite file of url when it does not exist. On
// PostgreSQL a database that exists is a store: one without tables gets
// the schema (documented in docs/operations.md).
func missingStore(url string) (string, bool, error) {
	path, ok := sqliteFile(url)
	if !ok {
		return "", false, nil
	}
	_, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		return path, true, nil
	case err != nil:
		return "", false, fmt.Errorf("the store %s: %w", path, err)
	}
	return "", false, nil
}

// storeURL is the database this command opens: the configured one, or,
// when it does not exist yet, an error for a command that needs an
// existing store, or a throwaway one for a dry run that would create it
// (the preview of a new store is the preview of an empty one, and a dry
// run creates nothing).
func (e *env) storeURL() (string, error) {
	url := e.cfg.DB
	path, missing, err := missingStore(url)
	if err != nil || !missing {
		return url, err
	}
	if !e.mayCreate {
		return "", errNoStore{path}
	}
	if !e.g.dryRun {
		return url, nil
	}
	dir, err := os.MkdirTemp("", "helpdesk-dry-run-")
	if err != nil {
		return "", fmt.Errorf("dry run on a store that does not exist yet: %w", err)
	}
	e.scratch = dir
	fmt.Fprintf(e.stderr, "helpdesk: no store at %s yet: the dry run shows what would happen on a new, empty one\n", path)
	return "sqlite:" + filepath.Join(dir, "dry-run.db"), nil
}
