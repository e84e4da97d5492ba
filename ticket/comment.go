package ticket

import (
	"context"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
)

// AddComment stores c on the ticket of v as the actor's: a public comment
// where the actor may comment (R1–R4), an internal note only from staff
// (R7). c.TicketID, AuthorID and CreatedAt are filled in.
func (a *Act) AddComment(ctx context.Context, v *access.TicketView, c *model.Comment) error {
	if c.Visibility == model.VisibilityInternal && !a.Actor.Person.IsStaff() {
		return refused("only staff write internal notes (R7)")
	}
	if d := policy.Rights(a.Actor.Person, v.Facts); !d.Comment {
		return refused("%s may not comment on ticket %d (%s)", a.actorEmail(), v.Ticket.ID, d.Why)
	}
	if a.Actor.User == nil {
		return refused("%s is not a user of this helpdesk", a.actorEmail())
	}
	c.TicketID, c.AuthorID, c.CreatedAt = v.Ticket.ID, a.Actor.User.ID, a.Now
	if err := a.Tx.AddComment(ctx, c); err != nil {
		return fmt.Errorf("add comment to ticket %d: %w", v.Ticket.ID, err)
	}
	return nil
}

// Reopen puts a pending or solved ticket back to open when an end-user
// writes publicly; staff replies and internal notes leave it as it is.
func (a *Act) Reopen(ctx context.Context, v *access.TicketView, internal bool) error {
	if internal || a.Actor.Person.IsStaff() || (v.Ticket.Status != model.StatusPending && v.Ticket.Status != model.StatusSolved) {
		return nil
	}
	t, err := a.Tx.TicketByID(ctx, v.Ticket.ID)
	if err != nil {
		return fmt.Errorf("reload ticket %d: %w", v.Ticket.ID, err)
	}
	before := t.Status
	t.Status, t.UpdatedAt = model.StatusOpen, a.Now
	if err := a.Tx.UpdateTicket(ctx, &t); err != nil {
		return fmt.Errorf("reopen ticket %d: %w", t.ID, err)
	}
	v.Ticket = t
	return a.Event(ctx, t.ID, model.EventStatus, fmt.Sprintf("%s → open (reply from %s)", before, a.actorEmail()))
}

// Reply is a public answer or internal note written outside mail (the
// command line, the web): the comment, reopening as a reply by mail would,
// and the notifications of N1 or N2. What mail does in several steps
// (commands, CCs from its recipients) is not part of it.
func (a *Act) Reply(ctx context.Context, v *access.TicketView, body string, internal bool) (*model.Comment, error) {
	vis := model.VisibilityPublic
	if internal {
		vis = model.VisibilityInternal
		a.Rule("I7", "R7")
	}
	d := policy.Rights(a.Actor.Person, v.Facts)
	a.Rule(d.Rules...)
	c := &model.Comment{Visibility: vis, Body: body, FullBody: body}
	if err := a.AddComment(ctx, v, c); err != nil {
		return nil, err
	}
	if err := a.Reopen(ctx, v, internal); err != nil {
		return nil, err
	}
	return c, a.NotifyComment(ctx, v, c, internal, nil, nil)
}

// AddReleased stores c, the text of a message held in quarantine, as its
// sender's (the actor's) comment, when staff member by releases it (I5,
// I9, S3): the rights were judged by the staff member releasing it, so
// the sender's own are not checked again. The release is on the ticket's
// history.
func (a *Act) AddReleased(ctx context.Context, v *access.TicketView, c *model.Comment, by model.User) error {
	if !by.StaffRole.IsStaff() {
		return refused("only staff release held messages (I5)")
	}
	if a.Actor.User == nil {
		return refused("%s is not a user of this helpdesk", a.actorEmail())
	}
	c.TicketID, c.AuthorID, c.CreatedAt = v.Ticket.ID, a.Actor.User.ID, a.Now
	if err := a.Tx.AddComment(ctx, c); err != nil {
		return fmt.Errorf("add released comment to ticket %d: %w", v.Ticket.ID, err)
	}
	return nil
}
