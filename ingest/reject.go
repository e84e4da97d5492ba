package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/templates"
	"github.com/helpdesk-gw/helpdesk/threading"
)

// rejectViewOnly is I5: the sender may see the ticket but not comment. The
// message waits in quarantine for staff; the sender gets one short notice
// naming the ticket.
func (r *run) rejectViewOnly(ctx context.Context, v *access.TicketView, rights policy.Decision) error {
	r.rules(rights.Rules...)
	r.set(model.OutcomeRejected, fmt.Sprintf("sender may view ticket %d but not comment: held in quarantine", v.Ticket.ID), "I5")
	r.res.TicketID = v.Ticket.ID
	if err := r.quarantine(ctx, v.Ticket.ID); err != nil {
		return err
	}
	return r.queueNotice(ctx, v, "notice_view_only")
}

// rejectNoRights is I6 (and O7/O8 intake refusals): a notice that says
// only that the message was not accepted. A rejected sender is not made a
// user.
func (r *run) rejectNoRights(ctx context.Context, reason string, rules ...string) error {
	r.set(model.OutcomeRejected, reason, rules...)
	r.rules("I6")
	return r.queueNotice(ctx, nil, "notice_rejected")
}

// quarantine holds the message for staff (I5, B2).
func (r *run) quarantine(ctx context.Context, ticketID int64) error {
	q := &model.QuarantineEntry{RawMessageID: r.raw.ID, TicketID: ticketID, SenderEmail: r.msg.From.Email,
		Subject: truncate(r.msg.Subject, 500), Outcome: model.OutcomeRejected, Reason: r.res.Reason,
		Rules: append([]string(nil), r.act.Rules...), Status: model.QuarantineHeld, CreatedAt: r.now}
	if err := r.tx.AddQuarantine(ctx, q); err != nil {
		return fmt.Errorf("quarantine message: %w", err)
	}
	return nil
}

// firstHeldSince reports whether no message of this sender on this ticket
// was held since t (so staff are told once per burst, B2).
func (r *run) firstHeldSince(ctx context.Context, ticketID int64, t time.Time) (bool, error) {
	held, err := r.tx.ListQuarantine(ctx, model.QuarantineHeld)
	if err != nil {
		return false, fmt.Errorf("list quarantine: %w", err)
	}
	for _, q := range held {
		if q.TicketID == ticketID && q.SenderEmail == r.msg.From.Email && !q.CreatedAt.Before(t) {
			return false, nil
		}
	}
	return true, nil
}

// tellStaffOfLoop sends staff (the assignee, else every admin) a note that
// a sender's comments are being held (B2).
func (r *run) tellStaffOfLoop(ctx context.Context, v *access.TicketView) error {
	to := []string{}
	if v.Facts.Assignee != "" {
		to = append(to, v.Facts.Assignee)
	} else {
		staff, err := r.tx.ListStaff(ctx)
		if err != nil {
			return fmt.Errorf("list staff: %w", err)
		}
		for _, s := range staff {
			if s.StaffRole.AtLeast(model.RoleAdmin) {
				to = append(to, s.Email)
			}
		}
	}
	body := fmt.Sprintf("%s sent more than %d comments on this ticket within 10 minutes. Further messages are held in quarantine: see 'helpdesk quarantine list'.",
		r.msg.From.Email, r.p.opts.LoopLimit)
	d := r.data(v, body)
	d.AuthorName = r.p.opts.HelpdeskName
	for _, e := range to {
		if err := r.queue(ctx, v, e, model.KindNote, "note", d, []string{"B2", "N2"}); err != nil {
			return err
		}
	}
	return nil
}

// rejectUnprovenStaff is I9 (v3): a message that claims a staff address
// without the proof the configuration asks for changes nothing. It is held
// in quarantine (an admin may release it after checking) and the staff
// address is told, at most ack_limit times an hour (B2), how to prove it;
// the notice names no ticket and carries no reply address.
func (r *run) rejectUnprovenStaff(ctx context.Context, match threading.Match) error {
	how := "a reply to a notification they received (P1 b)"
	if r.p.opts.TrustedAuthservID != "" {
		how = "DMARC or aligned DKIM in the Authentication-Results of " + r.p.opts.TrustedAuthservID + " (P1 a)"
	}
	r.set(model.OutcomeRejected, "unproven staff sender: claims a staff address without proof; staff prove it by "+how+": held in quarantine", "I9", "P4")
	r.res.TicketID = match.TicketID
	if err := r.quarantine(ctx, match.TicketID); err != nil {
		return err
	}
	d := templates.Data{HelpdeskName: r.p.opts.HelpdeskName, TrustedAuthserv: r.p.opts.TrustedAuthservID}
	return r.queue(ctx, nil, r.msg.From.Email, model.KindNotice, "notice_unproven_staff", d, []string{"I9"})
}
