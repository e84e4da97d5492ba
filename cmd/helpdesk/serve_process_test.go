package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// helpdeskBinary builds the command once for the tests that run it as a
// separate process.
var helpdeskBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "helpdesk-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "helpdesk")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", &buildError{err, string(out)}
	}
	return bin, nil
})

type buildError struct {
	err error
	out string
}

func (b *buildError) Error() string { return b.err.Error() + ": " + b.out }

// proc is one `helpdesk serve` running in a folder of its own, with no
// configuration but free ports.
type proc struct {
	t                     *testing.T
	bin, dir              string
	http, smtp, imap      string
	env                   []string
	cmd                   *exec.Cmd
	stdout, stderr        *syncWriter
	exited                chan struct{}
	exitCode              int
	startedAt, stoppedAt  time.Time
	signalledAt, exitedAt time.Time
}

func newProc(t *testing.T, extraEnv ...string) *proc {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin, err := helpdeskBinary()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, bin: bin, dir: t.TempDir(), http: freeAddr(t), smtp: freeAddr(t), imap: freeAddr(t)}
	for _, kv := range os.Environ() { // no configuration from the machine running the tests
		if !strings.HasPrefix(kv, "HELPDESK_") {
			p.env = append(p.env, kv)
		}
	}
	p.env = append(p.env, "HELPDESK_HTTP="+p.http, "HELPDESK_LOCAL_SMTP="+p.smtp, "HELPDESK_LOCAL_IMAP="+p.imap)
	p.env = append(p.env, extraEnv...)
	return p
}

