package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
)

// reply handles a message that threads onto a ticket (I4–I7).
func (r *run) reply(ctx context.Context, v *access.TicketView, rights policy.Decision) error {
	switch {
	case rights.Comment:
		return r.comment(ctx, v, rights)
	case rights.View: // I5
		return r.rejectViewOnly(ctx, v, rights)
	}
	r.rules(rights.Rules...)
	return r.rejectNoRights(ctx, "sender has no rights on ticket "+fmt.Sprint(v.Ticket.ID), "I6")
}

// wantsNote reports whether a staff mail is an internal note (I7): sent to
// the note address, with a #note line anywhere in its own text (I8 v3,
// invisible characters and fullwidth "＃" normalised), or answering
// a note notification (N2 over I7: a reply to a note quotes it, so it stays
// a note; docs/decisions.md). A #note line that is malformed ("#note
// customer is rude") still makes a note: when in doubt, staff words stay
// internal (R7).
func (r *run) wantsNote(ctx context.Context) (bool, error) {
	if !r.act.Actor.Person.IsStaff() {
		return false, nil
	}
	if r.isNote() {
		return true, nil
	}
	_, cmds := r.body()
	for _, c := range cmds {
		if c.Name == "note" {
			return true, nil
		}
	}
	return r.answersNote(ctx)
}

// answersNote reports whether the mail replies to a note notification.
func (r *run) answersNote(ctx context.Context) (bool, error) {
	for _, id := range r.msg.InReplyTo {
		_, _, outboxID, err := r.tx.OutboundByMessageID(ctx, id)
		if errors.Is(err, store.ErrNotFound) || outboxID == 0 {
			continue
		} else if err != nil {
			return false, fmt.Errorf("look up replied-to message: %w", err)
		}
		row, err := r.tx.OutboxByID(ctx, outboxID)
		if err != nil {
			return false, fmt.Errorf("look up replied-to notification: %w", err)
		}
		if row.Kind == model.KindNote {
			return true, nil
		}
	}
	return false, nil
}

// isNote reports whether a mail was sent to the note address (I7).
func (r *run) isNote() bool {
	for _, t := range r.targets {
		if t.Note {
			return true
		}
	}
	return false
}

// comment adds a public comment or internal note (I4, I7, I8, C2, C4).
func (r *run) comment(ctx context.Context, v *access.TicketView, rights policy.Decision) error {
	r.rules("I4")
	r.rules(rights.Rules...)
	if held, err := r.loopLimit(ctx, v); held || err != nil {
		return err
	}
	if err := r.ensureSender(ctx); err != nil {
		return err
	}
	if f := r.followTarget(); f != nil {
		if err := r.follow(ctx, v, f.TicketID); err != nil {
			return err
		}
	}
	body, cmds := r.body()
	internal, err := r.wantsNote(ctx)
	if err != nil {
		return err
	}
	vis := model.VisibilityPublic
	if internal {
		vis = model.VisibilityInternal
		r.internal = true
		r.rules("I7", "R7", "N6")
	}
	if err := r.applyCommands(ctx, v, cmds); err != nil {
		return err
	}
	comment, err := r.addComment(ctx, v, body, vis)
	if err != nil {
		return err
	}
	if err := r.recordInbound(ctx, v.Ticket.ID); err != nil {
		return err
	}
	joined, err := r.replyCCs(ctx, v, internal)
	if err != nil {
		return err
	}
	if err := r.reopen(ctx, v, internal); err != nil {
		return err
	}
	r.res.TicketID = v.Ticket.ID
	if internal {
		r.set(model.OutcomeNoted, "internal note")
	} else {
		r.set(model.OutcomeCommented, "comment")
	}
	if comment == nil {
		r.res.Reason += " (commands only)"
	}
	if len(cmds) > 0 || r.followTarget() != nil { // the ticket's people may have changed
		if v, err = r.facts.Refresh(ctx, v); err != nil {
			return err
		}
	}
	return r.notifyComment(ctx, v, comment, internal, joined)
}

