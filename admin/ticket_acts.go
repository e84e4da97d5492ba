package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/ticket"
)

// Acted is what a staff member's act on a ticket did (or, on a dry run,
// would do): the rules applied and the notifications queued.
type Acted struct {
	// Outcome is what the act did to access: who gained or lost rights on
	// the ticket (ticket cc; empty for the other acts).
	Outcome
	Ticket   int64            `json:"ticket"`
	Comment  *int64           `json:"comment"`
	Rules    []string         `json:"rules"`
	Notified []ticket.Planned `json:"notified"`
}

// actOn runs fn as the staff member req.As (at least an agent, S1, S2) on
// ticket id through package ticket, the same acts mail uses, in one
// transaction that a dry run rolls back; the act is audited (S3) under
// action with the summary fn returns.
func (s *Service) actOn(ctx context.Context, req Request, id int64, action string,
	fn func(a *ticket.Act, v *access.TicketView, out *Acted) (before, after any, err error)) (Acted, error) {
	out := Acted{Outcome: Outcome{DryRun: req.DryRun, Impact: access.Impact{Gained: []access.Change{}, Lost: []access.Change{}}},
		Ticket: id, Rules: []string{}, Notified: []ticket.Planned{}}
	if s.acts == nil {
		return out, fmt.Errorf("%s: no ticket service configured", action)
	}
	err := s.change(ctx, req, func(tx *store.Tx) error {
		u, err := actor(ctx, tx, req, model.RoleAgent)
		if err != nil {
			return err
		}
		facts := access.NewFacts(tx)
		p, err := facts.PersonOf(ctx, u)
		if err != nil {
			return err
		}
		a := s.acts.Begin(tx, facts, s.now().UTC(), ticket.Actor{User: &u, Person: p, Proven: true, Channel: ticket.ChannelCLI}, nil)
		v, err := a.Open(ctx, id)
		if err != nil {
			return asRefusal(err)
		}
		before, after, err := fn(a, v, &out)
		if err != nil {
			return asRefusal(err)
		}
		out.Rules = append(out.Rules, a.Rules...)
		out.Notified = append(out.Notified, a.Notified...)
		return s.audit(ctx, tx, req, action, fmt.Sprint(id), before, after)
	})
	return out, err
}

// asRefusal maps a refusal of package ticket to this package's ErrRefused
// (exit code 1).
func asRefusal(err error) error {
	if errors.Is(err, ticket.ErrRefused) {
		return refused("%s", strings.TrimPrefix(err.Error(), ticket.ErrRefused.Error()+": "))
	}
	return err
}

// TicketReply adds a public answer (internal false, N1) or an internal note
// (internal true, N2, R7) to ticket id as the staff member req.As, notifying
// exactly as the same reply by mail would.
func (s *Service) TicketReply(ctx context.Context, req Request, id int64, body string, internal bool) (Acted, error) {
	body = strings.TrimSpace(body)
	if body == "" {
		return Acted{}, usage("the reply is empty: give its text on stdin or with --file")
	}
	action := "ticket.reply"
	if internal {
		action = "ticket.note"
	}
	var commentID int64
	out, err := s.actOn(ctx, req, id, action, func(a *ticket.Act, v *access.TicketView, _ *Acted) (any, any, error) {
		c, err := a.Reply(ctx, v, body, internal)
		if err != nil {
			return nil, nil, err
		}
		commentID = c.ID
		vis := "public"
		if internal {
			vis = "internal"
		}
		return nil, map[string]any{"comment": c.ID, "visibility": vis, "notified": len(a.Notified)}, nil
	})
	if err == nil && !req.DryRun {
		out.Comment = &commentID
	}
	return out, err
}

// TicketSet changes a ticket's status, priority, type, assignee or
// organisation as the staff member req.As (I8's acts, R1, S1, I3), each
// change on the ticket's history.
func (s *Service) TicketSet(ctx context.Context, req Request, id int64, c ticket.Change) (Acted, error) {
	if c == (ticket.Change{}) {
		return Acted{}, usage("ticket set: nothing to change (give --status, --priority, --type, --assign or --org)")
	}
	return s.actOn(ctx, req, id, "ticket.set", func(a *ticket.Act, v *access.TicketView, out *Acted) (any, any, error) {
		before := fieldsOf(v)
		// Moving a ticket to another organisation changes who sees it
		// (R4): everyone who can see it before and after is judged, and
		// the change is guarded like every change that widens access.
		var rightsBefore map[string]policy.Decision
		if c.Org != "" {
			var err error
			if rightsBefore, err = explained(ctx, a.Facts, id); err != nil {
				return nil, nil, err
			}
		}
		if err := a.Set(ctx, v, c); err != nil {
			return nil, nil, err
		}
		v, err := a.Facts.Refresh(ctx, v)
		if err != nil {
			return nil, nil, err
		}
		after := fieldsOf(v)
		if c.Org != "" {
			rightsAfter, err := explained(ctx, a.Facts, id)
			if err != nil {
				return nil, nil, err
			}
			for e := range rightsBefore {
				if _, ok := rightsAfter[e]; !ok {
					rightsAfter[e] = policy.Decision{}
				}
			}
			out.Impact = diffRights(id, rightsBefore, rightsAfter)
			gained := access.People(out.Impact.Gained)
			if !req.DryRun && !req.Yes && gained > s.conf {
				return nil, nil, refused("this change gives %d people new rights (more than confirm_over=%d): preview it with --dry-run, then repeat with --yes", gained, s.conf)
			}
			after["access_change"] = auditCounts{GainedPeople: gained, GainedTickets: access.Tickets(out.Impact.Gained),
				LostPeople: access.People(out.Impact.Lost), LostTickets: access.Tickets(out.Impact.Lost)}
		}
		return before, after, nil
	})
}

