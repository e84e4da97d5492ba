package ticket

import (
	"context"
	"errors"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
)

// AddCCs makes candidates CCs of the ticket of v under rule (C1 on an
// opening mail, C2 on a reply, C5 by staff), filtered by C3 and, for C1,
// max_new_ccs; each addition is on the ticket's history (C6). Who may add
// CCs is for the caller to have checked (policy.MayAddCCs for C2; staff
// for C5). Addresses refused by C3 are returned, and noted for the actor;
// the addresses that joined are returned as a set.
func (a *Act) AddCCs(ctx context.Context, v *access.TicketView, candidates []string, rule string) (joined map[string]bool, refusedCCs []policy.CCRefusal, err error) {
	skip := map[string]bool{a.actorEmail(): true, v.Facts.Requester: true}
	for e := range v.Facts.CCs {
		skip[e] = true
	}
	max := a.s.opts.MaxNewCCs
	if rule == "C5" {
		max = len(candidates) // staff name each address: no cap
	}
	accepted, refusedCCs := policy.FilterCCs(candidates, skip, policy.CCFilter{
		IsOwn: a.s.opts.Addresses.IsOwn, Blocklist: a.s.opts.CCBlocklist, Max: max,
		Bouncing: func(e string) bool { u, err := a.Tx.UserByEmail(ctx, e); return err == nil && u.Bouncing },
	})
	if rule == "C5" { // staff named the address: say why it is not added (C3)
		for _, e := range candidates {
			if e = model.NormalizeEmail(e); a.s.opts.Addresses.IsOwn(e) {
				refusedCCs = append(refusedCCs, policy.CCRefusal{Email: e, Rule: "C3", Reason: "one of the helpdesk's own addresses"})
			}
		}
	}
	for _, ref := range refusedCCs {
		a.Ignored("%s was not added as a CC: %s (%s)", ref.Email, ref.Reason, ref.Rule)
		a.Rule(ref.Rule)
	}
	joined = map[string]bool{}
	for _, e := range accepted {
		u, p, err := a.EnsureUser(ctx, e, a.nameOf(e))
		if err != nil {
			return nil, nil, err
		}
		added, err := a.Tx.AddParticipant(ctx, model.Participant{TicketID: v.Ticket.ID, UserID: u.ID, Role: model.ParticipantCC, AddedBy: a.actorID(), AddedAt: a.Now})
		if err != nil {
			return nil, nil, fmt.Errorf("add CC %s: %w", e, err)
		}
		if added {
			joined[e] = true
			v.AddCC(*u, p)
			if err := a.Event(ctx, v.Ticket.ID, model.EventCCAdded, e+" added by "+a.actorEmail()+" ("+rule+")"); err != nil {
				return nil, nil, err
			}
		}
	}
	if len(joined) > 0 {
		a.Rule(rule, "C6")
	}
	return joined, refusedCCs, nil
}

// nameOf is the display name the mail gives email, if any.
func (a *Act) nameOf(email string) string {
	if a.Mail == nil {
		return ""
	}
	return a.Mail.Names[email]
}

// RemoveCC removes email from the ticket's CCs (C5), on its history (C6).
// It reports whether email was a CC.
func (a *Act) RemoveCC(ctx context.Context, v *access.TicketView, email string) (bool, error) {
	email = model.NormalizeEmail(email)
	u, err := a.Tx.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("look up CC %s: %w", email, err)
	}
	removed, err := a.Tx.RemoveParticipant(ctx, v.Ticket.ID, u.ID, model.ParticipantCC)
	if err != nil {
		return false, fmt.Errorf("remove CC %s: %w", email, err)
	}
	if !removed {
		return false, nil
	}
	delete(v.Facts.CCs, email)
	a.Rule("C6")
	return true, a.Event(ctx, v.Ticket.ID, model.EventCCRemoved, email+" removed by "+a.actorEmail()+" (C5)")
}

// ChangeCCs is the staff act of C5 (#cc +a -b, ticket cc): it adds and
// removes CCs, C3 applying to additions, and tells each added CC that
// they were added, with their own reply address (N3). Only staff may.
func (a *Act) ChangeCCs(ctx context.Context, v *access.TicketView, add, remove []string) (joined map[string]bool, refusedCCs []policy.CCRefusal, err error) {
	if !a.Actor.Person.IsStaff() {
		return nil, nil, refused("only staff may add and remove CCs with #cc (C5)")
	}
	a.Rule("C5")
	for _, e := range remove {
		if _, err := a.RemoveCC(ctx, v, e); err != nil {
			return nil, nil, err
		}
	}
	if len(add) == 0 {
		return map[string]bool{}, nil, nil
	}
	joined, refusedCCs, err = a.AddCCs(ctx, v, add, "C5")
	if err != nil {
		return nil, nil, err
	}
	return joined, refusedCCs, a.NotifyCCsAdded(ctx, v, joined, "", "C5")
}

// Follow makes the actor a follower of the ticket (N5): they must be
// proven and able to see it. #follow by staff needs nothing more (R1).
func (a *Act) Follow(ctx context.Context, v *access.TicketView) error {
	if !a.Actor.Proven {
		a.Rule("P3")
		return refused("following was ignored: your address could not be proven (P3)")
	}
	if !policy.MayFollow(a.Actor.Person, v.Facts) {
		return refused("following was ignored: you cannot see this ticket")
	}
	if a.Actor.User == nil {
		return refused("following was ignored: you are not a user of this helpdesk")
	}
	a.Rule("N5")
	added, err := a.Tx.AddParticipant(ctx, model.Participant{TicketID: v.Ticket.ID, UserID: a.Actor.User.ID, Role: model.ParticipantFollower, AddedBy: a.Actor.User.ID, AddedAt: a.Now})
	if err != nil {
		return fmt.Errorf("follow ticket %d: %w", v.Ticket.ID, err)
	}
	if !added {
		return nil
	}
	return a.Event(ctx, v.Ticket.ID, model.EventFollowerAdded, a.actorEmail()+" follows")
}

// Unfollow stops the actor following the ticket (N5); it reports whether
// they followed it.
func (a *Act) Unfollow(ctx context.Context, v *access.TicketView) (bool, error) {
	if a.Actor.User == nil {
		return false, nil
	}
	removed, err := a.Tx.RemoveParticipant(ctx, v.Ticket.ID, a.Actor.User.ID, model.ParticipantFollower)
	if err != nil {
		return false, fmt.Errorf("unfollow ticket %d: %w", v.Ticket.ID, err)
	}
	if removed {
		delete(v.Facts.Followers, a.actorEmail())
		return true, a.Event(ctx, v.Ticket.ID, model.EventFollowerRemoved, a.actorEmail()+" stopped following")
	}
	return false, nil
}

// InviteCCs is C2 outside mail (the portal): the actor, proven, adds CCs
// where policy.MayAddCCs allows (staff, the requester, other CCs when the
// organisation says participants); C3 applies; each added CC is told with
// their own reply address (N3).
func (a *Act) InviteCCs(ctx context.Context, v *access.TicketView, emails []string) (map[string]bool, []policy.CCRefusal, error) {
	if verdict := policy.MayAddCCs(a.Actor.Person, v.Facts, a.Actor.Proven); !verdict.OK {
		a.Rule(verdict.Rules...)
		return nil, nil, refused("%s (C2)", verdict.Reason)
	}
	joined, refusedCCs, err := a.AddCCs(ctx, v, emails, "C2")
	if err != nil {
		return nil, nil, err
	}
	return joined, refusedCCs, a.NotifyCCsAdded(ctx, v, joined, "", "C2")
}
