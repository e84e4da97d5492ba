// Package admin carries out the operator's commands: organisations and
// their domains, users, memberships, staff roles, tickets' CCs, the
// quarantine and the audit log. Every change names the staff member acting
// (S2), is refused without the role it needs (S1, A5), and is written to
// the audit log with before and after (S3), in the same transaction.
//
// Errors that a person should read (refusals, bad values) wrap ErrRefused
// or ErrUsage; the command line maps them to exit codes 1 and 2.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/ticket"
)

// ErrRefused marks an action refused by the rules (exit code 1).
var ErrRefused = errors.New("refused")

// ErrUsage marks a malformed request (exit code 2).
var ErrUsage = errors.New("usage")

func refused(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

func usage(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, args...))
}

// Releaser puts a quarantined message onto its ticket (implemented by the
// ingest pipeline).
type Releaser interface {
	// Release puts the message onto its ticket in tx and returns the
	// notifications it queued.
	Release(ctx context.Context, tx *store.Tx, entry model.QuarantineEntry, actor model.User) ([]ticket.Planned, error)
}

// Options configures a Service.
type Options struct {
	Store    *store.Store
	Releaser Releaser
	// Acts carries out the acts on tickets (ticket cc, reply, note, set),
	// the same service mail uses; when nil, the Releaser's (an
	// ingest.Pipeline has one).
	Acts  *ticket.Service
	Clock func() time.Time
	// ConfirmOver: a change that widens access to more people than this
	// needs Request.Yes (default 20).
	ConfirmOver int
	// IsOwn reports the helpdesk's own addresses, never CCs (C3).
	IsOwn func(email string) bool
	// CCBlocklist is the configured C3 block list (default
	// policy.DefaultCCBlocklist).
	CCBlocklist []string
}

// Service runs admin actions.
type Service struct {
	st   *store.Store
	rel  Releaser
	acts *ticket.Service

	teamsMu   sync.Mutex
	teamSlugs map[int64]string // team slugs by id, read when a ticket names an unknown one
	now       func() time.Time
	conf      int
	isOwn     func(string) bool
	blocklist []string
}

// New returns a Service.
func New(o Options) *Service {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.ConfirmOver <= 0 {
		o.ConfirmOver = 20
	}
	if o.IsOwn == nil {
		o.IsOwn = func(string) bool { return false }
	}
	if o.CCBlocklist == nil {
		o.CCBlocklist = policy.DefaultCCBlocklist
	}
	if o.Acts == nil {
		if r, ok := o.Releaser.(interface{ Acts() *ticket.Service }); ok {
			o.Acts = r.Acts()
		}
	}
	return &Service{st: o.Store, rel: o.Releaser, acts: o.Acts, now: o.Clock, conf: o.ConfirmOver, isOwn: o.IsOwn, blocklist: o.CCBlocklist}
}

// Request is what every changing action carries: who acts (S2), why (S3).
type Request struct {
	As     string // the acting staff member's email
	Reason string
	DryRun bool // preview: decide and report, change nothing
	Yes    bool // confirm a change that widens access to many people
}

// actor loads the acting staff member and checks their role (S1, S2).
func actor(ctx context.Context, tx *store.Tx, req Request, need model.StaffRole) (model.User, error) {
	if req.As == "" {
		return model.User{}, refused("S2: name the staff member acting with --as (or HELPDESK_AS)")
	}
	u, err := tx.UserByEmail(ctx, model.NormalizeEmail(req.As))
	if errors.Is(err, store.ErrNotFound) {
		return model.User{}, refused("S2: %s is not a user of this helpdesk", req.As)
	} else if err != nil {
		return model.User{}, fmt.Errorf("look up %s: %w", req.As, err)
	}
	if !u.StaffRole.AtLeast(need) {
		role := string(u.StaffRole)
		if role == "" {
			role = "no staff role"
		}
		return model.User{}, refused("S1: %s has %s; this needs the %s role", u.Email, role, need)
	}
	return u, nil
}

// audit appends one entry to the audit log (S3).
func (s *Service) audit(ctx context.Context, tx *store.Tx, req Request, action, target string, before, after any) error {
	e := &model.AuditEntry{At: s.now().UTC(), Actor: model.NormalizeEmail(req.As), Action: action, Target: target,
		Before: toJSON(before), After: toJSON(after), Reason: req.Reason}
	if err := tx.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("audit %s %s: %w", action, target, err)
	}
	return nil
}

func toJSON(v any) string {
	if v == nil {
		return "{}"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// errPreview rolls a dry run's transaction back.
var errPreview = errors.New("preview: roll back")

// change runs fn in a transaction; a dry run is rolled back after fn.
func (s *Service) change(ctx context.Context, req Request, fn func(tx *store.Tx) error) error {
	err := s.st.InTx(ctx, func(tx *store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if req.DryRun {
			return errPreview
		}
		return nil
	})
	if errors.Is(err, errPreview) {
		return nil
	}
	return err
}

// rawJSON keeps stored JSON as it is when printed.
func rawJSON(s string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) {
		return json.RawMessage("{}")
	}
	return json.RawMessage(s)
}
