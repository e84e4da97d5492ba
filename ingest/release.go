package ingest

import (
	"context"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/message"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// Release puts a quarantined message onto its ticket as a public comment of
// its sender, in the caller's transaction (I5). It adds no CCs (C4) and
// notifies as any comment does (N1).
func (p *Pipeline) Release(ctx context.Context, tx *store.Tx, q model.QuarantineEntry, actor model.User) error {
	raw, err := tx.RawByID(ctx, q.RawMessageID)
	if err != nil {
		return fmt.Errorf("load quarantined message %d: %w", q.RawMessageID, err)
	}
	msg, err := message.Parse(raw.Raw, p.opts.Parse)
	if err != nil {
		return fmt.Errorf("parse quarantined message %d: %w", q.RawMessageID, err)
	}
	r := &run{p: p, tx: tx, facts: access.NewFacts(tx), in: Input{Raw: raw.Raw, Mailbox: raw.Mailbox}, now: p.opts.Clock().UTC(), msg: msg, raw: &raw}
	if err := r.loadSender(ctx); err != nil {
		return err
	}
	if err := r.ensureSender(ctx); err != nil {
		return err
	}
	v, err := r.facts.Ticket(ctx, q.TicketID)
	if err != nil {
		return err
	}
	// A staff note held by the loop limit stays a note when released (R7,
	// N2); commands of a released message are not carried out.
	r.targets = r.helpdeskTargets()
	internal, err := r.wantsNote(ctx)
	if err != nil {
		return err
	}
	vis := model.VisibilityPublic
	if internal {
		vis = model.VisibilityInternal
	}
	body, _ := r.body()
	c, err := r.addComment(ctx, v, body, vis)
	if err != nil {
		return err
	}
	r.res.TicketID = v.Ticket.ID
	if err := r.event(ctx, v.Ticket.ID, actor.ID, "released", fmt.Sprintf("message from %s released from quarantine by %s (C4: no CCs added)", msg.From.Email, actor.Email)); err != nil {
		return err
	}
	if msg.MessageID != "" {
		if _, err := tx.RecordMessageID(ctx, v.Ticket.ID, msg.MessageID, "in", msg.From.Email, 0); err != nil {
			return fmt.Errorf("record Message-ID: %w", err)
		}
	}
	if v, err = r.facts.Refresh(ctx, v); err != nil {
		return err
	}
	if c == nil {
		return nil
	}
	return r.notifyRecipients(ctx, v, c, internal, nil, nil)
}
