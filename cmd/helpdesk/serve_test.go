package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

type quiet struct{}

func (quiet) Printf(string, ...any) {}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestServeReadsMailboxAndExposesMetrics(t *testing.T) {
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("support", "secret")
	user.Create("INBOX", nil)
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps: imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}, InsecureAuth: true, Logger: quiet{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	mc, err := imapclient.DialInsecure(ln.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	if err := mc.Login("support", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	raw := "From: Ann <ann@acme.com>\r\nTo: support@help.example\r\nSubject: Hi\r\nMessage-ID: <s1@acme.com>\r\n\r\nHello\r\n"
	app := mc.Append("INBOX", int64(len(raw)), nil)
	app.Write([]byte(raw))
	app.Close()
	if _, err := app.Wait(); err != nil {
		t.Fatal(err)
	}

	c := newCLI(t)
	httpAddr := freeAddr(t)
	c.env["HELPDESK_IMAP"] = fmt.Sprintf("imap://support:secret@%s/INBOX?tls=none&poll=200ms&name=support", ln.Addr())
	c.env["HELPDESK_HTTP"] = httpAddr
	c.env["HELPDESK_CAPTURE_DIR"] = filepath.Join(t.TempDir(), "sent")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	stderr := &syncWriter{w: &strings.Builder{}}
	go func() {
		done <- run(ctx, []string{"--db", c.db, "serve"}, strings.NewReader(""), io.Discard, stderr, func(k string) string { return c.env[k] })
	}()
	deadline := time.Now().Add(patience) // a hang guard, not a measure
	var metrics string
	// The message is counted when it is marked; the poll's time is set
	// once the whole pass has ended, a moment later.
	for !strings.Contains(metrics, `helpdesk_ingest_messages_total{mailbox="support",outcome="created"} 1`) ||
		!strings.Contains(metrics, `helpdesk_imap_last_poll_success_timestamp_seconds{mailbox="support"}`) {
		if time.Now().After(deadline) {
			cancel()
			<-done
			t.Fatalf("no ingested message or no last poll time in the metrics after %s:\n%s\nlog:\n%s", patience, metrics, stderr.String())
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d before the message was counted:\n%s\nlog:\n%s", code, metrics, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if resp, err := http.Get("http://" + httpAddr + "/metrics"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			metrics = string(b)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exit %d", code)
	}
	if out := c.ok("ticket", "list", "--json"); !strings.Contains(out, `"subject": "Hi"`) {
		t.Errorf("ticket list: %s", out)
	}
}

// syncWriter lets the test read a log that serve's goroutines write.
type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}
