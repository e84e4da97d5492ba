package imapsource

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"github.com/helpdesk-gw/helpdesk/mailauth"
)

// conn is one logged-in IMAP connection with a timeout on every command.
type conn struct {
	c        *imapclient.Client
	timeout  time.Duration
	timedOut atomic.Bool
	wake     chan struct{} // the server announced new messages (EXISTS)
	stopCtx  func() bool
	// expires is when the OAuth token this session signed in with
	// expires (zero: a password, or a token without a known expiry).
	expires time.Time
}

// Kinds of session errors, for logs and metrics.
var (
	errAuth    = errors.New("login refused")
	errTimeout = errors.New("no answer in time")
	// errToken: no OAuth token could be obtained (the token endpoint
	// refused the client, or could not be reached).
	errToken = errors.New("no OAuth token")
)

// dial connects, checks the greeting and logs in.
func dial(ctx context.Context, m Mailbox) (*conn, error) {
	cn := &conn{timeout: m.Timeout, wake: make(chan struct{}, 1)}
	opts := &imapclient.Options{
		Dialer: &net.Dialer{Timeout: m.Timeout, KeepAlive: 30 * time.Second},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					cn.signal()
				}
			},
		},
		TLSConfig: tlsConfig(m),
	}
	var err error
	switch m.Security {
	case SecurityNone:
		cn.c, err = imapclient.DialInsecure(m.Addr, opts)
	case SecurityStartTLS:
		cn.c, err = imapclient.DialStartTLS(m.Addr, opts)
	default:
		cn.c, err = imapclient.DialTLS(m.Addr, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", m.Addr, err)
	}
	// go-imap takes no context: close the connection when ctx ends.
	cn.stopCtx = context.AfterFunc(ctx, func() { cn.c.Close() })
	if err := cn.guard("greeting", cn.c.WaitGreeting); err != nil {
		cn.close()
		return nil, err
	}
	if err := cn.login(ctx, m); err != nil {
		cn.close()
		return nil, err
	}
	return cn, nil
}

func tlsConfig(m Mailbox) *tls.Config {
	if m.TLSConfig != nil {
		return m.TLSConfig.Clone()
	}
	host, _, _ := net.SplitHostPort(m.Addr)
	return &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
}

func (cn *conn) signal() {
	select {
	case cn.wake <- struct{}{}:
	default:
	}
}

// login authenticates with the configured mechanism; a refusal wraps errAuth.
func (cn *conn) login(ctx context.Context, m Mailbox) error {
	if m.Token != nil {
		return cn.loginToken(ctx, m)
	}
	auth := m.Auth
	if auth == "" {
		caps, err := cn.caps()
		if err != nil {
			return err
		}
		auth = "login"
		if caps.Has(imap.AuthCap(sasl.Plain)) {
			auth = "plain"
		}
	}
	var err error
	switch auth {
	case "plain":
		err = cn.guard("authenticate PLAIN", func() error {
			return cn.c.Authenticate(sasl.NewPlainClient("", m.Username, m.Password))
		})
	case "xoauth2", "oauthbearer":
		_, err = cn.bearer(m, m.Password)
	default:
		err = cn.guard("login", cn.c.Login(m.Username, m.Password).Wait)
	}
	var ie *imap.Error
	if errors.As(err, &ie) {
		return fmt.Errorf("%w: %s as %s: %v", errAuth, m.Addr, m.Username, err)
	}
	return err
}

func (cn *conn) caps() (imap.CapSet, error) {
	var caps imap.CapSet
	err := cn.guard("capability", func() error {
		caps = cn.c.Caps()
		return nil
	})
	return caps, err
}

// guard runs one command, closing the connection when it takes longer than
// the timeout: the command then fails and the session ends.
func (cn *conn) guard(op string, fn func() error) error {
	t := time.AfterFunc(cn.timeout, cn.expire)
	err := fn()
	t.Stop()
	return cn.wrap(op, err)
}

func (cn *conn) expire() {
	cn.timedOut.Store(true)
	cn.c.Close()
}

func (cn *conn) wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case cn.timedOut.Load():
		return fmt.Errorf("%s: %w (%s): %v", op, errTimeout, cn.timeout, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// close logs out politely when the connection still answers, and closes it.
func (cn *conn) close() {
	if cn.stopCtx != nil {
		cn.stopCtx()
	}
	select {
	case <-cn.c.Closed():
	default:
		t := time.AfterFunc(min(cn.timeout, 2*time.Second), func() { cn.c.Close() })
		_ = cn.c.Logout().Wait()
		t.Stop()
	}
	_ = cn.c.Close()
}

// loginToken signs in with the current OAuth token; when the server
// refuses it, with a renewed one, once. A refusal of both wraps errAuth;
// no token at all wraps errToken.
func (cn *conn) loginToken(ctx context.Context, m Mailbox) error {
	tok, err := m.Token.Token(ctx)
	if err != nil {
		return fmt.Errorf("%w for %s: %w", errToken, m.Username, err)
	}
	refusal, err := cn.bearer(m, tok.Value)
	var ie *imap.Error
	if errors.As(err, &ie) {
		if tok, err = m.Token.Renew(ctx, tok.Value); err != nil {
			return fmt.Errorf("%w for %s: %w", errToken, m.Username, err)
		}
		refusal, err = cn.bearer(m, tok.Value)
	}
	if errors.As(err, &ie) {
		return fmt.Errorf("%w: %s as %s with a renewed token: %v (%s)", errAuth, m.Addr, m.Username, err, refusal)
	}
	if err == nil && tok.Expiry.After(time.Now()) {
		cn.expires = tok.Expiry
	}
	return err
}

// bearer authenticates with a token by m.Auth's mechanism (XOAUTH2 by
// default, or OAUTHBEARER); refusal is the server's reason, when it gave one.
func (cn *conn) bearer(m Mailbox, token string) (refusal string, err error) {
	c, err := mailauth.NewSASL(m.Auth, m.Username, token)
	if err != nil {
		return "", err
	}
	c.Host, _, _ = net.SplitHostPort(m.Addr)
	c.NoEmptyResponse = true // go-imap cannot send an empty continuation
	err = cn.guard("authenticate "+c.Mech, func() error { return cn.c.Authenticate(c) })
	return c.Refusal, err
}

// signInAgain reports whether the token the session signed in with has
// expired: the session should end and sign in again with a renewed one
// (Exchange Online ends sessions whose token expired).
func (cn *conn) signInAgain(now time.Time) bool {
	return !cn.expires.IsZero() && !now.Before(cn.expires)
}

// SignIn connects to m's server, signs in and logs out, reading no mail:
// it checks the address, the connection's security and the credentials
// (or the OAuth token) of a mailbox, as serve --check does. A refusal
// wraps the same errors as the poller's, and says what to check.
func SignIn(ctx context.Context, m Mailbox) error {
	setDefault(&m.Security, SecurityTLS)
	setDefault(&m.Timeout, 30*time.Second)
	if m.Token != nil && m.Auth == "" {
		m.Auth = "xoauth2"
	}
	cn, err := dial(ctx, m)
	switch {
	case errors.Is(err, errAuth) && m.Token != nil:
		return fmt.Errorf("%w; %s", err, m.Token.Hint())
	case err != nil:
		return err
	}
	cn.close()
	return nil
}
