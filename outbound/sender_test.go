package outbound_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	gomailer "github.com/wneessen/go-mail"

	"github.com/helpdesk-gw/helpdesk/outbound"
	"github.com/helpdesk-gw/helpdesk/outbound/smtptest"
)

func TestParseRelayURL(t *testing.T) {
	for _, c := range []struct {
		url, want, err string
	}{
		{"smtps://me%40x.com:p%3Ass@mail.example.com", "smtp relay me@x.com:xxxxx@mail.example.com:465 (tls implicit, 2 connections, rate 0/s)", ""},
		{"smtp://u:p@mail.example.com", "smtp relay u:xxxxx@mail.example.com:587 (tls starttls, 2 connections, rate 0/s)", ""},
		{"smtp://127.0.0.1:2525?tls=none", "smtp relay 127.0.0.1:2525 (tls none, 2 connections, rate 0/s)", ""},
		{"smtp://u:p@localhost:2525?tls=none&pool=4&rate=10&burst=5&timeout=5s&idle=10s&helo=me&auth=login", "smtp relay u:xxxxx@localhost:2525 (tls none, 4 connections, rate 10/s)", ""},
		{"smtp://[::1]:25?tls=none", "smtp relay [::1]:25 (tls none, 2 connections, rate 0/s)", ""},
		{"smtp://u:p@relay.example.com?tls=none", "", "not a loopback address"},
		{"http://mail.example.com", "", `scheme "http"`},
		{"smtp://:25", "", "no host"},
		{"smtp://h:99999", "", "port"},
		{"smtp://h?pool=0", "", "pool"},
		{"smtp://h?rate=-1", "", "rate"},
		{"smtp://h?tls=maybe", "", "tls="},
		{"smtp://h?timeout=soon", "", "timeout"},
		{"smtp://h?colour=blue", "", "unknown parameter"},
		{"smtp://u:sec ret@h\x7f", "", "smtp relay URL"},
	} {
		o, err := outbound.ParseRelayURL(c.url)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: error %v, want one containing %q", c.url, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.url, err)
		case c.err == "" && o.String() != c.want:
			t.Errorf("%s: %s, want %s", c.url, o, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "sec ret") {
			t.Errorf("%s: the error shows the password: %v", c.url, err)
		}
	}
	o, _ := outbound.ParseRelayURL("smtp://u:p@localhost:2525?tls=none&pool=4&rate=10&burst=5&timeout=5s&idle=10s&helo=me&auth=login")
	if o.Username != "u" || o.Password != "p" || o.Connections != 4 || o.Burst != 5 || o.Timeout != 5*time.Second ||
		o.IdleTimeout != 10*time.Second || o.HELO != "me" || o.Auth != "LOGIN" {
		t.Errorf("options %+v", o)
	}
}

func testMsg(t testing.TB, to string) *gomailer.Msg {
	t.Helper()
	m := gomailer.NewMsg()
	if err := m.EnvelopeFrom("support+bounce-x@help.example"); err != nil {
		t.Fatal(err)
	}
	if err := m.From("support@help.example"); err != nil {
		t.Fatal(err)
	}
	if err := m.To(to); err != nil {
		t.Fatal(err)
	}
	m.Subject("test")
	m.SetBodyString(gomailer.TypeTextPlain, "hello")
	return m
}

