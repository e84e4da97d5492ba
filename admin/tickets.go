package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/ticket"
)

// TicketView is the JSON shape of ticket show and ticket list (cli.md).
type TicketView struct {
	ID           int64             `json:"id"`
	Subject      string            `json:"subject"`
	Status       string            `json:"status"`
	Priority     string            `json:"priority"`
	Type         string            `json:"type"`
	Organisation *string           `json:"organisation"`
	Requester    string            `json:"requester"`
	Assignee     *string           `json:"assignee"`
	Team         *string           `json:"team"` // slug or null (I10)
	Participants []ParticipantView `json:"participants"`
	Comments     []CommentView     `json:"comments,omitempty"`
}

// ParticipantView is a CC or follower.
type ParticipantView struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

// CommentView is one comment.
type CommentView struct {
	Author      string           `json:"author"`
	Visibility  string           `json:"visibility"`
	Body        string           `json:"body"`
	CreatedAt   string           `json:"created_at"`
	Attachments []AttachmentView `json:"attachments"`
}

// AttachmentView is one attachment's metadata.
type AttachmentView struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// TicketList lists tickets, oldest first, filtered by organisation slug and
// status.
func (s *Service) TicketList(ctx context.Context, orgSlug string, status model.Status) ([]TicketView, error) {
	return s.TicketListPage(ctx, TicketQuery{Org: orgSlug, Status: status})
}

// TicketQuery selects a page of tickets for TicketListPage.
type TicketQuery struct {
	Org      string       // organisation slug ("": every ticket)
	Status   model.Status // "": any
	Assignee string       // the assignee's address, "none" for unassigned tickets, "": any
	Team     string       // the team's slug, "none" for tickets of no team (I10), "": any
	Limit    int          // at most this many (0: all)
	After    int64        // keyset paging: tickets with a greater id than this
}

// TicketListPage is TicketList for one page, oldest first: the tickets
// with an id above q.After, at most q.Limit of them, read from the store
// a page at a time rather than all of them (issue 20.2: `ticket list
// --limit`).
func (s *Service) TicketListPage(ctx context.Context, q TicketQuery) ([]TicketView, error) {
	s.forgetTeams()
	f, none, err := s.ticketFilter(ctx, q)
	if err != nil || none {
		return nil, err
	}
	return s.listPage(ctx, f)
}

// TicketListPages lists the tickets q selects a page of q.Limit at a
// time, oldest first, from q.After, giving each page to each until the
// list ends or each returns false or an error. The next page is read
// while each handles one, so that printing and the database work side by
// side.
func (s *Service) TicketListPages(ctx context.Context, q TicketQuery, each func([]TicketView) (bool, error)) error {
	s.forgetTeams()
	f, none, err := s.ticketFilter(ctx, q)
	if err != nil || none {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type read struct {
		page []TicketView
		err  error
	}
	start := func(f store.TicketFilter) <-chan read {
		ch := make(chan read, 1)
		go func() {
			page, err := s.listPage(ctx, f)
			ch <- read{page, err}
		}()
		return ch
	}
	next := start(f)
	for {
		r := <-next
		if r.err != nil || len(r.page) == 0 {
			return r.err
		}
		next = nil
		if f.Limit > 0 && len(r.page) == f.Limit {
			f.AfterID = r.page[len(r.page)-1].ID
			next = start(f)
		}
		more, err := each(r.page)
		if err != nil || !more || next == nil {
			if next != nil {
				cancel()
				<-next // the read ahead ends before its store is closed
			}
			return err
		}
	}
}

// ticketFilter checks q and turns it into the store's filter; none
// reports that no ticket can match (an assignee or team that does not
// exist).
func (s *Service) ticketFilter(ctx context.Context, q TicketQuery) (f store.TicketFilter, none bool, err error) {
	f = store.TicketFilter{Status: q.Status, AfterID: q.After, Limit: q.Limit}
	if q.Status != "" && !q.Status.Valid() {
		return f, false, usage("--status must be open, pending, solved or closed")
	}
	if q.Org != "" {
		o, err := s.st.OrgBySlug(ctx, q.Org)
		if errors.Is(err, store.ErrNotFound) {
			return f, false, refused("no organisation %q", q.Org)
		} else if err != nil {
			return f, false, err
		}
		f.OrgID = o.ID
	}
	var noAssignee, noTeam bool
	f.AssigneeID, noAssignee, err = filterID(q.Assignee, func(email string) (int64, error) {
		u, err := s.st.UserByEmail(ctx, model.NormalizeEmail(email))
		return u.ID, err
	})
	if err != nil {
		return f, false, err
	}
	f.TeamID, noTeam, err = filterID(q.Team, func(slug string) (int64, error) {
		t, err := s.st.TeamBySlug(ctx, slug)
		return t.ID, err
	})
	if err != nil {
		return f, false, err
	}
	if noAssignee || noTeam {
		return f, true, nil
	}
	return f, false, nil
}

// filterID turns a --assignee or --team value into the store filter's id:
// 0 for "" (any), -1 for "none", else the id lookup finds; none reports a
// name that does not exist, which no ticket can match.
func filterID(name string, lookup func(string) (int64, error)) (id int64, none bool, err error) {
	switch name = strings.ToLower(strings.TrimSpace(name)); name {
	case "":
		return 0, false, nil
	case "none":
		return -1, false, nil
	}
	id, err = lookup(name)
	if errors.Is(err, store.ErrNotFound) {
		return 0, true, nil
	}
	return id, false, err
}

// listPage reads the page f selects with its people's addresses
// (store.ListTicketsWithPeople: two statements a page) and prints each
// ticket as ticket show would, without comments: a list needs no access
// facts, only names.
func (s *Service) listPage(ctx context.Context, f store.TicketFilter) ([]TicketView, error) {
	ts, err := s.st.ListTicketsWithPeople(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]TicketView, 0, len(ts))
	for i := range ts {
		t := &ts[i]
		v := TicketView{ID: t.ID, Subject: t.Subject, Status: string(t.Status), Priority: string(t.Priority), Type: string(t.Type),
			Requester: t.Requester, Participants: make([]ParticipantView, 0, len(t.Participants))}
		if t.OrgSlug != "" {
			v.Organisation = &t.OrgSlug
		}
		if t.Assignee != "" {
			v.Assignee = &t.Assignee
		}
		if t.TeamID != 0 {
			slug, err := s.teamSlug(ctx, t.TeamID)
			if err != nil {
				return nil, err
			}
			v.Team = &slug
		}
		for _, p := range t.Participants {
			v.Participants = append(v.Participants, ParticipantView{Email: p.Email, Role: string(p.Role)})
		}
		out = append(out, v)
	}
	return out, nil
}

