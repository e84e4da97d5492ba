package imapsource

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

// dovecot is a throwaway Dovecot started by a test, on a loopback port,
// with its configuration, mail and logs in the test's temporary folder.
// Any user logs in with password testPass and gets a Maildir of its own.
type dovecot struct {
	dir      string
	addr     string
	uid, gid int
	cmd      *exec.Cmd
}

// dovecotBinary finds the dovecot binary.
func dovecotBinary() (string, bool) {
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

// startDovecot starts Dovecot for t and stops it when t ends.
func startDovecot(t testing.TB) *dovecot {
	t.Helper()
	bin, ok := dovecotBinary()
	if !ok {
		skipOrFail(t, "Dovecot unavailable for tests: no dovecot binary in PATH or /usr/sbin (Debian package dovecot-imapd)")
	}
	// not t.TempDir: its parent is private to us, and the mail uid may differ
	dir, err := os.MkdirTemp("", "helpdesk-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	d := &dovecot{dir: dir, uid: os.Getuid(), gid: os.Getgid()}
	userdb := fmt.Sprintf("uid=%d gid=%d", d.uid, d.gid)
	if os.Geteuid() == 0 { // Dovecot refuses to deliver as root
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Fatal("running as root without a nobody user for the mail")
		}
		d.uid, _ = strconv.Atoi(u.Uid)
		d.gid, _ = strconv.Atoi(u.Gid)
		userdb = fmt.Sprintf("uid=%d gid=%d", d.uid, d.gid)
	}
	port := freePort(t)
	d.addr = fmt.Sprintf("127.0.0.1:%d", port)
	conf := strings.NewReplacer("$D", d.dir, "$PORT", strconv.Itoa(port), "$USERDB", userdb).Replace(dovecotConf)
	mustWrite(t, filepath.Join(d.dir, "dovecot.conf"), conf)
	mail := filepath.Join(d.dir, "mail")
	if err := os.MkdirAll(mail, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chown(mail, d.uid, d.gid)
	os.Chmod(d.dir, 0o755)
	d.cmd = exec.Command(bin, "-F", "-c", filepath.Join(d.dir, "dovecot.conf"))
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	out, _ := os.Create(filepath.Join(d.dir, "stdout.log"))
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
auth_mechanisms = plain login
mail_location = maildir:$D/mail/%u/Maildir
mail_fsync = never
passdb {
  driver = static
  args = password=` + testPass + `
}
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

func (d *dovecot) waitReady(t testing.TB, exited chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", d.addr, time.Second)
		if err == nil {
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "* OK") {
				return
			}
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(d.dir, "dovecot.log"))
			out, _ := os.ReadFile(filepath.Join(d.dir, "stdout.log"))
			t.Fatalf("dovecot exited during start:\n%s\n%s", out, log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("dovecot not ready after 15s")
		}
	}
}

var seedSeq atomic.Int64

// seed writes messages straight into user's Maildir (much faster than
// APPEND); the next SELECT picks them up, in the order given.
func (d *dovecot) seed(t testing.TB, user string, msgs [][]byte) {
	t.Helper()
	base := filepath.Join(d.dir, "mail", user, "Maildir")
	for _, sub := range []string{"", "cur", "new", "tmp"} {
		p := filepath.Join(base, sub)
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
		os.Chown(p, d.uid, d.gid)
		os.Chown(filepath.Dir(base), d.uid, d.gid)
	}
	now := time.Now().Unix()
	for _, m := range msgs {
		name := fmt.Sprintf("%d.M%dP%d.helpdesk-test", now, seedSeq.Add(1), os.Getpid())
		p := filepath.Join(base, "new", name)
		if err := os.WriteFile(p, m, 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chown(p, d.uid, d.gid)
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
