package ingest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/autoreply"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/templates"
)

// maxReferences caps the References chain of a notification.
const maxReferences = 20

// data is the template data common to every notification about v.
func (r *run) data(v *access.TicketView, body string) templates.Data {
	d := templates.Data{HelpdeskName: r.p.opts.HelpdeskName, Body: body, AuthorName: r.sender.Name, AuthorEmail: r.sender.Email}
	if d.AuthorName == "" {
		d.AuthorName = r.sender.Email
	}
	if v != nil {
		d.TicketID, d.Subject, d.Status = v.Ticket.ID, v.Ticket.Subject, string(v.Ticket.Status)
		if v.Org != nil {
			d.Org = v.Org.Slug
		}
	}
	return d
}

// notifyNewTicket sends N3: the requester's acknowledgement, the
// added-as-CC mails, and the opening comment to followers and the assignee
// (N1, N5).
func (r *run) notifyNewTicket(ctx context.Context, v *access.TicketView, c *model.Comment, choice policy.OrgChoice, joined map[string]bool) error {
	body := ""
	if c != nil {
		body = c.Body
	}
	ack := r.data(v, body)
	ack.Notes = r.notes
	if choice.Ambiguous {
		for _, m := range r.sender.Memberships {
			if m.OrgID != choice.OrgID {
				ack.OtherOrgs = append(ack.OtherOrgs, m.Slug)
			}
		}
	}
	if err := r.queue(ctx, v, v.Facts.Requester, model.KindAck, "ack", ack, []string{"N3"}); err != nil {
		return err
	}
	for _, e := range slices.Sorted(maps.Keys(joined)) { // in a stable order
		if err := r.queue(ctx, v, e, model.KindCCAdded, "cc_added", r.data(v, body), []string{"N3", "C1"}); err != nil {
			return err
		}
	}
	if c == nil {
		return nil
	}
	skip := map[string]bool{v.Facts.Requester: true}
	for e := range joined {
		skip[e] = true
	}
	return r.notifyRecipients(ctx, v, c, false, joined, skip)
}

// notifyComment tells people of a new comment or note (N1, N2, N4), and
// the sender what was ignored (I8, P3).
func (r *run) notifyComment(ctx context.Context, v *access.TicketView, c *model.Comment, internal bool, joined map[string]bool) error {
	if c != nil {
		if err := r.notifyRecipients(ctx, v, c, internal, joined, nil); err != nil {
			return err
		}
	}
	if len(r.notes) == 0 {
		return nil
	}
	d := r.data(v, "")
	d.Notes = r.notes
	return r.queue(ctx, v, r.sender.Email, model.KindNotice, "command_report", d, []string{"I8"})
}

func (r *run) notifyRecipients(ctx context.Context, v *access.TicketView, c *model.Comment, internal bool, joined, skip map[string]bool) error {
	mailTo := map[string]bool{}
	for _, e := range r.recipientsOfMail() {
		mailTo[e] = true
	}
	proven := r.proof.Proven()
	if r.sender.IsStaff() {
		proven = r.proof.StaffProven()
	}
	ev := policy.CommentEvent{Author: r.sender.Email, AuthorProven: proven, Internal: internal, MailRecipients: mailTo, Joined: joined}
	kind, tmpl := model.KindComment, "comment"
	if internal {
		kind, tmpl = model.KindNote, "note"
	}
	for _, rc := range policy.CommentRecipients(ev, v.Facts, v.People) {
		if skip[rc.Email] {
			continue
		}
		d := r.data(v, c.Body)
		if err := r.queue(ctx, v, rc.Email, kind, tmpl, d, rc.Rules); err != nil {
			return err
		}
	}
	return nil
}

// queueNotice sends the sender an I5 notice (naming the ticket) or, with v
// nil, the I6 notice that names nothing.
func (r *run) queueNotice(ctx context.Context, v *access.TicketView, tmpl string) error {
	if v == nil { // I6: names no ticket, subject or reply address
		d := templates.Data{HelpdeskName: r.p.opts.HelpdeskName}
		return r.queue(ctx, nil, r.msg.From.Email, model.KindNotice, tmpl, d, []string{"I6"})
	}
	d := r.data(v, "")
	d.Notes = r.notes
	return r.queue(ctx, v, r.msg.From.Email, model.KindNotice, tmpl, d, []string{"I5"})
}