// TicketShow returns one ticket with its comments.
func (s *Service) TicketShow(ctx context.Context, id int64) (TicketView, error) {
	s.forgetTeams()
	return s.ticketView(ctx, id, true)
}

func (s *Service) ticketView(ctx context.Context, id int64, withComments bool) (TicketView, error) {
	vs, err := s.ticketViews(ctx, []int64{id})
	if err != nil {
		return TicketView{}, err
	}
	if len(vs) == 0 {
		return TicketView{}, refused("no ticket %d", id)
	}
	if !withComments {
		return vs[0], nil
	}
	return vs[0], s.addComments(ctx, &vs[0])
}

// ticketViews builds the views of the tickets ids, in that order, in a
// constant number of queries whatever their number (per chunk of ids, see
// access.Facts.Tickets): their facts at once, their participants at once,
// the teams once. A ticket that no longer exists is left out.
func (s *Service) ticketViews(ctx context.Context, ids []int64) ([]TicketView, error) {
	tickets, err := s.st.TicketsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	return s.viewsOf(ctx, access.NewFacts(s.st), ids, tickets)
}

// viewsOf is ticketViews for tickets already read, keyed by id.
func (s *Service) viewsOf(ctx context.Context, facts *access.Facts, ids []int64, tickets map[int64]model.Ticket) ([]TicketView, error) {
	parts, err := s.st.ParticipantsOfTickets(ctx, ids)
	if err != nil {
		return nil, err
	}
	views, err := facts.TicketsOf(ctx, tickets, parts)
	if err != nil {
		return nil, err
	}
	out := make([]TicketView, 0, len(ids))
	for _, id := range ids {
		tv, ok := views[id]
		if !ok {
			continue
		}
		v, err := s.viewOf(ctx, tv, parts[id])
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// viewOf is the printed form of a ticket without its comments, from its
// access facts and its participants in the order they were added.
func (s *Service) viewOf(ctx context.Context, tv *access.TicketView, parts []model.Participant) (TicketView, error) {
	t := tv.Ticket
	v := TicketView{ID: t.ID, Subject: t.Subject, Status: string(t.Status), Priority: string(t.Priority), Type: string(t.Type),
		Requester: tv.Facts.Requester, Participants: []ParticipantView{}}
	if tv.Org != nil {
		v.Organisation = &tv.Org.Slug
	}
	if tv.Facts.Assignee != "" {
		a := tv.Facts.Assignee
		v.Assignee = &a
	}
	if t.TeamID != 0 {
		slug, err := s.teamSlug(ctx, t.TeamID)
		if err != nil {
			return v, err
		}
		v.Team = &slug
	}
	for _, p := range parts {
		v.Participants = append(v.Participants, ParticipantView{Email: tv.Users[p.UserID].Email, Role: string(p.Role)})
	}
	return v, nil
}

func (s *Service) addComments(ctx context.Context, v *TicketView) error {
	cs, err := s.st.Comments(ctx, v.ID)
	if err != nil {
		return err
	}
	return s.setComments(ctx, v, cs)
}

// TicketShowAs returns one ticket as viewer would see it (R1–R7): refused
// when they may not see it (R5); internal notes for staff only (R7).
func (s *Service) TicketShowAs(ctx context.Context, id int64, viewer string) (TicketView, error) {
	seen, err := access.NewFacts(s.st).TicketAs(ctx, viewer, id)
	if errors.Is(err, access.ErrNotVisible) {
		return TicketView{}, refused("R5: %s may not see ticket %d (or there is no such ticket)", model.NormalizeEmail(viewer), id)
	} else if err != nil {
		return TicketView{}, err
	}
	v, err := s.ticketView(ctx, id, false)
	if err != nil {
		return v, err
	}
	return v, s.setComments(ctx, &v, seen.Comments)
}

// setComments fills v's comments from cs, oldest first.
func (s *Service) setComments(ctx context.Context, v *TicketView, cs []model.Comment) error {
	v.Comments = []CommentView{}
	for _, c := range cs {
		author := ""
		if u, err := s.st.UserByID(ctx, c.AuthorID); err == nil {
			author = u.Email
		}
		cv := CommentView{Author: author, Visibility: string(c.Visibility), Body: c.Body,
			CreatedAt: c.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), Attachments: []AttachmentView{}}
		for _, a := range c.Attachments {
			cv.Attachments = append(cv.Attachments, AttachmentView{Filename: a.Filename, ContentType: a.ContentType, Size: a.Size})
		}
		v.Comments = append(v.Comments, cv)
	}
	return nil
}

// TicketAccess explains who can read ticket id and why (issue 7).
func (s *Service) TicketAccess(ctx context.Context, id int64) ([]access.Entry, error) {
	out, err := access.NewFacts(s.st).Explain(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, refused("no ticket %d", id)
	}
	return out, err
}

// OutboxView is the JSON shape of outbox list (cli.md).
type OutboxView struct {
	ID        int64  `json:"id"`
	Ticket    *int64 `json:"ticket"`
	To        string `json:"to"`
	Kind      string `json:"kind"`
	Subject   string `json:"subject"`
	Status    string `json:"status"`
	MessageID string `json:"message_id"`
	ReplyTo   string `json:"reply_to"`
	// LastError is the relay's answer to the last attempt, if it failed.
	LastError string `json:"last_error"`
}

// OutboxList lists queued, sent and failed notifications, oldest first.
func (s *Service) OutboxList(ctx context.Context, ticket int64, status model.OutboxStatus) ([]OutboxView, error) {
	rows, err := s.st.ListOutbox(ctx, store.OutboxFilter{TicketID: ticket, Status: status})
	if err != nil {
		return nil, err
	}
	out := []OutboxView{}
	for _, r := range rows {
		v := OutboxView{ID: r.ID, To: r.To, Kind: string(r.Kind), Subject: r.Subject, Status: string(r.Status),
			MessageID: "<" + r.MessageID + ">", ReplyTo: r.ReplyTo, LastError: r.LastError}
		if r.TicketID != 0 {
			id := r.TicketID
			v.Ticket = &id
		}
		out = append(out, v)
	}
	return out, nil
}

// QuarantineView is the JSON shape of quarantine list (cli.md).
type QuarantineView struct {
	ID      int64    `json:"id"`
	Outcome string   `json:"outcome"`
	Reason  string   `json:"reason"`
	From    string   `json:"from"`
	Subject string   `json:"subject"`
	Ticket  *int64   `json:"ticket"`
	Rules   []string `json:"rules"`
	Status  string   `json:"status"`
}

// QuarantineList lists messages held for staff.
func (s *Service) QuarantineList(ctx context.Context) ([]QuarantineView, error) {
	qs, err := s.st.ListQuarantine(ctx, model.QuarantineHeld)
	if err != nil {
		return nil, err
	}
	out := []QuarantineView{}
	for _, q := range qs {
		out = append(out, quarantineView(q))
	}
	return out, nil
}

// quarantineView is the printed form of a held message.
func quarantineView(q model.QuarantineEntry) QuarantineView {
	v := QuarantineView{ID: q.ID, Outcome: string(q.Outcome), Reason: q.Reason, From: q.SenderEmail, Subject: q.Subject,
		Rules: q.Rules, Status: string(q.Status)}
	if q.Rules == nil {
		v.Rules = []string{}
	}
	if q.TicketID != 0 {
		id := q.TicketID
		v.Ticket = &id
	}
	return v
}

// Settled is what releasing or discarding a held message did (or, on a
// dry run, would do).
type Settled struct {
	DryRun   bool             `json:"dry_run"`
	ID       int64            `json:"id"`
	Status   string           `json:"status"`
	Ticket   *int64           `json:"ticket"`
	From     string           `json:"from"`
	Notified []ticket.Planned `json:"notified"`
}

// QuarantineRelease puts a held message onto its ticket as a comment of its
// sender; it adds no CCs (C4); the release is audited (S3).
func (s *Service) QuarantineRelease(ctx context.Context, req Request, id int64) (Settled, error) {
	return s.settle(ctx, req, id, model.QuarantineReleased)
}

// QuarantineDiscard drops a held message (the raw message stays kept).
func (s *Service) QuarantineDiscard(ctx context.Context, req Request, id int64) (Settled, error) {
	return s.settle(ctx, req, id, model.QuarantineDiscarded)
}

func (s *Service) settle(ctx context.Context, req Request, id int64, status model.QuarantineStatus) (Settled, error) {
	out := Settled{DryRun: req.DryRun, ID: id, Status: string(status), Notified: []ticket.Planned{}}
	err := s.change(ctx, req, func(tx *store.Tx) error {
		a, err := actor(ctx, tx, req, model.RoleAgent)
		if err != nil {
			return err
		}
		q, err := tx.QuarantineByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return refused("no quarantined message %d", id)
		} else if err != nil {
			return err
		}
		if q.Status != model.QuarantineHeld {
			return refused("message %d was already %s", id, q.Status)
		}
		out.From = q.SenderEmail
		if q.TicketID != 0 {
			t := q.TicketID
			out.Ticket = &t
		}
		if status == model.QuarantineReleased {
			if q.TicketID == 0 {
				return refused("message %d concerns no ticket: nothing to release it onto", id)
			}
			if s.rel == nil {
				return fmt.Errorf("release: no pipeline configured")
			}
			planned, err := s.rel.Release(ctx, tx, q, a)
			if err != nil {
				return err
			}
			out.Notified = append(out.Notified, planned...)
		}
		if err := tx.SetQuarantineStatus(ctx, id, status); err != nil {
			return err
		}
		action := "quarantine.discard"
		if status == model.QuarantineReleased {
			action = "quarantine.release"
		}
		return s.audit(ctx, tx, req, action, fmt.Sprint(id), map[string]any{"status": "held", "ticket": q.TicketID, "from": q.SenderEmail},
			map[string]any{"status": string(status)})
	})
	return out, err
}

