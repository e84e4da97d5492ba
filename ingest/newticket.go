package ingest

import (
	"context"
	"fmt"
	"strings"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/commands"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/ticket"
)

// newTicket opens a ticket (I2) in the organisation I3 chooses, if the
// intake rules let the sender (O7, O8); else it is an I6 rejection.
func (r *run) newTicket(ctx context.Context) error {
	if note, err := r.wantsNote(ctx); err != nil {
		return err
	} else if note {
		r.set(model.OutcomeRejected, "an internal note must reply to a ticket", "I7", "R7")
		return nil
	}
	choice := policy.ChooseOrganisation(r.act.Actor.Person, r.requestedOrg())
	verdict := policy.MayOpenTicket(r.act.Actor.Person, choice, r.p.opts.UnknownSenders)
	if !verdict.OK {
		return r.rejectNoRights(ctx, verdict.Reason, verdict.Rules...)
	}
	r.rules("I2")
	r.rules(choice.Rules...)
	r.rules(verdict.Rules...)
	if err := r.ensureSender(ctx); err != nil {
		return err
	}
	subject := strings.TrimSpace(r.msg.Subject)
	if subject == "" {
		subject = "(no subject)"
	}
	t := &model.Ticket{Subject: truncate(subject, 500), Status: model.StatusOpen, Priority: model.PriorityNormal,
		Type: model.TypeQuestion, OrgID: choice.OrgID, RequesterID: r.act.Actor.User.ID, CreatedAt: r.now, UpdatedAt: r.now,
		Intake: r.intake()}
	var err error
	route := ticket.Routing{Intake: r.intake(), MailboxTeam: r.in.Team, MailboxAddress: r.in.MailboxAddress, OrgID: choice.OrgID}
	if t.TeamID, t.Intake, _, err = r.act.Route(ctx, route); err != nil { // I10
		return err
	}
	if err := r.tx.CreateTicket(ctx, t); err != nil {
		return fmt.Errorf("create ticket: %w", err)
	}
	r.res.TicketID = t.ID
	if err := r.recordInbound(ctx, t.ID); err != nil {
		return err
	}
	view, err := r.facts.NewTicketView(ctx, *t, *r.act.Actor.User, r.act.Actor.Person)
	if err != nil {
		return err
	}
	body, cmds := r.body()
	comment, err := r.addComment(ctx, view, body, model.VisibilityPublic)
	if err != nil {
		return err
	}
	if err := r.applyCommands(ctx, view, cmds); err != nil {
		return err
	}
	joined, err := r.addCCs(ctx, view, r.recipientsOfMail(), "C1")
	if err != nil {
		return err
	}
	r.set(model.OutcomeCreated, "new ticket")
	if len(cmds) > 0 { // commands may have changed the organisation, assignee or followers
		if view, err = r.facts.Refresh(ctx, view); err != nil {
			return err
		}
	}
	return r.notifyNewTicket(ctx, view, comment, choice, joined)
}

// ensureSender makes the sender a user, with the memberships O3 gives now,
// and clears a bouncing mark: they wrote again (B3).
func (r *run) ensureSender(ctx context.Context) error {
	return r.act.EnsureActor(ctx, r.msg.From.Name)
}

// body returns the comment text (quotes trimmed, command block removed)
// and the commands of the block (I8).
//
// For a staff sender (proven: I9 stops the others before), every line of
// their own text that reads as a command is one, wherever it stands, and
// is removed (I8 v3, commands.ParseStaff), so that no such line reaches
// end-users as text; for everyone else only the block at the top counts.
func (r *run) body() (string, []commandLine) {
	text := r.replyText()
	if r.act.Actor.Person.IsStaff() {
		st := commands.ParseStaff(text)
		return st.Rest, st.Commands
	}
	cmds, rest := parseCommands(text)
	return strings.TrimSpace(rest), cmds
}

// addComment stores the message's text and attachments as a comment.
func (r *run) addComment(ctx context.Context, v *access.TicketView, body string, vis model.Visibility) (*model.Comment, error) {
	// The untrimmed text and the HTML stay in the raw message, read with
	// CommentOriginal when shown.
	c := &model.Comment{Visibility: vis, Body: body, RawMessageID: r.raw.ID}
	fromRaw := r.raw.ID != 0
	if !fromRaw {
		c.FullBody, c.HTML = r.msg.Text, r.msg.HTML() // no raw message to read them from
	}
	for i, a := range r.msg.Attachments {
		att := model.Attachment{Filename: a.Filename, ContentType: a.ContentType,
			Size: a.Size, ContentID: a.ContentID, Inline: a.Inline, Content: a.Content}
		if fromRaw && !a.Omitted {
			att.RawPart = i + 1 // read back from the raw message (AttachmentContent), not stored twice
		}
		c.Attachments = append(c.Attachments, att)
	}
	if body == "" && len(c.Attachments) == 0 {
		return nil, nil // commands only: nothing to show
	}
	if r.released != nil {
		return c, r.act.AddReleased(ctx, v, c, *r.released)
	}
	return c, r.act.AddComment(ctx, v, c)
}

// recipientsOfMail lists the addresses in To and Cc.
func (r *run) recipientsOfMail() []string {
	var out []string
	for _, a := range r.msg.To {
		out = append(out, a.Email)
	}
	for _, a := range r.msg.Cc {
		out = append(out, a.Email)
	}
	return out
}

// addCCs makes candidates CCs of the ticket (C1 on an opening mail, C2 on a
// reply), filtered by C3; each addition is on the ticket's history (C6).
// It returns the addresses that joined.
func (r *run) addCCs(ctx context.Context, v *access.TicketView, candidates []string, rule string) (map[string]bool, error) {
	joined, _, err := r.act.AddCCs(ctx, v, candidates, rule)
	return joined, err
}

// intake is the intake address (I10) the message was sent to, "" for the
// support address.
func (r *run) intake() string {
	for _, t := range r.targets {
		if t.Intake != "" {
			return t.Intake
		}
	}
	return ""
}
