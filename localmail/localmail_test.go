package localmail

import (
	"context"
	"net"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

func start(t *testing.T) *Server {
	t.Helper()
	s, err := New(Options{SMTPAddr: "127.0.0.1:0", IMAPAddr: "127.0.0.1:0",
		Accept: func(rcpt string) bool { return strings.HasSuffix(strings.ToLower(rcpt), "@localhost") }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return s
}

// Mail sent to the SMTP port with a plain SMTP client arrives in the IMAP
// INBOX, read with a plain IMAP client.
func TestSMTPDeliversIntoTheIMAPMailbox(t *testing.T) {
	s := start(t)
	msg := "From: Ann <ann@acme.example>\r\nTo: support@localhost\r\nSubject: Printer\r\n\r\nIt smokes.\r\n"
	if err := smtp.SendMail(s.SMTPAddr(), nil, "ann@acme.example", []string{"support@localhost"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	if s.Pending() != 1 || s.Delivered() != 1 {
		t.Fatalf("pending %d delivered %d", s.Pending(), s.Delivered())
	}
	c, err := imapclient.DialInsecure(s.IMAPAddr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(Username, s.Password()).Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select(Inbox, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages != 1 || sel.UIDValidity != s.UIDValidity() {
		t.Fatalf("select: %+v, uidvalidity %d", sel, s.UIDValidity())
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{}}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	body := string(msgs[0].FindBodySection(&imap.FetchItemBodySection{}))
	if !strings.Contains(body, "Subject: Printer") || !strings.HasPrefix(body, "Return-Path: <ann@acme.example>") {
		t.Fatalf("body:\n%s", body)
	}
	if err := c.Login(Username, "wrong").Wait(); err == nil {
		t.Error("a wrong password logged in")
	}
}

func TestOtherRecipientsAreRefused(t *testing.T) {
	s := start(t)
	err := smtp.SendMail(s.SMTPAddr(), nil, "ann@acme.example", []string{"bob@acme.example"}, []byte("Subject: x\r\n\r\nx\r\n"))
	if err == nil || !strings.Contains(err.Error(), "550") || !strings.Contains(err.Error(), "helpdesk") {
		t.Fatalf("err = %v", err)
	}
	if s.Pending() != 0 {
		t.Fatal("delivered anyway")
	}
}

func TestTakenPortAndNonLoopbackAreRefusedClearly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = New(Options{SMTPAddr: ln.Addr().String(), IMAPAddr: "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), ln.Addr().String()) || !strings.Contains(err.Error(), "HELPDESK_LOCAL_SMTP") {
		t.Fatalf("taken port: %v", err)
	}
	_, err = New(Options{SMTPAddr: "0.0.0.0:2525", IMAPAddr: "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("non-loopback: %v", err)
	}
}

// StopSMTP closes the SMTP port and leaves the IMAP port open, so the
// poller can read what was delivered before the stop.
func TestStopSMTPKeepsIMAPOpen(t *testing.T) {
	s := start(t)
	s.StopSMTP(context.Background(), time.Second)
	if c, err := net.DialTimeout("tcp", s.SMTPAddr(), time.Second); err == nil {
		c.Close()
		t.Fatal("SMTP port still open")
	}
	c, err := imapclient.DialInsecure(s.IMAPAddr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
