package ingest

import (
	"context"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/message"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// Release puts a quarantined message onto its ticket as a public comment of
// its sender, in the caller's transaction (I5). It adds no CCs (C4) and
// notifies as any comment does (N1).
func (p *Pipeline) Release(ctx context.Context, tx *store.Tx, q model.QuarantineEntry, actor model.User) ([]Planned, error) {
	raw, err := tx.RawByID(ctx, q.RawMessageID)
	if err != nil {
		return nil, fmt.Errorf("load quarantined message %d: %w", q.RawMessageID, err)
	}
	msg, err := message.Parse(raw.Raw, p.opts.Parse)
	if err != nil {
		return nil, fmt.Errorf("parse quarantined message %d: %w", q.RawMessageID, err)
	}
	r := p.newRun(tx, Input{Raw: raw.Raw, Mailbox: raw.Mailbox}, "")
	r.msg, r.raw, r.released = msg, &raw, &actor
	r.act.Mail = r.mailFacts()
	if err := r.loadSender(ctx); err != nil {
		return nil, err
	}
	if err := r.ensureSender(ctx); err != nil {
		return nil, err
	}
	v, err := r.facts.Ticket(ctx, q.TicketID)
	if err != nil {
		return nil, err
	}
	// A staff note held by the loop limit stays a note when released (R7,
	// N2); commands of a released message are not carried out.
	r.targets = r.helpdeskTargets()
	internal, err := r.wantsNote(ctx)
	if err != nil {
		return nil, err
	}
	vis := model.VisibilityPublic
	if internal {
		vis = model.VisibilityInternal
	}
	body, _ := r.body()
	c, err := r.addComment(ctx, v, body, vis)
	if err != nil {
		return nil, err
	}
	r.res.TicketID = v.Ticket.ID
	if err := r.event(ctx, v.Ticket.ID, actor.ID, model.EventReleased, fmt.Sprintf("message from %s released from quarantine by %s (C4: no CCs added)", msg.From.Email, actor.Email)); err != nil {
		return nil, err
	}
	if msg.MessageID != "" {
		dir := store.Inbound
		if internal {
			dir = store.InboundNote // N6
		}
		if _, err := tx.RecordMessageID(ctx, v.Ticket.ID, msg.MessageID, dir, msg.From.Email, 0); err != nil {
			return nil, fmt.Errorf("record Message-ID: %w", err)
		}
	}
	if v, err = r.facts.Refresh(ctx, v); err != nil {
		return nil, err
	}
	if c == nil {
		return r.act.Notified, nil
	}
	err = r.act.NotifyComment(ctx, v, c, internal, nil, nil)
	return r.act.Notified, err
}
