// Package localmail is the built-in mail server that lets `helpdesk serve`
// run with no configuration: an SMTP port that accepts mail for the
// helpdesk's addresses and delivers it into an in-memory IMAP mailbox,
// which the IMAP poller reads like any other. It is for trying the helpdesk
// and for tests only, and says so: it listens on loopback addresses only,
// keeps mail in memory (what the poller has not read when the process
// stops is lost), speaks plain text, and logs in with a password made up at
// each start.
//
// It owns: the two listeners, the mailbox user (folders INBOX, Processed,
// Failed), and the rule that only the helpdesk's addresses are delivered
// (Options.Accept); other recipients get a 550 that says why.
//
// How it fails: New fails when an address is not loopback or a port is
// taken, naming the address; nothing fails after that except a listener
// that dies, which Run returns.
package localmail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"
)

// Default addresses of the two ports.
const (
	DefaultSMTPAddr = "127.0.0.1:2525"
	DefaultIMAPAddr = "127.0.0.1:1143"
)

// Username is the IMAP user of the local mailbox; its password is made up
// at each start (Server.Password).
const Username = "support"

// Folder names of the local mailbox.
const (
	Inbox     = "INBOX"
	Processed = "Processed"
	Failed    = "Failed"
)

// Options configure a Server. Zero values take the defaults named.
type Options struct {
	SMTPAddr string // loopback host:port; DefaultSMTPAddr ("127.0.0.1:0" picks a free port)
	IMAPAddr string // loopback host:port; DefaultIMAPAddr
	// Accept says whether mail for a recipient is delivered: the
	// helpdesk's addresses. nil accepts every recipient.
	Accept func(rcpt string) bool
	// MaxBytes is the largest message accepted (default 25 MiB).
	MaxBytes int64
	Logger   *slog.Logger
}

// Server is the running local mail server.
type Server struct {
	o        Options
	log      *slog.Logger
	password string
	user     *imapmemserver.User
	smtpLn   net.Listener
	imapLn   net.Listener
	smtp     *smtp.Server
	imap     *imapserver.Server

	mu        sync.Mutex
	delivered int
	smtpDone  bool
}

// New opens both ports and prepares the mailbox; Run serves them.
func New(o Options) (*Server, error) {
	if o.SMTPAddr == "" {
		o.SMTPAddr = DefaultSMTPAddr
	}
	if o.IMAPAddr == "" {
		o.IMAPAddr = DefaultIMAPAddr
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 25 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	for _, a := range []struct{ key, addr string }{{"SMTP", o.SMTPAddr}, {"IMAP", o.IMAPAddr}} {
		if err := checkLoopback(a.addr); err != nil {
			return nil, fmt.Errorf("local mail server %s address %q: %w", a.key, a.addr, err)
		}
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	s := &Server{o: o, log: o.Logger, password: hex.EncodeToString(b[:])}
	s.user = imapmemserver.NewUser(Username, s.password)
	for _, f := range []string{Inbox, Processed, Failed} { // INBOX first: UIDVALIDITY 1
		if err := s.user.Create(f, nil); err != nil {
			return nil, fmt.Errorf("local mail server: create %s: %w", f, err)
		}
	}
	var err error
	if s.smtpLn, err = listen("SMTP", o.SMTPAddr); err != nil {
		return nil, err
	}
	if s.imapLn, err = listen("IMAP", o.IMAPAddr); err != nil {
		s.smtpLn.Close()
		return nil, err
	}
	s.smtp = s.newSMTP()
	s.imap = s.newIMAP()
	return s, nil
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("want host:port, such as 127.0.0.1:2525")
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return errors.New("the local mail server is for trying and testing only: it listens on loopback addresses only (127.0.0.1, ::1)")
	}
	return nil
}

func listen(what, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("local mail server: cannot listen for %s on %s (is the port taken? choose another one with HELPDESK_LOCAL_%s): %w",
			what, addr, what, err)
	}
	return ln, nil
}

