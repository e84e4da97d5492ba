package outbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	mail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// Transport delivers one message built by the Worker. Its error is
// temporary unless IsPermanent says otherwise.
type Transport interface {
	Send(ctx context.Context, msg *mail.Msg) error
}

// Sender submits messages to one SMTP relay over a pool of reused
// connections, within a rate limit. It is safe for concurrent use: each
// Send takes a connection of the pool for one SMTP transaction (MAIL, RCPT,
// DATA; no NOOP or RSET on the happy path), opening it if needed.
type Sender struct {
	opts   SenderOptions
	client *mail.Client // configuration and dialling; each conn has its own smtp.Client
	pool   chan *conn
	limit  *limiter
	log    *slog.Logger
	signIn signIn // with OAuth (oauth.go)
}

// conn is one connection of the pool; nil c means not open.
type conn struct {
	c        *smtp.Client
	lastUsed time.Time
	expires  time.Time // of the OAuth token it signed in with; zero: none
}

// NewSender returns a Sender for the relay o names. No connection is
// opened until the first Send. log may be nil.
func NewSender(o SenderOptions, log *slog.Logger) (*Sender, error) {
	o = o.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := []mail.Option{mail.WithPort(o.Port), mail.WithTimeout(o.Timeout)}
	switch o.TLS {
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if o.TLSConfig != nil {
		opts = append(opts, mail.WithTLSConfig(o.TLSConfig))
	}
	if o.HELO != "" {
		opts = append(opts, mail.WithHELO(o.HELO))
	}
	if o.OAuth != "" && o.Token == nil {
		return nil, fmt.Errorf("%s: oauth=%s without its token source", o, o.OAuth)
	}
	if o.Username != "" && o.Token == nil {
		auth := mail.SMTPAuthAutoDiscover
		if o.Auth != "" {
			auth = mail.SMTPAuthType(o.Auth)
		}
		if o.TLS == TLSNone { // loopback only (ParseRelayURL); go-mail refuses plain auth in clear text otherwise
			switch auth {
			case mail.SMTPAuthPlain, mail.SMTPAuthAutoDiscover:
				auth = mail.SMTPAuthPlainNoEnc
			case mail.SMTPAuthLogin:
				auth = mail.SMTPAuthLoginNoEnc
			}
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(o.Username), mail.WithPassword(o.Password))
	}
	client, err := mail.NewClient(o.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o, err)
	}
	s := &Sender{opts: o, client: client, pool: make(chan *conn, o.Connections), log: log}
	for range o.Connections {
		s.pool <- &conn{}
	}
	if o.Rate > 0 {
		s.limit = newLimiter(o.Rate, o.Burst)
	}
	return s, nil
}

// Connections is the size of the pool: how many sends may run at once.
func (s *Sender) Connections() int { return s.opts.Connections }

// Send submits msg: MAIL FROM its envelope sender, RCPT TO its
// recipients, DATA. A reused connection the relay closed while idle is
// reopened and the message tried once more, when the failure came before
// the relay had accepted anything.
func (s *Sender) Send(ctx context.Context, msg *mail.Msg) error {
	from, err := msg.GetSender(false)
	if err != nil {
		return Permanent("message", err)
	}
	rcpts, err := msg.GetRecipients()
	if err != nil {
		return Permanent("message", err)
	}
	if err := s.limit.wait(ctx); err != nil {
		return &DeliveryError{Stage: "connect", Reply: err.Error(), Err: err}
	}
	var cn *conn
	select {
	case cn = <-s.pool:
	case <-ctx.Done():
		return &DeliveryError{Stage: "connect", Reply: ctx.Err().Error(), Err: ctx.Err()}
	}
	defer func() { s.pool <- cn }()
	reused := cn.c != nil && time.Since(cn.lastUsed) < s.opts.IdleTimeout && (cn.expires.IsZero() || time.Now().Before(cn.expires))
	if cn.c != nil && !reused {
		s.closeConn(cn)
	}
	for {
		if cn.c == nil {
			if err := s.dial(ctx, cn); err != nil {
				return err
			}
		}
		err := s.transaction(ctx, cn.c, from, rcpts, msg)
		if err == nil {
			cn.lastUsed = time.Now()
			return nil
		}
		if err.Code == 0 || err.Code == 421 { // the connection is gone or going
			s.closeConn(cn)
		} else if rerr := cn.c.Reset(); rerr != nil {
			s.closeConn(cn)
		} else {
			cn.lastUsed = time.Now()
		}
		if reused && err.Code == 0 && err.Stage == "MAIL FROM" && ctx.Err() == nil {
			reused = false // the relay dropped an idle connection: once more on a new one
			continue
		}
		return err
	}
}

