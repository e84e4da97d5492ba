package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/commands"
	"github.com/helpdesk-gw/helpdesk/message"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
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
	choice := policy.ChooseOrganisation(r.sender, r.requestedOrg())
	verdict := policy.MayOpenTicket(r.sender, choice, r.p.opts.UnknownSenders)
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
		Type: model.TypeQuestion, OrgID: choice.OrgID, RequesterID: r.user.ID, CreatedAt: r.now, UpdatedAt: r.now}
	if err := r.tx.CreateTicket(ctx, t); err != nil {
		return fmt.Errorf("create ticket: %w", err)
	}
	r.res.TicketID = t.ID
	if err := r.recordInbound(ctx, t.ID); err != nil {
		return err
	}
	view, err := r.facts.NewTicketView(ctx, *t, *r.user, r.sender)
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
	if r.user != nil {
		if r.user.Bouncing {
			r.user.Bouncing = false
			if err := r.tx.UpdateUser(ctx, r.user); err != nil {
				return fmt.Errorf("clear bouncing of %s: %w", r.user.Email, err)
			}
		}
		return nil
	}
	// loadSender found no user: create it without looking again.
	u, p, err := r.newUser(ctx, r.msg.From.Email, r.msg.From.Name)
	if err != nil {
		return err
	}
	if p.Name == "" {
		p.Name = r.sender.Name
	}
	r.user, r.sender = u, p
	return nil
}

// createUser returns the user with email and their policy view, creating
// the user (O3) when there is none.
func (r *run) createUser(ctx context.Context, email, name string) (*model.User, policy.Person, error) {
	email = model.NormalizeEmail(email)
	if u, err := r.tx.UserByEmail(ctx, email); err == nil {
		p, err := r.facts.PersonOf(ctx, u)
		return &u, p, err
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, policy.Person{}, fmt.Errorf("look up user %s: %w", email, err)
	}
	return r.newUser(ctx, email, name)
}

// newUser creates a user that does not exist yet, with the memberships O3
// gives their domain now, and returns the policy's view of them.
func (r *run) newUser(ctx context.Context, email, name string) (*model.User, policy.Person, error) {
	email = model.NormalizeEmail(email)
	u := &model.User{Email: email, Name: truncate(name, 200), CreatedAt: r.now}
	if err := r.tx.CreateUser(ctx, u); err != nil {
		return nil, policy.Person{}, fmt.Errorf("create user %s: %w", email, err)
	}
	orgs, err := r.facts.Orgs(ctx)
	if err != nil {
		return nil, policy.Person{}, err
	}
	p := policy.Person{Email: email, UserID: u.ID, Name: u.Name}
	for _, m := range policy.DerivedMemberships(email, orgs) { // O3
		ms := model.Membership{UserID: u.ID, OrgID: m.OrgID, Access: model.MemberAccessOwn, Source: model.SourceDomain, CreatedAt: r.now}
		if err := r.tx.UpsertMembership(ctx, ms); err != nil {
			return nil, policy.Person{}, fmt.Errorf("membership of %s in %s: %w", email, m.Slug, err)
		}
		m.Since = r.now
		p.Memberships = append(p.Memberships, m)
	}
	return u, p, nil
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
	if r.sender.IsStaff() {
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
	c := &model.Comment{TicketID: v.Ticket.ID, AuthorID: r.user.ID, Visibility: vis, Body: body,
		RawMessageID: r.raw.ID, CreatedAt: r.now}
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
	if err := r.tx.AddComment(ctx, c); err != nil {
		return nil, fmt.Errorf("add comment to ticket %d: %w", v.Ticket.ID, err)
	}
	return c, nil
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
	skip := map[string]bool{r.sender.Email: true, v.Facts.Requester: true}
	for e := range v.Facts.CCs {
		skip[e] = true
	}
	accepted, refused := policy.FilterCCs(candidates, skip, policy.CCFilter{
		IsOwn: r.p.opts.Addresses.IsOwn, Blocklist: r.p.opts.CCBlocklist, Max: r.p.opts.MaxNewCCs,
		Bouncing: func(e string) bool { u, err := r.tx.UserByEmail(ctx, e); return err == nil && u.Bouncing },
	})
	for _, ref := range refused {
		r.notedIgnored("%s was not added as a CC: %s (%s)", ref.Email, ref.Reason, ref.Rule)
		r.rules(ref.Rule)
	}
	joined := map[string]bool{}
	for _, e := range accepted {
		u, p, err := r.createUser(ctx, e, nameOf(r.msg, e))
		if err != nil {
			return nil, err
		}
		added, err := r.tx.AddParticipant(ctx, model.Participant{TicketID: v.Ticket.ID, UserID: u.ID, Role: model.ParticipantCC, AddedBy: r.user.ID, AddedAt: r.now})
		if err != nil {
			return nil, fmt.Errorf("add CC %s: %w", e, err)
		}
		if added {
			joined[e] = true
			v.AddCC(*u, p)
			if err := r.event(ctx, v.Ticket.ID, r.user.ID, "cc_added", e+" added by "+r.sender.Email+" ("+rule+")"); err != nil {
				return nil, err
			}
		}
	}
	if len(joined) > 0 {
		r.rules(rule, "C6")
	}
	return joined, nil
}

// nameOf is the display name the mail gives email, if any.
func nameOf(m *message.Message, email string) string {
	for _, list := range [][]message.Address{m.To, m.Cc} {
		for _, a := range list {
			if a.Email == email {
				return a.Name
			}
		}
	}
	return ""
}