// SMTPAddr is the address the SMTP port listens on.
func (s *Server) SMTPAddr() string { return s.smtpLn.Addr().String() }

// IMAPAddr is the address the IMAP port listens on.
func (s *Server) IMAPAddr() string { return s.imapLn.Addr().String() }

// Password is the IMAP password of Username, made up at this start.
func (s *Server) Password() string { return s.password }

// UIDValidity is the INBOX's UIDVALIDITY. It is the same at every start,
// while the mailbox starts empty: a poller's checkpoint of an earlier run
// must be reset to (UIDValidity, 0) before it reads this one.
func (s *Server) UIDValidity() uint32 {
	st, err := s.user.Status(Inbox, &imap.StatusOptions{UIDValidity: true})
	if err != nil {
		return 0
	}
	return st.UIDValidity
}

// Pending is the number of messages in INBOX: delivered, not yet taken by
// the poller.
func (s *Server) Pending() int {
	st, err := s.user.Status(Inbox, &imap.StatusOptions{NumMessages: true})
	if err != nil || st.NumMessages == nil {
		return 0
	}
	return int(*st.NumMessages)
}

// Delivered is the number of messages delivered since New.
func (s *Server) Delivered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delivered
}

// Run serves both ports until ctx ends or a listener fails, then closes
// the SMTP port (sessions in progress get a moment to finish) and the IMAP
// port.
func (s *Server) Run(ctx context.Context) error {
	errs := make(chan error, 2)
	go func() { errs <- serveErr("SMTP", s.smtp.Serve(s.smtpLn)) }()
	go func() { errs <- serveErr("IMAP", s.imap.Serve(s.imapLn)) }()
	var err error
	for err == nil && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case err = <-errs: // nil when StopSMTP closed the SMTP port: go on
		}
	}
	s.StopSMTP(context.WithoutCancel(ctx), 2*time.Second)
	s.imapLn.Close()
	s.imap.Close()
	return err
}

func serveErr(what string, err error) error {
	if err == nil || errors.Is(err, net.ErrClosed) || errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("local mail server %s: %w", what, err)
}

// StopSMTP stops taking mail: the SMTP port closes, sessions in progress
// get up to wait to finish. The IMAP port stays open, so the poller can
// read what was delivered.
func (s *Server) StopSMTP(ctx context.Context, wait time.Duration) {
	s.mu.Lock()
	done := s.smtpDone
	s.smtpDone = true
	s.mu.Unlock()
	if done {
		return
	}
	s.smtpLn.Close() // Serve may not have taken it yet
	sctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if err := s.smtp.Shutdown(sctx); err != nil {
		s.smtp.Close()
	}
}

// Close closes both ports at once.
func (s *Server) Close() error {
	s.mu.Lock()
	s.smtpDone = true
	s.mu.Unlock()
	s.smtpLn.Close()
	s.imapLn.Close()
	return errors.Join(s.smtp.Close(), s.imap.Close())
}

// deliver appends one message to INBOX.
func (s *Server) deliver(from string, rcpts []string, data []byte) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Return-Path: <%s>\r\nDelivered-To: %s\r\n", from, strings.Join(rcpts, ", "))
	b.Write(data)
	if _, err := s.user.Append(Inbox, literal{Reader: bytes.NewReader(b.Bytes()), n: int64(b.Len())},
		&imap.AppendOptions{Time: time.Now()}); err != nil {
		return fmt.Errorf("append to %s: %w", Inbox, err)
	}
	s.mu.Lock()
	s.delivered++
	s.mu.Unlock()
	s.log.Info("local mail server: message delivered", "from", from, "to", strings.Join(rcpts, ","), "size", b.Len())
	return nil
}

// literal is a message as an IMAP literal.
type literal struct {
	*bytes.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

var _ io.Reader = literal{}
