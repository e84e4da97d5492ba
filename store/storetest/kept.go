package storetest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// KeptSharedBuffersEnv names the environment variable that sets a kept
// server's shared_buffers (256MB, as the throwaway server's, by default).
const KeptSharedBuffersEnv = "HELPDESK_KEPT_SHARED_BUFFERS"

// KeptExplainEnv names the environment variable that, set to 1, makes a
// kept server log the plan of every statement it runs, with its real
// row counts and times (PostgreSQL's auto_explain), each line prefixed
// with its database: how the full store's plans are shown (issue 20.3).
const KeptExplainEnv = "HELPDESK_KEPT_EXPLAIN"

// KeptServer is a PostgreSQL server whose data directory outlives the
// test binary, so that a store that takes minutes to fill (the full-size
// store of issue 20) is filled once and reused by later runs. The server
// itself stops when the binary ends (Main), like the throwaway one; only
// its files stay.
type KeptServer struct {
	s *server
}

var (
	keptMu      sync.Mutex
	keptServers = map[string]*KeptServer{}
)

// Kept starts, once per test binary and directory, a PostgreSQL server on
// the data directory dir/data, creating it with initdb first when it does
// not exist. It uses the throwaway server's settings (fsync off: a machine
// crash may spoil the directory; remove it and fill it again). Two test
// binaries cannot use one directory at once: the second fails to start.
// Skips, or fails under HELPDESK_TEST_STRICT=1, where PostgreSQL is missing.
func Kept(tb testing.TB, dir string) *KeptServer {
	tb.Helper()
	keptMu.Lock()
	defer keptMu.Unlock()
	if k := keptServers[dir]; k != nil {
		return k
	}
	bin, ok := pgBinDir()
	if !ok {
		skip(tb, "PostgreSQL unavailable for tests: no initdb and postgres binaries")
	}
	cred, err := serverCredential()
	if err != nil {
		skip(tb, "PostgreSQL unavailable for tests: %v", err)
	}
	s, err := keptServerDir(dir, cred)
	if err != nil {
		tb.Fatalf("kept PostgreSQL in %s: %v", dir, err)
	}
	if !isFile(filepath.Join(s.dir, "data", "PG_VERSION")) {
		if err := s.initdb(bin, cred); err != nil {
			tb.Fatalf("kept PostgreSQL in %s: %v", dir, err)
		}
	}
	if err := s.start(bin, cred); err != nil {
		s.stop()
		tb.Fatalf("kept PostgreSQL in %s: %v", dir, err)
	}
	k := &KeptServer{s: s}
	keptServers[dir] = k
	return k
}

// keptServerDir prepares dir as a kept server's directory: its data and
// socket directories, owned by the server's user, and a free port.
func keptServerDir(dir string, cred *syscall.Credential) (*server, error) {
	s := &server{dir: dir, sock: filepath.Join(dir, "sock"), exited: make(chan struct{}), keep: true}
	if b := os.Getenv(KeptSharedBuffersEnv); b != "" {
		s.extra = []string{"-c", "shared_buffers=" + b}
	}
	if os.Getenv(KeptExplainEnv) == "1" {
		s.extra = append(s.extra, "-c", "session_preload_libraries=auto_explain", "-c", "auto_explain.log_min_duration=0",
			"-c", "auto_explain.log_analyze=on", "-c", "auto_explain.log_timing=off", "-c", "log_line_prefix=%m [%p] %d ")
	}
	for _, d := range []string{dir, s.sock, filepath.Join(dir, "data")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("make server directory: %w", err)
		}
		if cred != nil {
			if err := os.Chown(d, int(cred.Uid), int(cred.Gid)); err != nil {
				return nil, fmt.Errorf("give server directory to postgres: %w", err)
			}
		}
	}
	var err error
	if s.port, err = freePort(); err != nil {
		return nil, err
	}
	return s, nil
}

// URL returns the URL of database name on the server.
func (k *KeptServer) URL(name string) string { return k.s.url(name) }

// HasDatabase reports whether database name exists.
func (k *KeptServer) HasDatabase(tb testing.TB, name string) bool {
	tb.Helper()
	var n int
	if err := k.s.admin.QueryRow(`SELECT COUNT(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
		tb.Fatalf("look for database %s: %v", name, err)
	}
	return n > 0
}

// CreateDatabase drops database name if it exists and creates it empty.
func (k *KeptServer) CreateDatabase(tb testing.TB, name string) {
	tb.Helper()
	if strings.ContainsFunc(name, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') }) {
		tb.Fatalf("database name %q: only a-z, 0-9 and _", name)
	}
	for _, q := range []string{"DROP DATABASE IF EXISTS " + name, "CREATE DATABASE " + name} {
		if _, err := k.s.admin.Exec(q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
}

// stopKept stops every kept server, leaving their files.
func stopKept() {
	keptMu.Lock()
	defer keptMu.Unlock()
	for dir, k := range keptServers {
		k.s.stop()
		delete(keptServers, dir)
	}
}
