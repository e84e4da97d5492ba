package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/helpdesk-gw/helpdesk/model"
)

// The staff console's queue (W5, issue 18). Staff may see every ticket
// (R1), so the queue is not scoped to a viewer's rights: it is scoped to
// the view they pick (unassigned in their teams, theirs, a team's, all)
// and their filters, read a page at a time by keyset in order of last
// activity, newest first, through the indexes of migrations 8 and 16.

// QueueView is one of the console's queues.
type QueueView string

// The queues of the console.
const (
	// QueueUnassigned is the tickets nobody is assigned, in the viewer's
	// teams or in no team; all unassigned tickets when the viewer is in
	// no team.
	QueueUnassigned QueueView = "unassigned"
	// QueueMine is the tickets assigned to the viewer.
	QueueMine QueueView = "mine"
	// QueueTeam is the tickets of one team (QueueFilter.TeamID).
	QueueTeam QueueView = "team"
	// QueueAll is every ticket.
	QueueAll QueueView = "all"
)

// Valid reports whether v is a known queue.
func (v QueueView) Valid() bool {
	switch v {
	case QueueUnassigned, QueueMine, QueueTeam, QueueAll:
		return true
	}
	return false
}

// QueueFilter is one queue and its filters; zero filter fields select
// everything in the queue.
type QueueFilter struct {
	View QueueView
	// UserID is the staff member looking: QueueMine is theirs.
	UserID int64
	// MyTeamIDs are the viewer's teams, for QueueUnassigned.
	MyTeamIDs []int64
	// TeamID is the team of QueueTeam.
	TeamID int64

	Statuses    []model.Status
	Priority    model.Priority
	Type        model.TicketType
	OrgID       int64 // -1: tickets without an organisation
	RequesterID int64
	// Text keeps tickets whose subject contains it, ignoring case.
	Text string
}

// where is the queue and its filters as conditions on tickets t.
func (f QueueFilter) where() ([]string, []any, error) {
	w, args := VisibleFilter{Statuses: f.Statuses, OrgID: f.OrgID, Subject: f.Text}.where()
	switch f.View {
	case QueueUnassigned:
		w = append(w, "t.assignee_id IS NULL")
		if len(f.MyTeamIDs) > 0 {
			marks := strings.TrimSuffix(strings.Repeat("?, ", len(f.MyTeamIDs)), ", ")
			w = append(w, "(t.team_id IS NULL OR t.team_id IN ("+marks+"))")
			for _, id := range f.MyTeamIDs {
				args = append(args, id)
			}
		}
	case QueueMine:
		w, args = append(w, "t.assignee_id = ?"), append(args, f.UserID)
	case QueueTeam:
		w, args = append(w, "t.team_id = ?"), append(args, f.TeamID)
	case QueueAll:
	default:
		return nil, nil, fmt.Errorf("unknown queue %q", f.View)
	}
	if f.Priority != "" {
		w, args = append(w, "t.priority = ?"), append(args, string(f.Priority))
	}
	if f.Type != "" {
		w, args = append(w, "t.type = ?"), append(args, string(f.Type))
	}
	if f.RequesterID != 0 {
		w, args = append(w, "t.requester_id = ?"), append(args, f.RequesterID)
	}
	return w, args, nil
}

// QueueKeys returns one page of a queue, newest activity first, as
// cursors: each is the After of the page that follows it. The page's Order
// and Desc are ignored: a queue is always by last activity, newest first.
func (q *queries) QueueKeys(ctx context.Context, f QueueFilter, p TicketPage) ([]TicketCursor, error) {
	op := fmt.Sprintf("list the %s queue", f.View)
	w, args, err := f.where()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	p.Order, p.Desc = OrderByUpdated, true
	cw, cargs, order := p.keyset()
	if cw != "" {
		w, args = append(w, cw), append(args, cargs...)
	}
	return getAll(ctx, q, op, scanCursor,
		`SELECT t.id, t.updated_at FROM tickets t`+whereClause(w)+` ORDER BY `+order+` LIMIT ?`, append(args, p.PageLimit())...)
}

// QueueCount counts the tickets of a queue, stopping at most: a count
// equal to most means "most or more". So the count of a queue of 300,000
// tickets costs no more than reading most index entries.
func (q *queries) QueueCount(ctx context.Context, f QueueFilter, most int) (int, error) {
	op := fmt.Sprintf("count the %s queue", f.View)
	w, args, err := f.where()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	return getOne(ctx, q, op, scanValue[int],
		`SELECT COUNT(*) FROM (SELECT 1 FROM tickets t`+whereClause(w)+` LIMIT ?) c`, append(args, most)...)
}
