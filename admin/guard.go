package admin

import (
	"context"

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
func (o Outcome) GainedPeople() int { return access.People(o.Impact.Gained) }

// LostPeople counts the people who lose a right.
func (o Outcome) LostPeople() int { return access.People(o.Impact.Lost) }

// auditCounts is recorded with each access change (issue 7: "the audit
// entry records the counts").
type auditCounts struct {
	GainedPeople  int `json:"gained_people"`
	GainedTickets int `json:"gained_tickets"`
	LostPeople    int `json:"lost_people"`
	LostTickets   int `json:"lost_tickets"`
}

// guarded runs an access-changing action: it takes the rights of everyone
// on every ticket before and after fn in one transaction, refuses a change
// that widens access to more than ConfirmOver people without req.Yes, and
// rolls back a dry run. fn returns the audit entry to write.
func (s *Service) guarded(ctx context.Context, req Request, fn func(tx *store.Tx) (auditFn func(counts auditCounts) error, err error)) (Outcome, error) {
	out := Outcome{DryRun: req.DryRun}
	err := s.change(ctx, req, func(tx *store.Tx) error {
		facts := access.NewFacts(tx)
		before, err := facts.TakeSnapshot(ctx)
		if err != nil {
			return err
		}
		auditFn, err := fn(tx)
		if err != nil {
			return err
		}
		after, err := access.NewFacts(tx).TakeSnapshot(ctx)
		if err != nil {
			return err
		}
		out.Impact = access.Diff(before, after)
		gained := access.People(out.Impact.Gained)
		if !req.DryRun && !req.Yes && gained > s.conf {
			return refused("this change gives %d people new rights (more than confirm_over=%d): preview it with --dry-run, then repeat with --yes", gained, s.conf)
		}
		if auditFn == nil {
			return nil
		}
		return auditFn(auditCounts{GainedPeople: gained, GainedTickets: access.Tickets(out.Impact.Gained),
			LostPeople: access.People(out.Impact.Lost), LostTickets: access.Tickets(out.Impact.Lost)})
	})
	return out, err
}