func TestSenderSTARTTLSWithAuthReusesOneConnection(t *testing.T) {
	srvTLS, cliTLS := smtptest.SelfSigned(t)
	srv := smtptest.Start(t, smtptest.Options{TLS: srvTLS, Users: map[string]string{"me@help.example": "s3cret"}})
	o, err := outbound.ParseRelayURL(fmt.Sprintf("smtp://me%%40help.example:s3cret@127.0.0.1:%d?pool=1", srv.Port()))
	if err != nil {
		t.Fatal(err)
	}
	o.TLSConfig = cliTLS
	s, err := outbound.NewSender(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 5 {
		if err := s.Send(context.Background(), testMsg(t, fmt.Sprintf("u%d@example.com", i))); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if n, conns := len(srv.Messages()), srv.Connections(); n != 5 || conns != 1 {
		t.Fatalf("%d messages over %d connections, want 5 over 1", n, conns)
	}
	if got := srv.Messages()[0].From; got != "support+bounce-x@help.example" {
		t.Fatalf("MAIL FROM %q", got)
	}
	// A wrong password is temporary: it is our configuration, not the message.
	o.Password = "wrong"
	bad, _ := outbound.NewSender(o, nil)
	defer bad.Close()
	err = bad.Send(context.Background(), testMsg(t, "u@example.com"))
	if err == nil || outbound.IsPermanent(err) {
		t.Fatalf("wrong password: %v (permanent %v), want a temporary error", err, outbound.IsPermanent(err))
	}
}

func TestSenderImplicitTLS(t *testing.T) {
	srvTLS, cliTLS := smtptest.SelfSigned(t)
	srv := smtptest.Start(t, smtptest.Options{TLS: srvTLS, Implicit: true, Users: map[string]string{"me": "pw"}})
	o, _ := outbound.ParseRelayURL(fmt.Sprintf("smtps://me:pw@127.0.0.1:%d", srv.Port()))
	o.TLSConfig = cliTLS
	s, err := outbound.NewSender(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send(context.Background(), testMsg(t, "u@example.com")); err != nil {
		t.Fatal(err)
	}
	// An untrusted certificate is refused (temporary: fix the relay or the roots).
	o.TLSConfig = nil
	untrusted, _ := outbound.NewSender(o, nil)
	defer untrusted.Close()
	if err := untrusted.Send(context.Background(), testMsg(t, "u@example.com")); err == nil || outbound.IsPermanent(err) {
		t.Fatalf("untrusted certificate: %v", err)
	}
}

// smtp:// requires STARTTLS: a relay that does not offer it gets nothing.
func TestSenderRequiresSTARTTLS(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	o, _ := outbound.ParseRelayURL(fmt.Sprintf("smtp://127.0.0.1:%d", srv.Port()))
	s, _ := outbound.NewSender(o, nil)
	defer s.Close()
	err := s.Send(context.Background(), testMsg(t, "u@example.com"))
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") || len(srv.Messages()) != 0 {
		t.Fatalf("plain relay without STARTTLS: %v", err)
	}
}

func TestSenderRepliesPermanentAndTemporary(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	srv.FailRcpt("gone@example.com", 550, "5.1.1 No such user")
	srv.FailRcpt("full@example.com", 452, "Mailbox full")
	s := newSender(t, srv, func(o *outbound.SenderOptions) { o.Connections = 1 })
	err := s.Send(context.Background(), testMsg(t, "gone@example.com"))
	if !outbound.IsPermanent(err) || err.Error() != "RCPT TO: 550 5.1.1 No such user" {
		t.Fatalf("550: %v", err)
	}
	err = s.Send(context.Background(), testMsg(t, "full@example.com"))
	if err == nil || outbound.IsPermanent(err) || !strings.Contains(err.Error(), "452") {
		t.Fatalf("452: %v", err)
	}
	if err := s.Send(context.Background(), testMsg(t, "ok@example.com")); err != nil {
		t.Fatalf("after refusals on the same connection: %v", err)
	}
	if srv.Connections() != 1 {
		t.Fatalf("%d connections: a refusal should not cost a connection", srv.Connections())
	}
}

// A relay that closed an idle connection costs nothing: the message goes
// over a new one.
func TestSenderReopensAConnectionTheRelayDropped(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	s := newSender(t, srv, func(o *outbound.SenderOptions) { o.Connections = 1 })
	if err := s.Send(context.Background(), testMsg(t, "a@example.com")); err != nil {
		t.Fatal(err)
	}
	srv.DropConnections()
	waitFor(t, "the relay's side closed", func() bool { return srv.Open() == 0 })
	if err := s.Send(context.Background(), testMsg(t, "b@example.com")); err != nil {
		t.Fatalf("after the relay dropped the connection: %v", err)
	}
	if len(srv.Messages()) != 2 || srv.Connections() != 2 {
		t.Fatalf("%d messages, %d connections", len(srv.Messages()), srv.Connections())
	}
}

func TestSenderPoolAndRateLimit(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	s := newSender(t, srv, func(o *outbound.SenderOptions) { o.Connections = 3 })
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			if err := s.Send(context.Background(), testMsg(t, fmt.Sprintf("u%d@example.com", i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if srv.Connections() > 3 || len(srv.Messages()) != 30 {
		t.Fatalf("%d messages over %d connections, want 30 over at most 3", len(srv.Messages()), srv.Connections())
	}
	limited := newSender(t, srv, func(o *outbound.SenderOptions) { o.Rate, o.Burst = 20, 1 })
	start := time.Now()
	for i := range 6 {
		if err := limited.Send(context.Background(), testMsg(t, fmt.Sprintf("r%d@example.com", i))); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 240*time.Millisecond {
		t.Fatalf("6 messages at 20/s took %v, want at least 250 ms", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := limited.Send(ctx, testMsg(t, "x@example.com")); err == nil || outbound.IsPermanent(err) {
		t.Fatalf("cancelled context: %v", err)
	}
}

func TestDirTransportWritesEachMessageOnce(t *testing.T) {
	dir := t.TempDir()
	d := outbound.Dir{Path: dir}
	m := testMsg(t, "u@example.com")
	m.SetMessageIDWithValue("abc/../x@help.example")
	for range 2 {
		if err := d.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepathGlob(dir + "/*.eml")
	if len(files) != 1 || !strings.HasSuffix(files[0], "abc..x@help.example.eml") {
		t.Fatalf("files %v", files)
	}
	b, _ := readFile(files[0])
	if !strings.HasPrefix(string(b), "Return-Path: <support+bounce-x@help.example>\r\nEnvelope-To: <u@example.com>\r\n") {
		t.Fatalf("file starts %q", b[:min(len(b), 120)])
	}
}

// A relay that accepts the connection and never greets must not hold a
// send (or a shutdown) past its context. The relay's own timeout is ten
// minutes and the test waits patience for the send to end: how soon it
// ends is not measured.
func TestSenderDialIsCutWhenContextEnds(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // silent: no 220 greeting
		}
	}()
	o, err := outbound.ParseRelayURL(fmt.Sprintf("smtp://127.0.0.1:%d?tls=none&timeout=10m", ln.Addr().(*net.TCPAddr).Port))
	if err != nil {
		t.Fatal(err)
	}
	s, err := outbound.NewSender(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Send(ctx, testMsg(t, "ann@acme.com")) }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("send to a silent relay succeeded")
		}
	case <-time.After(patience):
		t.Fatalf("send still waiting on the relay's greeting %v after its context ended", patience)
	}
}