// explained is what everyone who can see ticket id may do on it, from its
// explanation (ticket access): staff, its requester, CCs and followers,
// and its organisation's members, the only people who can have rights.
func explained(ctx context.Context, f *access.Facts, id int64) (map[string]policy.Decision, error) {
	es, err := f.Explain(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make(map[string]policy.Decision, len(es))
	for _, e := range es {
		out[e.Email] = policy.Decision{View: e.View, Comment: e.Comment}
	}
	return out, nil
}

// fieldsOf is what ticket set may change, for the audit log.
func fieldsOf(v *access.TicketView) map[string]any {
	return map[string]any{"status": v.Ticket.Status, "priority": v.Ticket.Priority, "type": v.Ticket.Type,
		"assignee": v.Facts.Assignee, "organisation": v.Facts.OrgSlug}
}

// TicketCC adds and removes CCs (C5) as the staff member req.As: C3
// applies to additions, each change is on the ticket's history (C6), each
// added CC is told with their own reply address (N3), and the change is
// audited (S3). A change that lets more than confirm_over people see the
// ticket needs req.Yes, like every change that widens access.
func (s *Service) TicketCC(ctx context.Context, req Request, id int64, add, remove []string) (Acted, error) {
	for i, e := range add {
		n, err := validEmail(e)
		if err != nil {
			return Acted{}, err
		}
		add[i] = n
	}
	return s.actOn(ctx, req, id, "ticket.cc", func(a *ticket.Act, v *access.TicketView, out *Acted) (any, any, error) {
		before := ccsOf(v)
		people := append(append([]string{}, add...), remove...)
		rightsBefore, err := rightsOn(ctx, a.Facts, v, people)
		if err != nil {
			return nil, nil, err
		}
		for _, e := range remove {
			if !v.Facts.CCs[model.NormalizeEmail(e)] {
				return nil, nil, refused("%s is not a CC of ticket %d", model.NormalizeEmail(e), id)
			}
		}
		_, refusedCCs, err := a.ChangeCCs(ctx, v, add, remove)
		if err != nil {
			return nil, nil, err
		}
		if len(refusedCCs) > 0 {
			r := refusedCCs[0]
			return nil, nil, refused("%s: %s is not added as a CC: %s", r.Rule, r.Email, r.Reason)
		}
		after, err := a.Facts.Refresh(ctx, v)
		if err != nil {
			return nil, nil, err
		}
		rightsAfter, err := rightsOn(ctx, a.Facts, after, people)
		if err != nil {
			return nil, nil, err
		}
		out.Impact = diffRights(id, rightsBefore, rightsAfter)
		gained := access.People(out.Impact.Gained)
		if !req.DryRun && !req.Yes && gained > s.conf {
			return nil, nil, refused("this change gives %d people new rights (more than confirm_over=%d): preview it with --dry-run, then repeat with --yes", gained, s.conf)
		}
		counts := auditCounts{GainedPeople: gained, GainedTickets: access.Tickets(out.Impact.Gained),
			LostPeople: access.People(out.Impact.Lost), LostTickets: access.Tickets(out.Impact.Lost)}
		return map[string]any{"ccs": before}, map[string]any{"ccs": ccsOf(after), "added": add, "removed": remove, "access_change": counts}, nil
	})
}

// ccsOf lists the ticket's CCs in order.
func ccsOf(v *access.TicketView) []string {
	out := []string{}
	for e := range v.Facts.CCs {
		out = append(out, e)
	}
	slices.Sort(out)
	return out
}

// rightsOn is what each of emails may do on the ticket of v (R1–R5): the
// only people a CC change can affect, so the preview costs what the change
// touches, not the size of the store.
func rightsOn(ctx context.Context, f *access.Facts, v *access.TicketView, emails []string) (map[string]policy.Decision, error) {
	out := map[string]policy.Decision{}
	for _, e := range emails {
		e = model.NormalizeEmail(e)
		p, ok := v.People[e]
		if !ok {
			var err error
			if p, _, err = f.Person(ctx, e); err != nil {
				return nil, err
			}
		}
		out[e] = policy.Rights(p, v.Facts)
	}
	return out, nil
}

// diffRights lists the rights gained and lost on ticket id between two
// judgements of the same people, in a stable order.
func diffRights(id int64, before, after map[string]policy.Decision) access.Impact {
	im := access.Impact{Gained: []access.Change{}, Lost: []access.Change{}}
	emails := make([]string, 0, len(after))
	for e := range after {
		emails = append(emails, e)
	}
	slices.Sort(emails)
	for _, e := range emails {
		b, a := before[e], after[e]
		for _, r := range []struct {
			name     string
			was, now bool
		}{{"comment", b.Comment, a.Comment}, {"view", b.View, a.View}} {
			switch {
			case r.now && !r.was:
				im.Gained = append(im.Gained, access.Change{Email: e, Ticket: id, Right: r.name})
			case r.was && !r.now:
				im.Lost = append(im.Lost, access.Change{Email: e, Ticket: id, Right: r.name})
			}
		}
	}
	return im
}
