package ticket

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/templates"
)

// maxReferences caps the References chain of a notification.
const maxReferences = 20

// AckWindow is the period of B2's ack_limit (automatic mail to one address).
const AckWindow = time.Hour

// Data is the template data common to every notification about v, with
// the actor as author; v may be nil (the I6 notice).
func (a *Act) Data(v *access.TicketView, body string) templates.Data {
	p := a.Actor.Person
	d := templates.Data{HelpdeskName: a.s.opts.HelpdeskName, Body: body, AuthorName: p.Name, AuthorEmail: p.Email}
	if d.AuthorName == "" {
		d.AuthorName = p.Email
	}
	if v != nil {
		d.TicketID, d.Subject, d.Status = v.Ticket.ID, v.Ticket.Subject, string(v.Ticket.Status)
		if v.Org != nil {
			d.Org = v.Org.Slug
		}
	}
	return d
}

// NotifyComment tells people of a new comment or internal note: N1 (the
// requester, CCs, followers, assignee; not the author; only who may see
// it), N2 (a note: staff only), N4 (not those the author's proven mail
// already reached, unless they just joined). skip names addresses told
// otherwise (the requester's acknowledgement of a new ticket).
func (a *Act) NotifyComment(ctx context.Context, v *access.TicketView, c *model.Comment, internal bool, joined, skip map[string]bool) error {
	return a.notifyComment(ctx, v, c, internal, joined, skip, true)
}

// NotifyOpeningComment tells followers and an assignee of the comment that
// opened a ticket (N1, N5), but not the team's staff: they are told of the
// new ticket with the whole story (NotifyStaffOfNewTicket, N7).
func (a *Act) NotifyOpeningComment(ctx context.Context, v *access.TicketView, c *model.Comment, joined, skip map[string]bool) error {
	return a.notifyComment(ctx, v, c, false, joined, skip, false)
}

func (a *Act) notifyComment(ctx context.Context, v *access.TicketView, c *model.Comment, internal bool, joined, skip map[string]bool, withTeam bool) error {
	mailTo := map[string]bool{}
	if a.Mail != nil {
		for _, e := range a.Mail.Recipients {
			mailTo[e] = true
		}
	}
	ev := policy.CommentEvent{Author: a.actorEmail(), AuthorProven: a.Actor.Proven, Internal: internal, MailRecipients: mailTo, Joined: joined}
	people := v.People
	if withTeam && !internal && v.Facts.Assignee == "" { // N1, N7: the team's staff while nobody is assigned
		staff, err := a.teamStaff(ctx, v)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(staff, func(p policy.Person) bool { return p.Notify.Or() == model.NotifyTeam }) {
			// N7's fallback: nobody of the team would be told, so the
			// admins and owners are (N1: "the agents of the ticket's team
			// told by N7").
			all, err := a.staffOf(ctx, 0)
			if err != nil {
				return err
			}
			staff = slices.DeleteFunc(all, func(p policy.Person) bool { return !p.Role.AtLeast(model.RoleAdmin) })
			ev.TeamFallback = true
		}
		people = maps.Clone(v.People)
		for _, p := range staff {
			ev.TeamStaff = append(ev.TeamStaff, p.Email)
			if _, ok := people[p.Email]; !ok {
				people[p.Email] = p
			}
		}
	}
	kind, tmpl := model.KindComment, "comment"
	if internal {
		kind, tmpl = model.KindNote, "note"
	}
	for _, rc := range policy.CommentRecipients(ev, v.Facts, people) {
		if skip[rc.Email] {
			continue
		}
		if err := a.Queue(ctx, v, rc.Email, kind, tmpl, a.Data(v, c.Body), rc.Rules); err != nil {
			return err
		}
	}
	return nil
}

// NotifyCCsAdded tells each address in joined that it was added as a CC,
// with its own reply address (N3). body is the comment that opened the
// ticket, if any.
func (a *Act) NotifyCCsAdded(ctx context.Context, v *access.TicketView, joined map[string]bool, body string, rule string) error {
	for _, e := range slices.Sorted(maps.Keys(joined)) { // in a stable order
		if err := a.Queue(ctx, v, e, model.KindCCAdded, "cc_added", a.Data(v, body), []string{"N3", rule}); err != nil {
			return err
		}
	}
	return nil
}

// Report tells the actor what was ignored and why (I8, P3), if anything.
func (a *Act) Report(ctx context.Context, v *access.TicketView) error {
	if len(a.Notes) == 0 {
		return nil
	}
	d := a.Data(v, "")
	d.Notes = a.Notes
	return a.Queue(ctx, v, a.actorEmail(), model.KindNotice, "command_report", d, []string{"I8"})
}

