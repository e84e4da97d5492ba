package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/message"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/templates"
	"github.com/helpdesk-gw/helpdesk/threading"
	"github.com/helpdesk-gw/helpdesk/ticket"
)

// Options configures a Pipeline. Zero values take the rule book's defaults.
type Options struct {
	Store     *store.Store
	Addresses threading.Addresses // the helpdesk's addresses and token signer
	Templates *templates.Set
	// TrustedAuthservID is the authserv-id whose Authentication-Results are
	// trusted (P1 a, I9); "" trusts none.
	TrustedAuthservID string
	UnknownSenders    policy.UnknownSenders // O7; default accept
	MaxNewCCs         int                   // C1; default 10
	CCBlocklist       []string              // C3; default policy.DefaultCCBlocklist
	AckLimit          int                   // B2 automatic mails per address per hour; default 5
	LoopLimit         int                   // B2 comments per sender per ticket in 10 minutes; default 20
	HelpdeskName      string                // display name of the helpdesk, "Support" by default
	Parse             message.Options
	// MaxBytes: a larger message is recorded as failed, "too large", and
	// kept (0: no limit).
	MaxBytes int64
	// WebURL is the portal's URL when the web is on: notifications link to
	// the ticket's page (N7); "" when off.
	WebURL string
	Logger *slog.Logger
	Clock  func() time.Time
}

// Pipeline ingests messages. It is safe for concurrent use: each message
// is one store transaction.
type Pipeline struct {
	opts Options
	log  *slog.Logger
	acts *ticket.Service // every act on a ticket goes through it
}

