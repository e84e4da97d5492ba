package outbound

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wneessen/go-mail/smtp"

	"github.com/helpdesk-gw/helpdesk/mailauth"
)

// TokenSource gives the OAuth 2.0 token a Sender signs in with:
// *mailauth.Source.
type TokenSource interface {
	Token(ctx context.Context) (mailauth.Token, error)
	// Renew replaces a token the relay refused (once, however many
	// connections report it).
	Renew(ctx context.Context, refused string) (mailauth.Token, error)
	// Hint says what to check when the relay refuses a fresh token.
	Hint() string
}

// Sign-in failures with OAuth 2.0, wrapped by the DeliveryError of stage
// "AUTH": the relay refused the token and a renewed one
// (ErrTokenRefused), or no token could be obtained (ErrNoToken). Both are
// temporary: the notification is tried again.
var (
	ErrTokenRefused = errors.New("the relay refused the OAuth token, a renewed one too")
	ErrNoToken      = errors.New("no OAuth token")
	// errPaused: signing in is paused after a failure.
	errPaused = errors.New("signing in to the relay is paused")
)

// signIn is the OAuth sign-in state of a Sender: failures counted for
// metrics, and the pause after one during which connections are not tried.
type signIn struct {
	refused, noToken atomic.Uint64
	mu               sync.Mutex
	pausedUntil      time.Time
	lastErr          error
}

// SignInFailures counts the OAuth sign-ins that failed: refused by the
// relay (after one renewal), and without a token from the endpoint.
func (s *Sender) SignInFailures() (refused, noToken uint64) {
	return s.signIn.refused.Load(), s.signIn.noToken.Load()
}

// paused returns the failure that paused signing in, while the pause lasts.
func (s *Sender) paused() error {
	s.signIn.mu.Lock()
	defer s.signIn.mu.Unlock()
	if time.Now().Before(s.signIn.pausedUntil) {
		return fmt.Errorf("%w until %s after: %w", errPaused, s.signIn.pausedUntil.UTC().Format(time.TimeOnly), s.signIn.lastErr)
	}
	return nil
}

// failedSignIn logs the failure once per pause, counts it and pauses.
func (s *Sender) failedSignIn(err error) {
	hint := "the token endpoint refused the client or cannot be reached"
	if errors.Is(err, ErrTokenRefused) {
		s.signIn.refused.Add(1)
		hint = s.opts.Token.Hint()
	} else {
		s.signIn.noToken.Add(1)
	}
	s.signIn.mu.Lock()
	s.signIn.pausedUntil, s.signIn.lastErr = time.Now().Add(s.opts.AuthPause), err
	s.signIn.mu.Unlock()
	s.log.Error("cannot sign in to the SMTP relay with OAuth: "+hint, "relay", s.opts.String(), "err", err,
		"retry_in", s.opts.AuthPause)
}

// openOAuth connects and signs in with the current token; when the relay
// refuses it (go-mail then ends the connection), it renews the token and
// tries once more on a new connection. expires is the token's expiry.
func (s *Sender) openOAuth(ctx context.Context) (c *smtp.Client, expires time.Time, err error) {
	if err := s.paused(); err != nil {
		return nil, time.Time{}, err
	}
	tok, err := s.opts.Token.Token(ctx)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%w: %w", ErrNoToken, err)
	}
	c, refusal, err := s.dialAuth(ctx, tok.Value)
	if err == nil || refusal == "" && !isRefusal(err) {
		return c, tok.Expiry, err
	}
	if tok, err = s.opts.Token.Renew(ctx, tok.Value); err != nil {
		return nil, time.Time{}, fmt.Errorf("%w: %w", ErrNoToken, err)
	}
	c, refusal, err = s.dialAuth(ctx, tok.Value)
	if err != nil && (refusal != "" || isRefusal(err)) {
		return nil, time.Time{}, fmt.Errorf("%w: %s as %s: %v (%s)", ErrTokenRefused, s.opts.Host, s.opts.Username, err, refusal)
	}
	return c, tok.Expiry, err
}

// dialAuth connects and authenticates with token; refusal is the relay's
// reason when it gave one.
func (s *Sender) dialAuth(ctx context.Context, token string) (*smtp.Client, string, error) {
	c, err := s.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return nil, "", err
	}
	sc, err := mailauth.NewSASL(s.opts.Auth, s.opts.Username, token)
	if err != nil {
		_ = c.Close()
		return nil, "", err
	}
	sc.Host, sc.Port = s.opts.Host, s.opts.Port
	if err := c.Auth(saslAuth{sc}); err != nil {
		_ = c.Close()
		return nil, sc.Refusal, fmt.Errorf("AUTH %s: %w", sc.Mech, err)
	}
	return c, "", nil
}

// isRefusal reports whether err is the relay's answer to AUTH (4xx or
// 5xx), rather than a lost connection.
func isRefusal(err error) bool {
	var tp *textproto.Error
	return errors.As(err, &tp) && tp.Code >= 400
}

// saslAuth runs a mailauth SASL client under go-mail's smtp.Auth.
type saslAuth struct{ c *mailauth.SASL }

func (a saslAuth) Start(*smtp.ServerInfo) (string, []byte, error) { return a.c.Start() }

func (a saslAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	return a.c.Next(fromServer)
}

// SignIn connects to the relay and signs in as a send would, then says
// QUIT, sending nothing: it checks the address, the connection's security
// and the credentials (or the OAuth token), as serve --check does.
func (s *Sender) SignIn(ctx context.Context) error {
	c, _, err := s.dialCut(ctx)
	if err != nil {
		if errors.Is(err, ErrTokenRefused) {
			return fmt.Errorf("%w; %s", err, s.opts.Token.Hint())
		}
		return err
	}
	if err := c.Quit(); err != nil {
		_ = c.Close()
	}
	return nil
}
