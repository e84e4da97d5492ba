// Package dovecottest starts a throwaway Dovecot IMAP server for tests, on
// a loopback port, from the dovecot binary on the machine (Debian package
// dovecot-imapd), as ../shared/notes/dovecot-test-instance.md describes.
// Without the binary, tests skip, or fail under HELPDESK_TEST_STRICT=1.
package dovecottest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// Password is every user's password.
const Password = "dovecot-test-pass"

// Server is a throwaway Dovecot started by a test, on a loopback port,
// with its configuration, mail and logs in a temporary folder. Any user
// logs in with Password and gets a Maildir of its own.
type Server struct {
	Dir      string // configuration, mail (Dir/mail/USER/Maildir) and logs
	Addr     string // host:port of its IMAP listener
	UID, GID int    // the owner of the mail files
	cmd      *exec.Cmd
}

// Binary finds the dovecot binary.
func Binary() (string, bool) {
	if p, err := exec.LookPath("dovecot"); err == nil {
		return p, true
	}
	for _, p := range []string{"/usr/sbin/dovecot", "/usr/local/sbin/dovecot"} {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, true
		}
	}
	return "", false
}

// skipOrFail skips t, or fails it when HELPDESK_TEST_STRICT=1 (as storetest does).
func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(storetest.StrictEnv) == "1" {
		t.Fatalf(format+" ("+storetest.StrictEnv+"=1)", args...)
	}
	t.Skipf(format, args...)
}

// Start starts Dovecot for t and stops it when t ends. Without a dovecot
// binary it skips t, or fails it under HELPDESK_TEST_STRICT=1.
func Start(t testing.TB) *Server {
	t.Helper()
	return start(t, passwordAuth, "")
}

// StartOAuth2 starts Dovecot whose users sign in with OAuth 2.0 bearer
// tokens only (SASL XOAUTH2 and OAUTHBEARER): its oauth2 passdb asks
// introspectionURL (RFC 7662, the token POSTed as a form field) about each
// token, at each sign-in (no cache), and accepts it when the answer says
// "active": true with "username" the user signing in.
func StartOAuth2(t testing.TB, introspectionURL string) *Server {
	t.Helper()
	oauth2 := "introspection_mode = post\nintrospection_url = " + introspectionURL +
		"\nusername_attribute = username\nactive_attribute = active\nactive_value = true\n"
	return start(t, oauth2Auth, oauth2)
}

// start starts Dovecot with the auth part of its configuration, and the
// oauth2 passdb's file when not empty.
func start(t testing.TB, auth, oauth2 string) *Server {
	t.Helper()
	bin, ok := Binary()
	if !ok {
		skipOrFail(t, "Dovecot unavailable for tests: no dovecot binary in PATH or /usr/sbin (Debian package dovecot-imapd)")
	}
	// not t.TempDir: its parent is private to us, and the mail uid may differ
	dir, err := os.MkdirTemp("", "helpdesk-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	d := &Server{Dir: dir, UID: os.Getuid(), GID: os.Getgid()}
	userdb := fmt.Sprintf("uid=%d gid=%d", d.UID, d.GID)
	if os.Geteuid() == 0 { // Dovecot refuses to deliver as root
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Fatal("running as root without a nobody user for the mail")
		}
		d.UID, _ = strconv.Atoi(u.Uid)
		d.GID, _ = strconv.Atoi(u.Gid)
		userdb = fmt.Sprintf("uid=%d gid=%d", d.UID, d.GID)
	}
	port := freePort(t)
	d.Addr = fmt.Sprintf("127.0.0.1:%d", port)
	conf := strings.NewReplacer("$AUTH", auth).Replace(dovecotConf)
	conf = strings.NewReplacer("$D", d.Dir, "$PORT", strconv.Itoa(port), "$USERDB", userdb).Replace(conf)
	mustWrite(t, filepath.Join(d.Dir, "dovecot.conf"), conf)
	if oauth2 != "" {
		mustWrite(t, filepath.Join(d.Dir, "oauth2.conf.ext"), oauth2)
	}
	mail := filepath.Join(d.Dir, "mail")
	if err := os.MkdirAll(mail, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chown(mail, d.UID, d.GID)
	os.Chmod(d.Dir, 0o755)
	d.cmd = exec.Command(bin, "-F", "-c", filepath.Join(d.Dir, "dovecot.conf"))
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	out, _ := os.Create(filepath.Join(d.Dir, "stdout.log"))
	d.cmd.Stdout, d.cmd.Stderr = out, out
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start dovecot: %v", err)
	}
	exited := make(chan struct{})
	go func() { d.cmd.Wait(); out.Close(); close(exited) }()
	t.Cleanup(func() {
		d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	d.waitReady(t, exited)
	return d
}

const dovecotConf = `base_dir = $D/run
state_dir = $D/state
instance_name = test-$PORT
log_path = $D/dovecot.log
info_log_path = $D/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
mail_location = maildir:$D/mail/%u/Maildir
mail_fsync = never
$AUTH
userdb {
  driver = static
  args = $USERDB home=$D/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $PORT
  }
  inet_listener imaps {
    port = 0
  }
}
`

// passwordAuth: any user, with Password.
const passwordAuth = `auth_mechanisms = plain login
passdb {
  driver = static
  args = password=` + Password + `
}`

// oauth2Auth: bearer tokens checked by the oauth2 passdb, with nothing
// cached. A refusal is answered without the failure delay, but Dovecot's
// penalty per client address still grows after each failure (4 s, 8 s,
// 15 s… before the next attempt is looked at).
const oauth2Auth = `auth_mechanisms = xoauth2 oauthbearer
auth_failure_delay = 0
auth_cache_size = 0
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $D/oauth2.conf.ext
}`

func (d *Server) waitReady(t testing.TB, exited chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", d.Addr, time.Second)
		if err == nil {
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "* OK") {
				return
			}
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(d.Dir, "dovecot.log"))
			out, _ := os.ReadFile(filepath.Join(d.Dir, "stdout.log"))
			t.Fatalf("dovecot exited during start:\n%s\n%s", out, log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("dovecot not ready after 15s")
		}
	}
}

var seedSeq atomic.Int64

// Seed writes messages straight into user's Maildir (much faster than
// APPEND); the next SELECT picks them up, in the order given. Each is
// written to tmp/ and renamed into new/, so Dovecot never reads one half
// written.
func (d *Server) Seed(t testing.TB, user string, msgs [][]byte) {
	t.Helper()
	base := filepath.Join(d.Dir, "mail", user, "Maildir")
	for _, sub := range []string{"", "cur", "new", "tmp"} {
		p := filepath.Join(base, sub)
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
		os.Chown(p, d.UID, d.GID)
		os.Chown(filepath.Dir(base), d.UID, d.GID)
	}
	now := time.Now().Unix()
	for _, m := range msgs {
		name := fmt.Sprintf("%d.M%dP%d.helpdesk-test", now, seedSeq.Add(1), os.Getpid())
		tmp := filepath.Join(base, "tmp", name)
		if err := os.WriteFile(tmp, m, 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chown(tmp, d.UID, d.GID)
		if err := os.Rename(tmp, filepath.Join(base, "new", name)); err != nil {
			t.Fatal(err)
		}
	}
}

func mustWrite(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