// New returns a Pipeline; Store, Addresses and Templates are required.
func New(opts Options) *Pipeline {
	if opts.UnknownSenders == "" {
		opts.UnknownSenders = policy.UnknownAccept
	}
	if opts.MaxNewCCs <= 0 {
		opts.MaxNewCCs = policy.DefaultMaxNewCCs
	}
	if opts.CCBlocklist == nil {
		opts.CCBlocklist = policy.DefaultCCBlocklist
	}
	if opts.AckLimit <= 0 {
		opts.AckLimit = 5
	}
	if opts.LoopLimit <= 0 {
		opts.LoopLimit = 20
	}
	if opts.HelpdeskName == "" {
		opts.HelpdeskName = "Support"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	acts := ticket.New(ticket.Options{Addresses: opts.Addresses, Templates: opts.Templates, HelpdeskName: opts.HelpdeskName,
		CCBlocklist: opts.CCBlocklist, MaxNewCCs: opts.MaxNewCCs, AckLimit: opts.AckLimit, WebURL: opts.WebURL, Logger: opts.Logger})
	return &Pipeline{opts: opts, log: opts.Logger, acts: acts}
}

// refreshIntake reads the intake addresses of the teams (I10), so that
// they and their sub-addresses are the helpdesk's own (C3, B2, I1) as soon
// as an admin maps them, whichever process did it.
func (p *Pipeline) refreshIntake(ctx context.Context) error {
	addrs, err := p.opts.Store.TeamAddresses(ctx)
	if err != nil {
		return fmt.Errorf("ingest: read intake addresses: %w", err)
	}
	list := make([]string, 0, len(addrs))
	for a := range addrs {
		list = append(list, a)
	}
	p.opts.Addresses.Intake.Set(list)
	return nil
}

// Acts returns the service that carries out acts on tickets for this
// pipeline, configured alike: the command line and the web use it too.
func (p *Pipeline) Acts() *ticket.Service { return p.acts }

// newRun starts the processing of one message in tx.
func (p *Pipeline) newRun(tx *store.Tx, in Input, hash string) *run {
	facts := access.NewFacts(tx)
	now := p.opts.Clock().UTC()
	return &run{p: p, tx: tx, facts: facts, in: in, hash: hash, now: now,
		act: p.acts.Begin(tx, facts, now, ticket.Actor{Channel: ticket.ChannelMail}, &ticket.Mail{})}
}

// Input is one message to ingest.
type Input struct {
	Raw     []byte
	Mailbox string // where it came from: "stdin", a file name, an IMAP mailbox
	// DryRun decides everything and writes nothing (the transaction is
	// rolled back); the Result says what would have happened.
	DryRun bool
	// Size is the message's size where Raw holds only its header (the IMAP
	// poller fetches only the header of a message over its size limit):
	// when Size > len(Raw) the message is recorded failed, "too large",
	// with the header kept. 0 means len(Raw).
	Size int64
	// MaxBytes overrides Options.MaxBytes for this message (0: the
	// pipeline's limit).
	MaxBytes int64
	// NewTicketOnly: the message opens a ticket or is refused; it is never
	// threaded onto an existing ticket (a ticket opened on the web, whose
	// subject or CCs might name one).
	NewTicketOnly bool
	// Failed, when set, records the message as failed with this reason
	// and keeps what Raw holds (the IMAP poller gives up on a message the
	// server cannot deliver, and keeps its header).
	Failed string
	// Team is the slug of the team the mailbox it was read from is mapped
	// to (I10): a new ticket goes there when the message names no team's
	// intake address. MailboxAddress is that mailbox's address: when it is
	// one of the team's intake addresses, the ticket's notifications come
	// from it, as if the message had named it.
	Team, MailboxAddress string

	pre *parsed // set by Pipeline.Prepare
}

// Planned is a notification the message caused (or would cause).
type Planned = ticket.Planned

// Result is the recorded outcome of one message.
type Result struct {
	Outcome  model.Outcome
	TicketID int64
	Reason   string
	Rules    []string
	RawID    int64
	Notified []Planned
	Warnings []string
	// OriginalOutcome is, for a duplicate of the same bytes, the outcome
	// recorded for the original ("" otherwise).
	OriginalOutcome model.Outcome
}

var errDryRun = errors.New("dry run: roll back")

// Ingest processes one message and records its outcome.
func (p *Pipeline) Ingest(ctx context.Context, in Input) (Result, error) {
	if err := p.refreshIntake(ctx); err != nil {
		return Result{}, err
	}
	res, err := p.ingestOnce(ctx, in)
	if errors.Is(err, errRaced) {
		return p.ingestOnce(ctx, in)
	}
	return res, err
}

func (p *Pipeline) ingestOnce(ctx context.Context, in Input) (Result, error) {
	hash := hashOf(in.Raw)
	var res Result
	err := p.opts.Store.InTx(ctx, func(tx *store.Tx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("internal error: %v", r)
				p.log.Error("ingest panic", "panic", r, "stack", string(debug.Stack()))
			}
		}()
		r := p.newRun(tx, in, hash)
		res, err = r.process(ctx)
		if err == nil && in.DryRun {
			return errDryRun
		}
		return err
	})
	switch {
	case err == nil:
		return res, nil
	case errors.Is(err, errDryRun):
		return res, nil
	case errors.Is(err, errRaced):
		return Result{}, err
	case ctx.Err() != nil:
		return Result{}, fmt.Errorf("ingest: %w", ctx.Err())
	}
	if isStoreUnavailable(err) {
		return Result{}, fmt.Errorf("ingest: %w", err)
	}
	// A fault in processing: keep the message, record it as failed.
	p.log.Error("ingest failed; recording the message as failed", "mailbox", in.Mailbox, "sha256", hash, "err", err)
	return p.recordFailure(ctx, in, hash, "internal error: "+err.Error())
}

// isStoreUnavailable tells faults of the database (retry later) from faults
// of processing (record as failed): an unreachable database, and conflicts
// with concurrent transactions that outlasted the store's own retries.
func isStoreUnavailable(err error) bool {
	return store.IsUnavailable(err) || errors.Is(err, store.ErrConflict)
}

// recordFailure keeps the raw message with outcome failed, in a transaction
// of its own.
func (p *Pipeline) recordFailure(ctx context.Context, in Input, hash, reason string) (Result, error) {
	res := Result{Outcome: model.OutcomeFailed, Reason: reason}
	if in.DryRun {
		return res, nil
	}
	err := p.opts.Store.InTx(ctx, func(tx *store.Tx) error {
		raw := &model.RawMessage{SHA256: hash, Raw: in.Raw, Size: int64(len(in.Raw)), Mailbox: in.Mailbox,
			Outcome: model.OutcomeFailed, Reason: truncate(reason, 500), ReceivedAt: p.opts.Clock().UTC()}
		if err := tx.InsertRaw(ctx, raw); err != nil {
			return err
		}
		res.RawID = raw.ID
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("record failed message: %w", err)
	}
	return res, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
