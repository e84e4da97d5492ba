// Package storetest opens throwaway stores for tests, on both backends:
// SQLite in the test's temporary directory, and PostgreSQL in a private
// server that the test binary starts from the binaries on the machine
// (initdb and postgres from /usr/lib/postgresql/*/bin or PATH) on first use,
// with a fresh database for every call. HELPDESK_TEST_PGBIN names another
// directory of PostgreSQL binaries.
//
// A package whose tests use PostgreSQL calls Main from its TestMain, so the
// server is stopped and its files removed when the tests end:
//
//	func TestMain(m *testing.M) { storetest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, b store.Backend) {
//			s := storetest.Open(t, b)
//			...
//		})
//	}
//
// When the PostgreSQL binaries are missing the PostgreSQL tests are skipped,
// unless HELPDESK_TEST_STRICT=1, which makes them fail instead.
package storetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/helpdesk-gw/helpdesk/store"
)

// StrictEnv names the environment variable that turns skips for missing
// PostgreSQL binaries into failures when set to "1".
const StrictEnv = "HELPDESK_TEST_STRICT"

// Backends lists the backends every store test runs against.
func Backends() []store.Backend { return []store.Backend{store.SQLite, store.Postgres} }

// Run runs fn as one subtest per backend, named after the backend.
func Run(t *testing.T, fn func(t *testing.T, b store.Backend)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(string(b), func(t *testing.T) { fn(t, b) })
	}
}

// URL returns the URL of a fresh, empty database on backend b.
func URL(t testing.TB, b store.Backend) string {
	t.Helper()
	if b == store.Postgres {
		return PostgresURL(t)
	}
	return SQLiteURL(t)
}

// SQLiteURL returns the URL of a fresh SQLite database in t's temporary directory.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return "sqlite:" + filepath.Join(t.TempDir(), "helpdesk.db")
}

// Open opens a store on a fresh database of backend b, closed when t ends.
func Open(t testing.TB, b store.Backend) *store.Store {
	t.Helper()
	return OpenWith(t, b, store.Options{})
}

// OpenWith is Open with options (a fixed clock, a logger).
func OpenWith(t testing.TB, b store.Backend, opts store.Options) *store.Store {
	t.Helper()
	return OpenURL(t, URL(t, b), opts)
}

// OpenURL opens a store on url, closed when t ends.
func OpenURL(t testing.TB, url string, opts store.Options) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), url, opts)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s
}

// Main runs the tests, then stops the PostgreSQL server if one was started,
// and exits. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	stopServer()
	os.Exit(code)
}

// skip skips t, or fails it when StrictEnv is "1".
func skip(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(StrictEnv) == "1" {
		t.Fatalf(format+" ("+StrictEnv+"=1)", args...)
	}
	t.Skipf(format, args...)
}
