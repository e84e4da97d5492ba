package ingest

import (
	"context"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/templates"
)

// data is the template data common to every notification about v.
func (r *run) data(v *access.TicketView, body string) templates.Data { return r.act.Data(v, body) }

// notifyNewTicket sends N3: the requester's acknowledgement, the
// added-as-CC mails, and the opening comment to followers and the assignee
// (N1, N5).
func (r *run) notifyNewTicket(ctx context.Context, v *access.TicketView, c *model.Comment, choice policy.OrgChoice, joined map[string]bool) error {
	body := ""
	if c != nil {
		body = c.Body
	}
	ack := r.data(v, body)
	ack.Notes = r.act.Notes
	if choice.Ambiguous {
		for _, m := range r.act.Actor.Person.Memberships {
			if m.OrgID != choice.OrgID {
				ack.OtherOrgs = append(ack.OtherOrgs, m.Slug)
			}
		}
	}
	if err := r.queue(ctx, v, v.Facts.Requester, model.KindAck, "ack", ack, []string{"N3"}); err != nil {
		return err
	}
	if err := r.act.NotifyCCsAdded(ctx, v, joined, body, "C1"); err != nil {
		return err
	}
	if c != nil {
		skip := map[string]bool{v.Facts.Requester: true}
		for e := range joined {
			skip[e] = true
		}
		// The opening comment goes to followers and an assignee (N1, N5);
		// staff of the team are told below, with the whole story (N7).
		if err := r.act.NotifyOpeningComment(ctx, v, c, joined, skip); err != nil {
			return err
		}
	}
	return r.act.NotifyStaffOfNewTicket(ctx, v, c)
}

// notifyComment tells people of a new comment or note (N1, N2, N4), and
// the sender what was ignored (I8, P3).
func (r *run) notifyComment(ctx context.Context, v *access.TicketView, c *model.Comment, internal bool, joined map[string]bool) error {
	if c != nil {
		if err := r.act.NotifyComment(ctx, v, c, internal, joined, nil); err != nil {
			return err
		}
	}
	return r.act.Report(ctx, v)
}

// queueNotice sends the sender an I5 notice (naming the ticket) or, with v
// nil, the I6 notice that names nothing.
func (r *run) queueNotice(ctx context.Context, v *access.TicketView, tmpl string) error {
	if v == nil { // I6: names no ticket, subject or reply address
		d := templates.Data{HelpdeskName: r.p.opts.HelpdeskName}
		return r.queue(ctx, nil, r.msg.From.Email, model.KindNotice, tmpl, d, []string{"I6"})
	}
	d := r.data(v, "")
	d.Notes = r.act.Notes
	return r.queue(ctx, v, r.msg.From.Email, model.KindNotice, tmpl, d, []string{"I5"})
}

// queue renders one notification and writes its outbox row (N6), unless
// B1, B2 or B3 hold it back (ticket.Act.Queue).
func (r *run) queue(ctx context.Context, v *access.TicketView, to string, kind model.NotificationKind, tmpl string, d templates.Data, rules []string) error {
	return r.act.Queue(ctx, v, to, kind, tmpl, d, rules)
}
