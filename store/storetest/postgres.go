package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/lib/pq" // the admin connection that creates databases
)

// server is one private PostgreSQL server, shared by a test binary.
type server struct {
	dir    string // owns everything: data, socket, log
	sock   string
	port   int
	cmd    *exec.Cmd
	exited chan struct{}
	admin  *sql.DB
	nextDB atomic.Int64
	keep   bool     // a kept server (Kept): stop leaves its files
	extra  []string // more settings for postgres, after the defaults
}

var (
	pgOnce    sync.Once
	pgServer  *server
	pgMissing string // why the server cannot run here: a reason to skip
	pgErr     error  // why it failed to start: a reason to fail
)

// PostgresURL returns the URL of a fresh, empty database on the binary's
// private PostgreSQL server, starting the server on first use.
func PostgresURL(t testing.TB) string {
	t.Helper()
	pgOnce.Do(func() { pgServer, pgMissing, pgErr = startServer() })
	switch {
	case pgMissing != "":
		skip(t, "PostgreSQL unavailable for tests: %s", pgMissing)
	case pgErr != nil:
		t.Fatalf("start test PostgreSQL: %v", pgErr)
	}
	name := fmt.Sprintf("t%d", pgServer.nextDB.Add(1))
	if _, err := pgServer.admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	return pgServer.url(name)
}

func (s *server) url(db string) string {
	return fmt.Sprintf("postgres://postgres@/%s?host=%s&port=%d&sslmode=disable", db, s.sock, s.port)
}

// PGBinEnv names the environment variable that, when set, is the only
// directory searched for initdb and postgres.
const PGBinEnv = "HELPDESK_TEST_PGBIN"

// pgBinDir finds a directory holding initdb and postgres.
func pgBinDir() (string, bool) {
	if d := os.Getenv(PGBinEnv); d != "" {
		return d, isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "postgres"))
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return versionOf(b) - versionOf(a) })
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append([]string{filepath.Dir(real)}, dirs...)
		}
	}
	for _, d := range dirs {
		if isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "postgres")) {
			return d, true
		}
	}
	return "", false
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// startServer initialises and starts a server; it returns a reason to skip
// when PostgreSQL cannot run here, or an error when it failed to start.
func startServer() (*server, string, error) {
	bin, ok := pgBinDir()
	if !ok {
		return nil, "no initdb and postgres binaries in /usr/lib/postgresql/*/bin, PATH or $" + PGBinEnv, nil
	}
	cred, err := serverCredential()
	if err != nil {
		return nil, err.Error(), nil
	}
	s, err := newServerDir(cred)
	if err != nil {
		return nil, "", err
	}
	if err := s.initdb(bin, cred); err != nil {
		os.RemoveAll(s.dir)
		return nil, "", err
	}
	if err := s.start(bin, cred); err != nil {
		s.stop()
		return nil, "", err
	}
	return s, "", nil
}

// serverCredential is the user the server runs as: "postgres" when the tests
// run as root (initdb refuses root), else nil for the current user.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root and there is no postgres user to run the server as")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// dirPrefix starts the name of every server directory in os.TempDir.
const dirPrefix = "helpdesk-pg-"

func newServerDir(cred *syscall.Credential) (*server, error) {
	removeStaleDirs()
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("make server directory: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, fmt.Errorf("write server directory owner: %w", err)
	}
	s := &server{dir: dir, sock: filepath.Join(dir, "sock"), exited: make(chan struct{})}
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
	if s.port, err = freePort(); err != nil {
		return nil, err
	}
	return s, nil
}

// ownerFile holds the pid of the test binary that owns a server directory.
const ownerFile = "owner.pid"

// removeStaleDirs removes the directories of servers whose test binary died
// without stopping them (a panic skips Main's cleanup; the server itself
// dies with the binary).
func removeStaleDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, d := range dirs {
		if isStale(d) {
			os.RemoveAll(d)
		}
	}
}

func isStale(dir string) bool {
	if pid, ok := readPid(filepath.Join(dir, ownerFile)); ok {
		return !alive(pid)
	}
	// No owner: a directory being created now, or of an older harness.
	if pid, ok := readPid(filepath.Join(dir, "data", "postmaster.pid")); ok && alive(pid) {
		return false
	}
	fi, err := os.Stat(dir)
	return err == nil && time.Since(fi.ModTime()) > time.Minute
}

// readPid reads the number on the first line of a pid file.
func readPid(path string) (int, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	return pid, err == nil && pid > 0
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// freePort picks a TCP port nobody listens on; the server listens only on
// its socket, whose name carries the port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick a port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *server) initdb(bin string, cred *syscall.Credential) error {
	cmd := exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(s.dir, "data"),
		"-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Dir = s.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	return nil
}

// start runs postgres in the foreground as a child that dies with the test
// binary, and waits until it accepts connections.
func (s *server) start(bin string, cred *syscall.Credential) error {
	log, err := os.Create(filepath.Join(s.dir, "server.log"))
	if err != nil {
		return fmt.Errorf("create server log: %w", err)
	}
	defer log.Close()
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", filepath.Join(s.dir, "data"),
		"-p", strconv.Itoa(s.port), "-k", s.sock, "-c", "listen_addresses=",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200", "-c", "shared_buffers=256MB", "-c", "wal_init_zero=off",
		"-c", "max_wal_size=4GB", "-c", "checkpoint_timeout=30min")
	s.cmd.Args = append(s.cmd.Args, s.extra...)
	s.cmd.Dir = s.dir
	s.cmd.Stdout, s.cmd.Stderr = log, log
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(); err != nil {
		out, _ := os.ReadFile(log.Name())
		return fmt.Errorf("%w\n%s", err, out)
	}
	return nil
}

func (s *server) waitReady() error {
	admin, err := sql.Open("postgres", s.url("postgres"))
	if err != nil {
		return fmt.Errorf("open admin connection: %w", err)
	}
	s.admin = admin
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = admin.PingContext(ctx)
		cancel()
		switch {
		case err == nil:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("postgres not ready after 30s: %w", err)
		}
		select {
		case <-s.exited:
			return errors.New("postgres exited during start")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stopServer stops the shared server, if one was started.
func stopServer() {
	if pgServer != nil {
		pgServer.stop()
	}
	stopKept()
}

// stop shuts the server down fast and removes its files.
func (s *server) stop() {
	if s.admin != nil {
		s.admin.Close()
	}
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	}
	if !s.keep {
		os.RemoveAll(s.dir)
	}
}
