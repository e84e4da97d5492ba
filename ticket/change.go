package ticket

import (
	"context"
	"errors"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// Change is a change of a ticket's fields; empty fields stay as they are.
type Change struct {
	Status   model.Status
	Priority model.Priority
	Type     model.TicketType
	// Assign is a staff member's address, "me" (the actor) or "none".
	Assign string
	// Org is the slug of one of the requester's organisations (I3).
	Org string
	// Team is a team's slug, or "none" (I10).
	Team string
}

// Set applies c to the ticket of v, each changed field recorded on its
// history, the row written once. Staff may change every field (R1, I8); a
// proven requester only the organisation (I3, P3). A field the rules
// refuse changes nothing: with several fields, the others still apply and
// the refusals are returned joined (each wraps ErrRefused).
func (a *Act) Set(ctx context.Context, v *access.TicketView, c Change) error {
	t := v.Ticket
	changed := false
	var refusals []error
	apply := func(did bool, err error) error {
		if errors.Is(err, ErrRefused) {
			refusals = append(refusals, err)
			return nil
		}
		changed = changed || did
		return err
	}
	steps := []func() (bool, error){
		func() (bool, error) { return a.setStatus(ctx, &t, c.Status) },
		func() (bool, error) { return a.setPriority(ctx, &t, c.Priority) },
		func() (bool, error) { return a.setType(ctx, &t, c.Type) },
		func() (bool, error) { return a.assign(ctx, &t, c.Assign) },
		func() (bool, error) { return a.changeOrg(ctx, v, &t, c.Org) },
		func() (bool, error) { return a.setTeam(ctx, &t, c.Team) },
	}
	for _, step := range steps {
		if err := apply(step()); err != nil {
			return err
		}
	}
	if changed {
		t.UpdatedAt = a.Now
		if err := a.Tx.UpdateTicket(ctx, &t); err != nil {
			return fmt.Errorf("update ticket %d: %w", t.ID, err)
		}
		v.Ticket = t
	}
	return errors.Join(refusals...)
}

// staffOnly refuses a change by someone who is not staff (R1: only staff
// work the ticket's fields; I8).
func (a *Act) staffOnly(what string) error {
	if a.Actor.Person.IsStaff() {
		return nil
	}
	return refused("only staff may change the %s (I8)", what)
}

func (a *Act) setStatus(ctx context.Context, t *model.Ticket, s model.Status) (bool, error) {
	if s == "" || s == t.Status {
		return false, nil
	}
	if err := a.staffOnly("status"); err != nil {
		return false, err
	}
	if !s.Valid() {
		return false, refused("%q is not a status (open, pending, solved, closed)", s)
	}
	before := t.Status
	t.Status = s
	return true, a.Event(ctx, t.ID, model.EventStatus, fmt.Sprintf("%s → %s", before, s))
}

func (a *Act) setPriority(ctx context.Context, t *model.Ticket, p model.Priority) (bool, error) {
	if p == "" || p == t.Priority {
		return false, nil
	}
	if err := a.staffOnly("priority"); err != nil {
		return false, err
	}
	if !p.Valid() {
		return false, refused("%q is not a priority (low, normal, high, urgent)", p)
	}
	before := t.Priority
	t.Priority = p
	return true, a.Event(ctx, t.ID, model.EventPriority, fmt.Sprintf("%s → %s", before, p))
}

func (a *Act) setType(ctx context.Context, t *model.Ticket, ty model.TicketType) (bool, error) {
	if ty == "" || ty == t.Type {
		return false, nil
	}
	if err := a.staffOnly("type"); err != nil {
		return false, err
	}
	if !ty.Valid() {
		return false, refused("%q is not a type (question, incident, change, problem)", ty)
	}
	before := t.Type
	t.Type = ty
	return true, a.Event(ctx, t.ID, model.EventType, fmt.Sprintf("%s → %s", before, ty))
}

// assign sets the assignee: only staff can be assignees (S1); "none"
// clears it.
func (a *Act) assign(ctx context.Context, t *model.Ticket, who string) (bool, error) {
	if who == "" {
		return false, nil
	}
	if err := a.staffOnly("assignee"); err != nil {
		return false, err
	}
	if who == "none" {
		if t.AssigneeID == 0 {
			return false, nil
		}
		t.AssigneeID = 0
		return true, a.Event(ctx, t.ID, model.EventAssigned, "(none)")
	}
	if who == "me" {
		who = a.actorEmail()
	}
	a.Rule("S1")
	u, err := a.Tx.UserByEmail(ctx, model.NormalizeEmail(who))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.StaffRole.IsStaff()) {
		return false, refused("%s cannot be assigned: only staff can be assignees (S1)", who)
	} else if err != nil {
		return false, fmt.Errorf("look up assignee %s: %w", who, err)
	}
	if t.AssigneeID == u.ID {
		return false, nil
	}
	t.AssigneeID = u.ID
	return true, a.Event(ctx, t.ID, model.EventAssigned, u.Email)
}

// changeOrg moves the ticket to another organisation the requester belongs
// to (I3): staff, or the requester when proven (P3).
func (a *Act) changeOrg(ctx context.Context, v *access.TicketView, t *model.Ticket, slug string) (bool, error) {
	if slug == "" {
		return false, nil
	}
	isRequester := a.actorEmail() == v.Facts.Requester
	switch {
	case a.Actor.Person.IsStaff():
	case isRequester && !a.Actor.Proven:
		a.Rule("P3")
		return false, refused("the organisation was not changed: your address could not be proven (P3)")
	case !isRequester:
		return false, refused("only staff and the requester may change the organisation (I3)")
	}
	req, ok := v.People[v.Facts.Requester]
	if !ok {
		return false, nil
	}
	m, member := req.MemberOfSlug(slug)
	if !member {
		return false, refused("the requester is not a member of %s (I3)", slug)
	}
	if t.OrgID == m.OrgID {
		return false, nil
	}
	a.Rule("I3")
	before := v.Facts.OrgSlug
	t.OrgID = m.OrgID
	return true, a.Event(ctx, t.ID, model.EventOrgChanged, fmt.Sprintf("%s → %s by %s", orNone(before), slug, a.actorEmail()))
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