// replyCCs adds the To/Cc of a reply as CCs where C2 allows; a staff
// internal note never adds CCs (C4), a claimed sender's are ignored (P3).
func (r *run) replyCCs(ctx context.Context, v *access.TicketView, internal bool) (map[string]bool, error) {
	cands := r.recipientsOfMail()
	if internal {
		r.rules("C4")
		return nil, nil
	}
	if !hasNewCandidates(cands, v, r) {
		return nil, nil
	}
	verdict := policy.MayAddCCs(r.act.Actor.Person, v.Facts, r.proof.Proven())
	if !verdict.OK {
		r.rules(verdict.Rules...)
		r.notedIgnored("the addresses in To/Cc were not added as CCs: %s", verdict.Reason)
		return nil, nil
	}
	return r.addCCs(ctx, v, cands, "C2")
}

// hasNewCandidates reports whether To/Cc name anyone who is not the
// helpdesk, the sender or already on the ticket.
func hasNewCandidates(cands []string, v *access.TicketView, r *run) bool {
	for _, e := range cands {
		if r.p.opts.Addresses.IsOwn(e) || e == r.act.Actor.Person.Email || e == v.Facts.Requester || v.Facts.CCs[e] {
			continue
		}
		return true
	}
	return false
}

// reopen puts a pending or solved ticket back to open when an end-user
// writes publicly.
func (r *run) reopen(ctx context.Context, v *access.TicketView, internal bool) error {
	return r.act.Reopen(ctx, v, internal)
}

// follow adds the sender as a follower (N5): proven, with view rights.
func (r *run) follow(ctx context.Context, v *access.TicketView, ticketID int64) error {
	if ticketID != v.Ticket.ID {
		return nil
	}
	return r.refusal(r.act.Follow(ctx, v), "")
}

// followOnly handles a mail to a follow address from someone who may see
// but not comment (N5): they follow; what they wrote is not added. The
// outcome is commented with a reason saying so (the rule book has no
// outcome for a follow request).
func (r *run) followOnly(ctx context.Context, v *access.TicketView) error {
	r.rules("I1")
	if r.proof.Proven() {
		if err := r.ensureSender(ctx); err != nil {
			return err
		}
	}
	if err := r.follow(ctx, v, v.Ticket.ID); err != nil {
		return err
	}
	r.res.TicketID = v.Ticket.ID
	if len(r.act.Notes) > 0 {
		r.set(model.OutcomeRejected, "follow request refused: "+strings.Join(r.act.Notes, "; "), "N5")
		return r.queueNotice(ctx, v, "command_report")
	}
	r.set(model.OutcomeCommented, "follow request: now following; nothing added to the ticket")
	return nil
}

// loopWindow is how far back B2 counts one sender's comments on a ticket.
const loopWindow = 10 * time.Minute

// loopLimit holds the comment in quarantine once one sender has written
// more than loop_limit comments on the ticket within 10 minutes (B2), and
// tells staff the first time.
func (r *run) loopLimit(ctx context.Context, v *access.TicketView) (bool, error) {
	if r.act.Actor.User == nil {
		return false, nil
	}
	n, err := r.tx.CountCommentsBySince(ctx, v.Ticket.ID, r.act.Actor.User.ID, r.now.Add(-loopWindow))
	if err != nil {
		return false, fmt.Errorf("count recent comments: %w", err)
	}
	if n < r.p.opts.LoopLimit {
		return false, nil
	}
	r.set(model.OutcomeRejected, fmt.Sprintf("more than %d comments from this sender in 10 minutes: held in quarantine", r.p.opts.LoopLimit), "B2")
	r.res.TicketID = v.Ticket.ID
	first, err := r.firstHeldSince(ctx, v.Ticket.ID, r.now.Add(-10*time.Minute))
	if err != nil {
		return true, err
	}
	if err := r.quarantine(ctx, v.Ticket.ID); err != nil {
		return true, err
	}
	if first {
		return true, r.tellStaffOfLoop(ctx, v)
	}
	return true, nil
}
