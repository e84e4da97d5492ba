package imapsource

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/mailauth"
	"github.com/helpdesk-gw/helpdesk/store"
)

// Security is how the connection is protected.
type Security string

// The connection securities.
const (
	SecurityTLS      Security = "tls"      // TLS from the first byte (imaps, port 993)
	SecurityStartTLS Security = "starttls" // STARTTLS before login (imap, port 143)
	SecurityNone     Security = "none"     // plain text: loopback test servers only
)

// Ways of marking a message processed.
const (
	MarkMove   = "move"
	MarkSeen   = "seen"
	MarkDelete = "delete"
)

// Mailbox is one IMAP folder to read and how.
type Mailbox struct {
	Name     string // label in logs, metrics, the checkpoint and the lease
	Addr     string // host:port
	Security Security
	// TLSConfig overrides the TLS settings (tests trust their own CA or
	// skip checks here). nil: system roots, server name from Addr.
	TLSConfig *tls.Config
	Username  string
	Password  string // or a fixed OAuth 2 token with Auth "xoauth2" or "oauthbearer" and no Token
	Auth      string // "" (PLAIN where offered, else LOGIN), "plain", "login", "xoauth2", "oauthbearer"
	// Token, when set, signs in with OAuth 2.0 (Auth "xoauth2", the
	// default, or "oauthbearer"): the current token at each sign-in, a
	// renewed one once when the server refuses it. A session ends when its
	// token expires, and the next signs in with a new one.
	Token  TokenSource
	Folder string // INBOX by default
	// Team is the slug of the team this mailbox's new tickets go to when
	// the message names no team's intake address (I10); "" for none.
	Team string

	Mark         string        // MarkMove (default), MarkSeen, MarkDelete
	Processed    string        // destination of processed messages with MarkMove
	Failed       string        // destination of messages recorded as failed
	PollInterval time.Duration // polling period, and re-check period under IDLE (30s)
	IDLE         bool          // use IDLE where the server offers it
	MaxBytes     int64         // larger messages are recorded failed, headers only (25 MiB)
	Timeout      time.Duration // limit on every IMAP command (60s)
	Batch        int           // messages per store transaction (500)
	BatchBytes   int64         // bytes of messages per store transaction (8 MiB)
}

// TokenSource gives the OAuth 2.0 token to sign in with: *mailauth.Source.
type TokenSource interface {
	Token(ctx context.Context) (mailauth.Token, error)
	// Renew replaces a token the server refused (once, however many
	// sessions report it).
	Renew(ctx context.Context, refused string) (mailauth.Token, error)
	// Hint says what to check when the server refuses a fresh token.
	Hint() string
}

// Ingester records messages: *ingest.Pipeline.
type Ingester interface {
	IngestBatch(ctx context.Context, ins []ingest.Input, also func(ctx context.Context, tx *store.Tx) error) ([]ingest.Result, error)
}

// Options configure a Poller. Mailbox, Ingester and Store are required.
type Options struct {
	Mailbox  Mailbox
	Ingester Ingester
	Store    *store.Store // checkpoints and leases
	// Holder names this process in leases; default HOST:PID:RANDOM.
	Holder string
	// LeaseTTL is how long a lease lasts without renewal (30s); it is
	// renewed every third of it, and a dead process's mailbox is taken over
	// after at most this long.
	LeaseTTL    time.Duration
	Backoff     Backoff // after an error; DefaultBackoff when zero
	AuthBackoff Backoff // after a refused login; DefaultAuthBackoff when zero
	Metrics     *Metrics
	Logger      *slog.Logger
	Clock       func() time.Time

	// Passed, when set, is called after each pass that read the folder to
	// its end, as the last-poll metric is set. Tests wait for it instead
	// of sleeping; nil does nothing. It runs on the poller's goroutine and
	// must return quickly.
	Passed func()
	// Retrying, when set, is called after each session that ended in an
	// error, before the pause: with the error, the failures in a row (1
	// for the first) and the pause chosen (from Backoff, or AuthBackoff
	// after a refused login). Tests wait for it instead of counting
	// connections over a time; nil does nothing. It runs on the poller's
	// goroutine and must return quickly.
	Retrying func(err error, failures int, delay time.Duration)

	// afterCommit, for tests, runs between a batch's commit and marking it.
	afterCommit func(uids []uint32) error
	// noRelease, for tests, keeps the lease when Run ends, as a process
	// that dies does.
	noRelease bool
}

func (o *Options) setDefaults() error {
	m := &o.Mailbox
	if o.Ingester == nil || o.Store == nil || m.Addr == "" || m.Username == "" {
		return errors.New("imapsource: Ingester, Store, Mailbox.Addr and Mailbox.Username are required")
	}
	setDefault(&m.Folder, "INBOX")
	setDefault(&m.Mark, MarkMove)
	setDefault(&m.Processed, "Processed")
	setDefault(&m.Failed, "Failed")
	setDefault(&m.Security, SecurityTLS)
	setDefault(&m.Name, m.Username+"@"+m.Addr+"/"+m.Folder)
	setDefault(&m.PollInterval, 30*time.Second)
	setDefault(&m.MaxBytes, 25<<20)
	setDefault(&m.Timeout, 60*time.Second)
	setDefault(&m.Batch, 500)
	setDefault(&m.BatchBytes, 8<<20)
	setDefault(&o.LeaseTTL, 30*time.Second)
	setDefault(&o.Backoff, DefaultBackoff)
	setDefault(&o.AuthBackoff, DefaultAuthBackoff)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Holder == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		o.Holder = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	if m.Token != nil && m.Auth == "" {
		m.Auth = "xoauth2"
	}
	if m.Mark != MarkMove && m.Mark != MarkSeen && m.Mark != MarkDelete {
		return fmt.Errorf("imapsource: mailbox %s: unknown mark %q", m.Name, m.Mark)
	}
	return nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
