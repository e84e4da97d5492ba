package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/commands"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

type commandLine = commands.Command

func parseCommands(text string) ([]commandLine, string) { return commands.ParseBlock(text) }

// applyCommands carries out the email commands of I8. A command that is
// malformed or not allowed changes nothing; the sender is told.
func (r *run) applyCommands(ctx context.Context, v *access.TicketView, cmds []commandLine) error {
	if len(cmds) == 0 {
		return nil
	}
	r.rules("I8")
	staff := r.sender.IsStaff()
	isRequester := r.sender.Email == v.Facts.Requester
	t := v.Ticket
	changed := false
	for _, c := range cmds {
		switch {
		case c.Err != nil:
			r.notedIgnored("%q was ignored: %v", c.Line, c.Err)
			continue
		case !staff && isRequester && c.Name == "org" && !r.proof.Proven():
			r.rules("P3")
			r.notedIgnored("%q was ignored: your address could not be proven (P3)", c.Line)
			continue
		case !commands.Allowed(c.Name, staff, isRequester && r.proof.Proven()):
			r.notedIgnored("%q was ignored: only staff may use #%s", c.Line, c.Name)
			continue
		}
		did, err := r.applyCommand(ctx, v, &t, c)
		if err != nil {
			return err
		}
		changed = changed || did
	}
	if changed {
		t.UpdatedAt = r.now
		if err := r.tx.UpdateTicket(ctx, &t); err != nil {
			return fmt.Errorf("update ticket %d: %w", t.ID, err)
		}
		v.Ticket = t
	}
	return nil
}

// applyCommand carries out one allowed command; it reports whether the
// ticket row changed.
func (r *run) applyCommand(ctx context.Context, v *access.TicketView, t *model.Ticket, c commandLine) (bool, error) {
	arg := ""
	if len(c.Args) > 0 {
		arg = c.Args[0]
	}
	history := func(kind, detail string) error { return r.event(ctx, t.ID, r.user.ID, kind, detail) }
	switch c.Name {
	case "note":
		return false, nil // decided by the caller (I7)
	case "status":
		before := t.Status
		t.Status = model.Status(arg)
		return before != t.Status, history("status", fmt.Sprintf("%s → %s", before, arg))
	case "priority":
		before := t.Priority
		t.Priority = model.Priority(arg)
		return before != t.Priority, history("priority", fmt.Sprintf("%s → %s", before, arg))
	case "type":
		before := t.Type
		t.Type = model.TicketType(arg)
		return before != t.Type, history("type", fmt.Sprintf("%s → %s", before, arg))
	case "assign":
		return r.assign(ctx, t, arg, history)
	case "org":
		return r.changeOrg(ctx, v, t, arg, history)
	case "cc":
		return false, r.ccCommand(ctx, v, c.Args)
	case "follow":
		_, err := r.tx.AddParticipant(ctx, model.Participant{TicketID: t.ID, UserID: r.user.ID, Role: model.ParticipantFollower, AddedBy: r.user.ID, AddedAt: r.now})
		if err != nil {
			return false, fmt.Errorf("follow ticket %d: %w", t.ID, err)
		}
		r.rules("N5")
		return false, history("follower_added", r.sender.Email+" follows (#follow)")
	}
	r.notedIgnored("%q was ignored: unknown command", c.Line)
	return false, nil
}

// assign sets the assignee: only staff can be assignees (S1).
func (r *run) assign(ctx context.Context, t *model.Ticket, who string, history func(string, string) error) (bool, error) {
	if who == "me" {
		who = r.sender.Email
	}
	u, err := r.tx.UserByEmail(ctx, model.NormalizeEmail(who))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.StaffRole.IsStaff()) {
		r.rules("S1")
		r.notedIgnored("#assign %s was ignored: only staff can be assignees (S1)", who)
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("look up assignee %s: %w", who, err)
	}
	t.AssigneeID = u.ID
	return true, history("assigned", u.Email)
}

// changeOrg moves the ticket to another organisation the requester belongs
// to (I3).
func (r *run) changeOrg(ctx context.Context, v *access.TicketView, t *model.Ticket, slug string, history func(string, string) error) (bool, error) {
	req, ok := v.People[v.Facts.Requester]
	if !ok {
		return false, nil
	}
	m, member := req.MemberOfSlug(slug)
	if !member {
		r.notedIgnored("#org %s was ignored: the requester is not a member of %s (I3)", slug, slug)
		return false, nil
	}
	if t.OrgID == m.OrgID {
		return false, nil
	}
	r.rules("I3")
	before := v.Facts.OrgSlug
	t.OrgID = m.OrgID
	return true, history("org_changed", fmt.Sprintf("%s → %s by %s", orNone(before), slug, r.sender.Email))
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// ccCommand adds and removes CCs (#cc +a -b, C5), C3 applying to additions,
// each change on the history (C6).
func (r *run) ccCommand(ctx context.Context, v *access.TicketView, args []string) error {
	r.rules("C5")
	var add []string
	for _, a := range args {
		email := model.NormalizeEmail(strings.TrimLeft(a, "+-"))
		if strings.HasPrefix(a, "-") {
			if err := r.removeCC(ctx, v, email); err != nil {
				return err
			}
			continue
		}
		add = append(add, email)
	}
	if len(add) == 0 {
		return nil
	}
	_, err := r.addCCs(ctx, v, add, "C5")
	return err
}

func (r *run) removeCC(ctx context.Context, v *access.TicketView, email string) error {
	u, err := r.tx.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return fmt.Errorf("look up CC %s: %w", email, err)
	}
	removed, err := r.tx.RemoveParticipant(ctx, v.Ticket.ID, u.ID, model.ParticipantCC)
	if err != nil {
		return fmt.Errorf("remove CC %s: %w", email, err)
	}
	if removed {
		delete(v.Facts.CCs, email)
		r.rules("C6")
		return r.event(ctx, v.Ticket.ID, r.user.ID, "cc_removed", email+" removed by "+r.sender.Email+" (C5)")
	}
	return nil
}