// AuditView is the JSON shape of audit (cli.md).
type AuditView struct {
	At     string `json:"at"`
	Actor  string `json:"actor"`
	Action string `json:"action"`
	Target string `json:"target"`
	Before any    `json:"before"`
	After  any    `json:"after"`
	Reason string `json:"reason"`
}

// Audit lists the audit log, oldest first.
func (s *Service) Audit(ctx context.Context) ([]AuditView, error) {
	es, err := s.st.ListAudit(ctx)
	if err != nil {
		return nil, err
	}
	out := []AuditView{}
	for _, e := range es {
		out = append(out, AuditView{At: e.At.UTC().Format("2006-01-02T15:04:05Z"), Actor: e.Actor, Action: e.Action,
			Target: e.Target, Before: rawJSON(e.Before), After: rawJSON(e.After), Reason: e.Reason})
	}
	return out, nil
}

// forgetTeams drops the team slugs read before: each listing reads them
// afresh, once.
func (s *Service) forgetTeams() {
	s.teamsMu.Lock()
	s.teamSlugs = nil
	s.teamsMu.Unlock()
}

// teamSlug is the slug of team id, read with the teams once per listing
// (a list of many tickets reads the teams once).
func (s *Service) teamSlug(ctx context.Context, id int64) (string, error) {
	s.teamsMu.Lock()
	defer s.teamsMu.Unlock()
	if slug, ok := s.teamSlugs[id]; ok {
		return slug, nil
	}
	teams, err := s.st.ListTeams(ctx)
	if err != nil {
		return "", err
	}
	s.teamSlugs = map[int64]string{}
	for _, t := range teams {
		s.teamSlugs[t.ID] = t.Slug
	}
	if slug, ok := s.teamSlugs[id]; ok {
		return slug, nil
	}
	return fmt.Sprintf("(team %d)", id), nil
}