// start runs `helpdesk serve` and waits for /healthz.
func (p *proc) start() {
	p.t.Helper()
	p.stdout, p.stderr = &syncWriter{w: &strings.Builder{}}, &syncWriter{w: &strings.Builder{}}
	p.cmd = exec.Command(p.bin, "serve")
	p.cmd.Dir, p.cmd.Env, p.cmd.Stdout, p.cmd.Stderr = p.dir, p.env, p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.exited = make(chan struct{})
	go func() {
		err := p.cmd.Wait()
		p.exitedAt = time.Now()
		p.exitCode = p.cmd.ProcessState.ExitCode()
		_ = err
		close(p.exited)
	}()
	p.t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
		if p.t.Failed() {
			p.t.Logf("stdout:\n%s\nstderr:\n%s", p.stdout.String(), p.stderr.String())
		}
	})
	p.waitFor("/healthz", patience, func() bool {
		resp, err := http.Get("http://" + p.http + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}

func (p *proc) waitFor(what string, d time.Duration, ok func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		select {
		case <-p.exited:
			p.t.Fatalf("waiting for %s: serve exited with %d", what, p.exitCode)
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("waiting for %s: not after %s", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *proc) signal(s os.Signal) {
	p.t.Helper()
	p.signalledAt = time.Now()
	if err := p.cmd.Process.Signal(s); err != nil {
		p.t.Fatal(err)
	}
}

// waitExit waits up to d for the process to exit and returns its code; d
// is patience unless the test proves that serve exits before a longer
// time (a grace period, a relay's timeout).
func (p *proc) waitExit(d time.Duration) int {
	p.t.Helper()
	select {
	case <-p.exited:
		return p.exitCode
	case <-time.After(d):
		p.t.Fatalf("serve did not exit within %s", d)
		return -1
	}
}

// helpdesk runs another command of the binary in the same folder (same
// default database).
func (p *proc) helpdesk(args ...string) string {
	p.t.Helper()
	cmd := exec.Command(p.bin, args...)
	cmd.Dir, cmd.Env = p.dir, p.env
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		p.t.Fatalf("helpdesk %v: %v: %s", args, err, errb.String())
	}
	return string(out)
}

// captured returns the notifications in the capture folder.
func (p *proc) captured() []string {
	files, _ := filepath.Glob(filepath.Join(p.dir, "helpdesk-sent", "*.eml"))
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil {
			out = append(out, string(b))
		}
	}
	return out
}

func (p *proc) get(path string) (int, string) {
	resp, err := http.Get("http://" + p.http + path)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func sendMail(t *testing.T, addr, from, subject, msgID string) {
	t.Helper()
	msg := "From: Ann <" + from + ">\r\nTo: support@localhost\r\nSubject: " + subject + "\r\nMessage-ID: <" + msgID + ">\r\n\r\nThe printer smokes.\r\n"
	if err := smtp.SendMail(addr, nil, from, []string{"support@localhost"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

// The quick start, as a separate process with no configuration: mail sent
// to the local SMTP port with a plain SMTP client becomes a ticket and an
// acknowledgement in the capture folder; SIGHUP reloads the templates;
// SIGTERM stops it cleanly, exit 0, within the grace period (ten minutes:
// an exit within patience is within it, and nothing was cut).
func TestServeZeroConfigAsAProcess(t *testing.T) {
	p := newProc(t, append(longGrace, "HELPDESK_TEMPLATES=tpl")...)
	if err := os.MkdirAll(filepath.Join(p.dir, "tpl"), 0o755); err != nil {
		t.Fatal(err)
	}
	p.start()
	// the banner is written a line at a time: read it once its last line is
	p.waitFor("the whole banner", patience, func() bool { return strings.Contains(p.stdout.String(), "  database: ") })
	if out := p.stdout.String(); !strings.Contains(out, "FOR TRYING AND TESTING ONLY") || !strings.Contains(out, "swaks --server "+p.smtp) ||
		!strings.Contains(out, "staff mail counts only as a reply to a notification") {
		t.Errorf("the banner does not say how to try it:\n%s", out)
	}
	sendMail(t, p.smtp, "ann@example.com", "Printer on fire", "p1@example.com")

	p.waitFor("the ticket", patience, func() bool {
		return strings.Contains(p.helpdesk("ticket", "list", "--json"), `"subject": "Printer on fire"`)
	})
	p.waitFor("the acknowledgement", patience, func() bool {
		for _, m := range p.captured() {
			if strings.Contains(m, "Envelope-To: <ann@example.com>") && strings.Contains(m, "[#1] Printer on fire") {
				return true
			}
		}
		return false
	})
	// The pass that read the message ends, the message is counted once it
	// is marked, and the send once it is written: each a moment after the
	// acknowledgement appears, so the test waits for them.
	p.eventually(func() error {
		code, body := p.get("/readyz")
		var rd readiness
		if err := json.Unmarshal([]byte(body), &rd); err != nil || code != 200 || rd.Status != "ready" ||
			len(rd.Mailboxes) != 1 || rd.Mailboxes[0].LastPoll == nil {
			return fmt.Errorf("/readyz %d: %s", code, body)
		}
		return nil
	})
	p.eventually(func() error {
		if _, m := p.get("/metrics"); !strings.Contains(m, "helpdesk_outbound_sent_total 1\n") ||
			!strings.Contains(m, `outcome="created"} 1`+"\n") || !strings.Contains(m, "helpdesk_outbox_oldest_due_age_seconds 0\n") {
			return fmt.Errorf("/metrics:\n%s", m)
		}
		return nil
	})

	// SIGHUP: an acknowledgement template of our own.
	tpl := "Subject: Got it: [#{{.TicketID}}] {{.Subject}}\n\n{{.Marker}}\n\nRELOADED TEMPLATE for ticket {{.TicketID}}\n"
	if err := os.MkdirAll(filepath.Join(p.dir, "tpl", "en"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.dir, "tpl", "en", "ack.txt"), []byte(tpl), 0o644); err != nil {
		t.Fatal(err)
	}
	p.signal(syscall.SIGHUP)
	p.waitFor("the reload", patience, func() bool { return strings.Contains(p.stderr.String(), "templates reloaded") })
	sendMail(t, p.smtp, "bea@example.com", "Scanner", "p2@example.com")
	p.waitFor("the acknowledgement from the reloaded template", patience, func() bool {
		for _, m := range p.captured() {
			if strings.Contains(m, "Envelope-To: <bea@example.com>") && strings.Contains(m, "RELOADED TEMPLATE for ticket 2") {
				return true
			}
		}
		return false
	})

	p.signal(syscall.SIGTERM)
	if code := p.waitExit(patience); code != 0 {
		t.Fatalf("exit %d after SIGTERM", code)
	}
	if log := p.stderr.String(); !strings.Contains(log, "stopped cleanly") || strings.Contains(log, "send cut at shutdown") {
		t.Errorf("no clean stop in the log, or work cut")
	}
}

// silentRelay greets, answers EHLO, and then never answers again: a send to
// it stays in flight (at MAIL FROM) until it is cut.
func silentRelay(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go hangAfterEHLO(c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

func hangAfterEHLO(c net.Conn) {
	fmt.Fprintf(c, "220 silent.test ESMTP\r\n")
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if cmd := strings.ToUpper(strings.TrimSpace(line)); strings.HasPrefix(cmd, "EHLO") || strings.HasPrefix(cmd, "HELO") {
			fmt.Fprintf(c, "250 silent.test\r\n")
		}
	}
}

// inFlight waits until the worker has a send in progress.
func (p *proc) inFlight() {
	p.t.Helper()
	p.waitFor("a send in flight", patience, func() bool {
		_, m := p.get("/metrics")
		return strings.Contains(m, "helpdesk_outbound_in_flight 1")
	})
}

// A send that outlasts the grace period is cut, its row given back, and
// serve still exits 0, after the grace period and well before the send's
// own timeout. The timeout is ten minutes and the test waits patience for
// the exit: the cut ended the send, not the relay. How soon after the
// grace serve exits is not measured; that it waited the grace is (a busy
// machine only makes the wait longer).
func TestServeCutsInFlightWorkAfterTheGracePeriod(t *testing.T) {
	relay := silentRelay(t)
	p := newProc(t, "HELPDESK_SHUTDOWN_GRACE=3s", "HELPDESK_SMTP=smtp://"+relay+"?tls=none&timeout=10m")
	p.start()
	sendMail(t, p.smtp, "ann@example.com", "Stuck", "s1@example.com")
	p.inFlight()
	p.signal(syscall.SIGTERM)
	if code := p.waitExit(patience); code != 0 {
		t.Fatalf("exit %d", code)
	}
	// The sends' share of the grace is two thirds of it with the local mail
	// server (workerGrace): 2 s.
	if took := p.exitedAt.Sub(p.signalledAt); took < 2*time.Second {
		t.Errorf("exited after %s: in-flight work was not given its grace (2s of 3s)", took)
	}
	if !strings.Contains(p.stderr.String(), "send cut at shutdown; row given back") {
		t.Errorf("the log does not say the send was cut")
	}
	if out := p.helpdesk("outbox", "list", "--json"); !strings.Contains(out, `"status": "queued"`) {
		t.Errorf("the cut send's row is not queued again: %s", out)
	}
}

// A second SIGTERM during the grace period exits at once: with a send in
// flight for a relay whose timeout is thirty minutes and a grace period of
// ten, an exit within patience (two) is one that waited for neither.
func TestServeSecondSignalExitsAtOnce(t *testing.T) {
	relay := silentRelay(t)
	p := newProc(t, append(longGrace, "HELPDESK_SMTP=smtp://"+relay+"?tls=none&timeout=30m")...)
	p.start()
	sendMail(t, p.smtp, "ann@example.com", "Stuck", "s2@example.com")
	p.inFlight()
	p.signal(syscall.SIGTERM)
	p.waitFor("the shutdown to begin", patience, func() bool { return strings.Contains(p.stderr.String(), "stopping:") })
	p.signal(syscall.SIGTERM)
	if code := p.waitExit(patience); code != 1 {
		t.Fatalf("exit %d after a second signal, want 1", code)
	}
	if !strings.Contains(p.stderr.String(), "second signal") {
		t.Errorf("the second signal is not reported")
	}
}

// A port already taken stops serve at once with a message naming it.
func TestServeTakenPortIsAClearError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p := newProc(t)
	cmd := exec.Command(p.bin, "serve")
	cmd.Dir, cmd.Env = p.dir, append(p.env, "HELPDESK_LOCAL_SMTP="+ln.Addr().String())
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err = cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(errb.String(), ln.Addr().String()) ||
		!strings.Contains(errb.String(), "HELPDESK_LOCAL_SMTP") {
		t.Fatalf("exit %d (%v): %s", code, err, errb.String())
	}
}