func (s *Sender) dial(ctx context.Context, cn *conn) error {
	c, expires, err := s.dialCut(ctx)
	switch {
	case err == nil:
		cn.c, cn.lastUsed, cn.expires = c, time.Now(), expires
		return nil
	case errors.Is(err, errPaused):
		return &DeliveryError{Stage: "AUTH", Reply: err.Error(), Err: err}
	case errors.Is(err, ErrTokenRefused) || errors.Is(err, ErrNoToken):
		s.failedSignIn(err)
		return &DeliveryError{Stage: "AUTH", Reply: err.Error(), Err: err}
	}
	s.log.Warn("smtp connect failed", "relay", s.opts.String(), "err", err)
	d := smtpError("connect", err)
	d.Permanent = false // a refusal at connect or login is about us, not the message
	return d
}

// dialCut connects and greets the relay, returning as soon as ctx ends.
// go-mail heeds ctx only while connecting; the greeting, EHLO, STARTTLS and
// AUTH would wait for the relay's own timeout. A dial cut short goes on in
// the background and closes its client when it finishes.
func (s *Sender) dialCut(ctx context.Context) (*smtp.Client, time.Time, error) {
	type dialed struct {
		c       *smtp.Client
		expires time.Time
		err     error
	}
	ch := make(chan dialed, 1)
	go func() {
		if s.opts.Token != nil {
			c, expires, err := s.openOAuth(ctx)
			ch <- dialed{c, expires, err}
			return
		}
		c, err := s.client.DialToSMTPClientWithContext(ctx)
		ch <- dialed{c, time.Time{}, err}
	}()
	select {
	case d := <-ch:
		return d.c, d.expires, d.err
	case <-ctx.Done():
		go func() {
			if d := <-ch; d.c != nil {
				_ = d.c.Close()
			}
		}()
		return nil, time.Time{}, fmt.Errorf("connect: %w", ctx.Err())
	}
}

// transaction runs MAIL, RCPT and DATA on c. A cancelled ctx closes the
// network connection under c (not c.Close, which waits for the command in
// progress), so a command waiting for the relay ends at once.
func (s *Sender) transaction(ctx context.Context, c *smtp.Client, from string, rcpts []string, msg *mail.Msg) *DeliveryError {
	text := c.Text
	stop := context.AfterFunc(ctx, func() { _ = text.Close() })
	defer stop()
	if err := c.UpdateDeadline(s.opts.Timeout); err != nil {
		return smtpError("MAIL FROM", err)
	}
	if err := c.Mail(from); err != nil {
		return smtpError("MAIL FROM", err)
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r); err != nil {
			return smtpError("RCPT TO", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return smtpError("DATA", err)
	}
	if _, err := msg.WriteTo(w); err != nil {
		_ = w.Close()
		return smtpError("DATA", err)
	}
	if err := w.Close(); err != nil {
		return smtpError("DATA", err)
	}
	return nil
}

func (s *Sender) closeConn(cn *conn) {
	if cn.c != nil {
		_ = cn.c.Close()
	}
	cn.c = nil
}

// Close says QUIT on every open connection, waiting for sends in progress.
func (s *Sender) Close() error {
	var errs []error
	for range s.opts.Connections {
		cn := <-s.pool
		if cn.c != nil {
			if err := cn.c.Quit(); err != nil && !errors.Is(err, context.Canceled) {
				errs = append(errs, err)
			}
			s.closeConn(cn)
		}
		defer func() { s.pool <- cn }()
	}
	return errors.Join(errs...)
}

// limiter spaces submissions to rate a second, letting burst go at once
// after a quiet spell. A nil limiter does not limit.
type limiter struct {
	mu       sync.Mutex
	interval time.Duration
	burst    int
	next     time.Time // when the next submission may go
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{interval: time.Duration(float64(time.Second) / rate), burst: burst}
}

func (l *limiter) wait(ctx context.Context) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	now := time.Now()
	if floor := now.Add(-time.Duration(l.burst-1) * l.interval); l.next.Before(floor) {
		l.next = floor
	}
	at := l.next
	l.next = l.next.Add(l.interval)
	l.mu.Unlock()
	d := at.Sub(now)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