// Queue renders one notification and writes its outbox row (N6), unless
// B1, B2 or B3 hold it back. v is nil for the I6 notice: no ticket,
// subject or reply address.
func (a *Act) Queue(ctx context.Context, v *access.TicketView, to string, kind model.NotificationKind, tmpl string, d templates.Data, rules []string) error {
	to = model.NormalizeEmail(to)
	if skip, why, err := a.holdBack(ctx, v, to, kind); err != nil || skip {
		if why != "" {
			ticketID := int64(0)
			if v != nil {
				ticketID = v.Ticket.ID
			}
			a.s.log.Info("notification held back", "to", to, "kind", kind, "why", why, "ticket", ticketID)
		}
		return err
	}
	lang := "en"
	if v != nil && v.Org != nil && v.Org.Language != "" {
		lang = v.Org.Language
	}
	d.Recipient = to
	addrs := a.s.opts.Addresses
	row := &model.OutboxMessage{Kind: kind, To: to, Status: model.OutboxQueued, NextAttemptAt: a.Now, CreatedAt: a.Now,
		MessageID: addrs.Signer.NewMessageID(addrs.Domain), AutoSubmitted: "auto-generated"}
	if kind == model.KindAck {
		row.AutoSubmitted = "auto-replied"
	}
	if v != nil {
		row.TicketID = v.Ticket.ID
		staff, err := a.isStaff(ctx, v, to)
		if err != nil {
			return err
		}
		row.ReplyTo = addrs.ReplyAddressAt(v.Ticket.Intake, v.Ticket.ID, to, staff) // I10
		d.ReplyAddress = row.ReplyTo
		if a.s.opts.WebURL != "" && d.Link == "" {
			d.Link = strings.TrimSuffix(a.s.opts.WebURL, "/") + "/t/" + strconv.FormatInt(v.Ticket.ID, 10)
		}
		if err := a.threadHeaders(ctx, row); err != nil {
			return err
		}
	}
	out, err := a.s.opts.Templates.Render(lang, tmpl, d)
	if err != nil {
		return err
	}
	row.Subject, row.TextBody, row.HTMLBody = out.Subject, out.Text, out.HTML
	row.FromName = a.s.opts.HelpdeskName
	if kind == model.KindComment || kind == model.KindNote {
		row.FromName = d.AuthorName + " via " + a.s.opts.HelpdeskName
	}
	if err := a.Tx.EnqueueOutbox(ctx, row); err != nil {
		return fmt.Errorf("queue %s to %s: %w", kind, to, err)
	}
	if row.TicketID != 0 {
		if err := a.Tx.RecordSentMessageID(ctx, row.TicketID, row.MessageID, to, row.ID); err != nil {
			return fmt.Errorf("record sent Message-ID: %w", err)
		}
	}
	a.Notified = append(a.Notified, Planned{To: to, Kind: kind, Rules: rules})
	return nil
}

// isStaff reports whether to is staff now, from the ticket's people when
// they include to, else from the user record: a reply token issued to a
// staff member must say so, whoever they are on the ticket (T2).
func (a *Act) isStaff(ctx context.Context, v *access.TicketView, to string) (bool, error) {
	if p, ok := v.People[to]; ok {
		return p.IsStaff(), nil
	}
	u, err := a.Tx.UserByEmail(ctx, to)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("look up recipient %s: %w", to, err)
	}
	return u.StaffRole.IsStaff(), nil
}

// bouncing reports whether to is marked bouncing (B3), from the ticket's
// people when they include to.
func (a *Act) bouncing(ctx context.Context, v *access.TicketView, to string) (bool, error) {
	if v != nil {
		if p, ok := v.People[to]; ok {
			return p.Bouncing, nil
		}
	}
	u, err := a.Tx.UserByEmail(ctx, to)
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
func (a *Act) threadHeaders(ctx context.Context, row *model.OutboxMessage) error {
	ids, err := a.Tx.TicketMessageIDsFor(ctx, row.TicketID, row.To)
	if err != nil {
		return fmt.Errorf("message ids of ticket %d: %w", row.TicketID, err)
	}
	inReplyTo := ""
	if a.Mail != nil {
		inReplyTo = a.Mail.MessageID
	}
	if inReplyTo != "" && !contains(ids, inReplyTo) {
		ids = append(ids, inReplyTo)
	}
	if len(ids) > maxReferences {
		ids = append(ids[:1:1], ids[len(ids)-maxReferences+1:]...)
	}
	row.References = ids
	if inReplyTo != "" {
		row.InReplyTo = inReplyTo
	} else if len(ids) > 0 {
		row.InReplyTo = ids[len(ids)-1]
	}
	return nil
}

// holdBack applies B1 (never answer automatic or list mail automatically),
// B2 (never the helpdesk's own addresses; ack_limit an hour) and B3 (never
// bouncing addresses).
func (a *Act) holdBack(ctx context.Context, v *access.TicketView, to string, kind model.NotificationKind) (bool, string, error) {
	if to == "" || a.s.opts.Addresses.IsOwn(to) {
		return true, "B2: the helpdesk's own address", nil
	}
	bouncing, err := a.bouncing(ctx, v, to)
	if err != nil {
		return false, "", err
	}
	if bouncing {
		return true, "B3: address is bouncing", nil
	}
	if !kind.Automatic() {
		return false, "", nil
	}
	if a.Mail != nil && a.Mail.Automatic != "" {
		a.Rule("B1")
		return true, "B1: no automatic answer to " + a.Mail.Automatic + " mail", nil
	}
	n, err := a.Tx.CountAutomaticSince(ctx, to, a.Now.Add(-AckWindow))
	if err != nil {
		return false, "", fmt.Errorf("count automatic mail to %s: %w", to, err)
	}
	if n >= a.s.opts.AckLimit {
		a.Rule("B2")
		return true, fmt.Sprintf("B2: ack_limit of %d an hour reached", a.s.opts.AckLimit), nil
	}
	return false, "", nil
}