// queue renders one notification and writes its outbox row (N6), unless
// B1, B2 or B3 hold it back. v is nil for the I6 notice: no ticket, subject
// or reply address.
func (r *run) queue(ctx context.Context, v *access.TicketView, to string, kind model.NotificationKind, tmpl string, d templates.Data, rules []string) error {
	to = model.NormalizeEmail(to)
	if skip, why, err := r.holdBack(ctx, v, to, kind); err != nil || skip {
		if why != "" {
			r.p.log.Info("notification held back", "to", to, "kind", kind, "why", why, "ticket", r.res.TicketID)
		}
		return err
	}
	lang := "en"
	if v != nil && v.Org != nil && v.Org.Language != "" {
		lang = v.Org.Language
	}
	d.Recipient = to
	row := &model.OutboxMessage{Kind: kind, To: to, Status: model.OutboxQueued, NextAttemptAt: r.now, CreatedAt: r.now,
		MessageID: r.p.opts.Addresses.Signer.NewMessageID(r.p.opts.Addresses.Domain), AutoSubmitted: "auto-generated"}
	if kind == model.KindAck {
		row.AutoSubmitted = "auto-replied"
	}
	if v != nil {
		row.TicketID = v.Ticket.ID
		staff, err := r.isStaff(ctx, v, to)
		if err != nil {
			return err
		}
		row.ReplyTo = r.p.opts.Addresses.ReplyAddress(v.Ticket.ID, to, staff)
		d.ReplyAddress = row.ReplyTo
		if err := r.threadHeaders(ctx, row); err != nil {
			return err
		}
	}
	out, err := r.p.opts.Templates.Render(lang, tmpl, d)
	if err != nil {
		return err
	}
	row.Subject, row.TextBody, row.HTMLBody = out.Subject, out.Text, out.HTML
	row.FromName = r.p.opts.HelpdeskName
	if kind == model.KindComment || kind == model.KindNote {
		row.FromName = d.AuthorName + " via " + r.p.opts.HelpdeskName
	}
	if err := r.tx.EnqueueOutbox(ctx, row); err != nil {
		return fmt.Errorf("queue %s to %s: %w", kind, to, err)
	}
	if row.TicketID != 0 {
		if err := r.tx.RecordSentMessageID(ctx, row.TicketID, row.MessageID, to, row.ID); err != nil {
			return fmt.Errorf("record sent Message-ID: %w", err)
		}
	}
	r.res.Notified = append(r.res.Notified, Planned{To: to, Kind: kind, Rules: rules})
	return nil
}

// isStaff reports whether to is staff now, from the ticket's people when
// they include to, else from the user record: a reply token issued to a
// staff member must say so, whoever they are on the ticket (T2).
func (r *run) isStaff(ctx context.Context, v *access.TicketView, to string) (bool, error) {
	if p, ok := v.People[to]; ok {
		return p.IsStaff(), nil
	}
	u, err := r.tx.UserByEmail(ctx, to)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("look up recipient %s: %w", to, err)
	}
	return u.StaffRole.IsStaff(), nil
}

// bouncing reports whether to is marked bouncing (B3), from the ticket's
// people when they include to.
func (r *run) bouncing(ctx context.Context, v *access.TicketView, to string) (bool, error) {
	if v != nil {
		if p, ok := v.People[to]; ok {
			return p.Bouncing, nil
		}
	}
	u, err := r.tx.UserByEmail(ctx, to)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("look up recipient %s: %w", to, err)
	}
	return u.Bouncing, nil
}

// threadHeaders chains a notification to the ticket's earlier messages
// (N6): the messages received, and the recipient's own earlier
// notifications. Other recipients' notifications are never named (B3: a
// forged bounce naming one would silence its recipient).
func (r *run) threadHeaders(ctx context.Context, row *model.OutboxMessage) error {
	ids, err := r.tx.TicketMessageIDsFor(ctx, row.TicketID, row.To)
	if err != nil {
		return fmt.Errorf("message ids of ticket %d: %w", row.TicketID, err)
	}
	if r.msg != nil && r.msg.MessageID != "" && !contains(ids, r.msg.MessageID) {
		ids = append(ids, r.msg.MessageID)
	}
	if len(ids) > maxReferences {
		ids = append(ids[:1:1], ids[len(ids)-maxReferences+1:]...)
	}
	row.References = ids
	if r.msg != nil && r.msg.MessageID != "" {
		row.InReplyTo = r.msg.MessageID
	} else if len(ids) > 0 {
		row.InReplyTo = ids[len(ids)-1]
	}
	return nil
}

// ackWindow is the period of B2's ack_limit.
const ackWindow = time.Hour

// holdBack applies B1 (never answer automatic or list mail automatically),
// B2 (never the helpdesk's own addresses; ack_limit an hour) and B3 (never
// bouncing addresses).
func (r *run) holdBack(ctx context.Context, v *access.TicketView, to string, kind model.NotificationKind) (bool, string, error) {
	if to == "" || r.p.opts.Addresses.IsOwn(to) {
		return true, "B2: the helpdesk's own address", nil
	}
	bouncing, err := r.bouncing(ctx, v, to)
	if err != nil {
		return false, "", err
	}
	if bouncing {
		return true, "B3: address is bouncing", nil
	}
	if !kind.Automatic() {
		return false, "", nil
	}
	if r.class.Kind != autoreply.None {
		r.rules("B1")
		return true, "B1: no automatic answer to " + r.class.Kind.String() + " mail", nil
	}
	n, err := r.tx.CountAutomaticSince(ctx, to, r.now.Add(-ackWindow))
	if err != nil {
		return false, "", fmt.Errorf("count automatic mail to %s: %w", to, err)
	}
	if n >= r.p.opts.AckLimit {
		r.rules("B2")
		return true, fmt.Sprintf("B2: ack_limit of %d an hour reached", r.p.opts.AckLimit), nil
	}
	return false, "", nil
}
