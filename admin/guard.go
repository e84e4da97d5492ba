package admin

import (
	"context"
	"errors"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/store"
)

// Outcome is what a changing action did (or, on a dry run, would do) to
// access.
type Outcome struct {
	DryRun bool          `json:"dry_run"`
	Impact access.Impact `json:"impact"`
}

// GainedPeople counts the people who gain a right.
func (o Outcome) GainedPeople() int { return o.Impact.GainedPeople() }

// LostPeople counts the people who lose a right.
func (o Outcome) LostPeople() int { return o.Impact.LostPeople() }

// GainedTickets counts the tickets on which someone gains a right.
func (o Outcome) GainedTickets() int { return o.Impact.GainedTickets() }

// LostTickets counts the tickets on which someone loses a right.
func (o Outcome) LostTickets() int { return o.Impact.LostTickets() }

// auditCounts is recorded with each access change (issue 7: "the audit
// entry records the counts").
type auditCounts struct {
	GainedPeople  int `json:"gained_people"`
	GainedTickets int `json:"gained_tickets"`
	LostPeople    int `json:"lost_people"`
	LostTickets   int `json:"lost_tickets"`
}

// watchFn is how an access-changing action names what it may alter
// (access.Scope), once it knows and before it writes anything: the guard
// then reads the facts in that scope.
type watchFn func(access.Scope) error

// guarded runs an access-changing action: fn names its scope through watch
// before changing anything; the rights in that scope are judged before and
// after fn in one transaction (access.Bounded: the cost follows the
// organisations and people the change touches, not the size of the store);
// a change that widens access to more than ConfirmOver people is refused
// without req.Yes, and a dry run is rolled back. fn returns the audit entry
// to write.
func (s *Service) guarded(ctx context.Context, req Request, fn func(tx *store.Tx, watch watchFn) (auditFn func(counts auditCounts) error, err error)) (Outcome, error) {
	out := Outcome{DryRun: req.DryRun}
	err := s.change(ctx, req, func(tx *store.Tx) error {
		facts := access.NewFacts(tx)
		var before *access.Capture
		watch := func(scope access.Scope) error {
			if before != nil {
				return errors.New("access change: scope named twice")
			}
			var err error
			before, err = facts.Capture(ctx, scope)
			return err
		}
		auditFn, err := fn(tx, watch)
		if err != nil {
			return err
		}
		if before == nil {
			return errors.New("access change: no scope named before the change")
		}
		after, err := facts.Capture(ctx, before.Scope())
		if err != nil {
			return err
		}
		if out.Impact, err = facts.Bounded(ctx, before, after); err != nil {
			return err
		}
		gained := out.Impact.GainedPeople()
		if !req.DryRun && !req.Yes && gained > s.conf {
			return refused("this change gives %d people new rights (more than confirm_over=%d): preview it with --dry-run, then repeat with --yes", gained, s.conf)
		}
		if auditFn == nil {
			return nil
		}
		return auditFn(auditCounts{GainedPeople: gained, GainedTickets: out.Impact.GainedTickets(),
			LostPeople: out.Impact.LostPeople(), LostTickets: out.Impact.LostTickets()})
	})
	return out, err
}
