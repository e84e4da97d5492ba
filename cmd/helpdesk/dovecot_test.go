package main

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
	"syscall"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// A throwaway Dovecot for the cluster test, as in ingest/imapsource's
// tests: a loopback port, any user logs in with dovecotPass and gets a
// Maildir of its own, everything in a temporary folder.
type dovecot struct {
	dir      string
	addr     string
	uid, gid int
}

const dovecotPass = "dovecot-test-pass"

func startDovecot(t *testing.T) *dovecot {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		for _, p := range []string{"/usr/sbin/dovecot", "/usr/local/sbin/dovecot"} {
			if _, serr := os.Stat(p); serr == nil {
				bin, err = p, nil
			}
		}
	}
	if err != nil {
		if os.Getenv(storetest.StrictEnv) == "1" {
			t.Fatal("no dovecot binary (Debian package dovecot-imapd)")
		}
		t.Skip("Dovecot unavailable for tests: no dovecot binary (Debian package dovecot-imapd)")
	}
	dir, err := os.MkdirTemp("", "helpdesk-dovecot-") // not t.TempDir: the mail uid may differ
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	d := &dovecot{dir: dir, uid: os.Getuid(), gid: os.Getgid()}
	if os.Geteuid() == 0 { // Dovecot refuses to deliver as root
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Fatal("running as root without a nobody user for the mail")
		}
		d.uid, _ = strconv.Atoi(u.Uid)
		d.gid, _ = strconv.Atoi(u.Gid)
	}
	d.addr = freeAddr(t)
	_, port, _ := net.SplitHostPort(d.addr)
	conf := strings.NewReplacer("$D", dir, "$PORT", port, "$USERDB", fmt.Sprintf("uid=%d gid=%d", d.uid, d.gid)).Replace(dovecotConf)
	if err := os.WriteFile(filepath.Join(dir, "dovecot.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	mail := filepath.Join(dir, "mail")
	os.MkdirAll(mail, 0o755)
	os.Chown(mail, d.uid, d.gid)
	os.Chmod(dir, 0o755)
	cmd := exec.Command(bin, "-F", "-c", filepath.Join(dir, "dovecot.conf"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dovecot: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	for deadline := time.Now().Add(15 * time.Second); ; {
		if c, err := net.DialTimeout("tcp", d.addr, time.Second); err == nil {
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "* OK") {
				return d
			}
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Fatalf("dovecot exited during start:\n%s", log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("dovecot not ready after 15s")
		}
	}
}

const dovecotConf = `base_dir = $D/run
state_dir = $D/state
instance_name = helpdesk-$PORT
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
  args = password=` + dovecotPass + `
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

// seed writes messages straight into user's Maildir.
func (d *dovecot) seed(t *testing.T, user string, msgs [][]byte) {
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
	for i, m := range msgs {
		p := filepath.Join(base, "new", fmt.Sprintf("%d.M%dP%d.%s", now, i, os.Getpid(), user))
		if err := os.WriteFile(p, m, 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chown(p, d.uid, d.gid)
	}
}
