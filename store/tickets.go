package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/helpdesk-gw/helpdesk/model"
)

func scanTicket(r rowScanner) (model.Ticket, error) {
	var t model.Ticket
	err := r.Scan(&t.ID, &t.Subject, &t.Status, &t.Priority, &t.Type, (*nullID)(&t.OrgID), &t.RequesterID,
		(*nullID)(&t.AssigneeID), (*dbTime)(&t.CreatedAt), (*dbTime)(&t.UpdatedAt), (*nullID)(&t.TeamID), &t.Intake)
	return t, err
}

// CreateTicket stores a new ticket and sets t.ID. Empty status, priority and
// type are open, normal and question; UpdatedAt defaults to CreatedAt.
func (q *queries) CreateTicket(ctx context.Context, t *model.Ticket) error {
	q.newTicket(t)
	id, err := q.insertRow(ctx, "insert ticket", "tickets", ticketInsertCols, ticketValues(t))
	if err != nil {
		return err
	}
	t.ID = id
	return nil
}

// newTicket sets a new ticket's defaults and times, as CreateTicket
// documents.
func (q *queries) newTicket(t *model.Ticket) {
	ticketDefaults(t)
	q.stamp(&t.CreatedAt)
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = t.CreatedAt
	}
	q.stamp(&t.UpdatedAt)
}

func ticketDefaults(t *model.Ticket) {
	if t.Status == "" {
		t.Status = model.StatusOpen
	}
	if t.Priority == "" {
		t.Priority = model.PriorityNormal
	}
	if t.Type == "" {
		t.Type = model.TypeQuestion
	}
}

// UpdateTicket stores t's subject, status, priority, type, organisation,
// requester, assignee and team, and sets t.UpdatedAt to now.
func (q *queries) UpdateTicket(ctx context.Context, t *model.Ticket) error {
	t.UpdatedAt = q.now()
	return q.execOne(ctx, fmt.Sprintf("update ticket %d", t.ID), ticketUpdateSQL, ticketUpdateValues(t)...)
}

// ticketUpdateSQL writes what a ticket's update may change (all but its
// creation and intake), the plain way and the deferred one.
const ticketUpdateSQL = `UPDATE tickets SET subject = ?, status = ?, priority = ?, type = ?, org_id = ?, requester_id = ?,
	assignee_id = ?, updated_at = ?, team_id = ? WHERE id = ?`

// ticketUpdateValues are t's values for ticketUpdateSQL.
func ticketUpdateValues(t *model.Ticket) []any {
	return []any{t.Subject, string(t.Status), string(t.Priority), string(t.Type), nullID(t.OrgID), t.RequesterID,
		nullID(t.AssigneeID), dbTime(t.UpdatedAt), nullID(t.TeamID), t.ID}
}

// TicketByID returns the ticket with that id, or ErrNotFound.
func (q *queries) TicketByID(ctx context.Context, id int64) (model.Ticket, error) {
	return getOne(ctx, q, fmt.Sprintf("get ticket %d", id), scanTicket,
		`SELECT `+ticketCols+` FROM tickets WHERE id = ?`, id)
}

// TicketFilter selects tickets; zero fields select everything.
type TicketFilter struct {
	OrgID       int64
	Status      model.Status
	RequesterID int64
	AssigneeID  int64 // -1: unassigned tickets
	TeamID      int64 // -1: tickets without a team
	AfterID     int64 // keyset paging: only tickets with a greater id
	Limit       int   // at most this many (0: all)
}

// ListTickets returns the tickets f selects, ordered by id.
func (q *queries) ListTickets(ctx context.Context, f TicketFilter) ([]model.Ticket, error) {
	where, args := f.conditions("")
	return getAll(ctx, q, "list tickets", scanTicket,
		`SELECT `+ticketCols+` FROM tickets`+whereClause(where)+` ORDER BY id`+f.limit(), args...)
}

// conditions is f as SQL conditions on the tickets table (named by
// prefix, "t." say, or "" when it is the only table) with their arguments.
func (f TicketFilter) conditions(prefix string) ([]string, []any) {
	var where []string
	var args []any
	add := func(cond string, arg any) {
		where = append(where, prefix+cond)
		args = append(args, arg)
	}
	if f.OrgID != 0 {
		add("org_id = ?", f.OrgID)
	}
	if f.Status != "" {
		add("status = ?", string(f.Status))
	}
	if f.RequesterID != 0 {
		add("requester_id = ?", f.RequesterID)
	}
	if f.AssigneeID > 0 {
		add("assignee_id = ?", f.AssigneeID)
	} else if f.AssigneeID < 0 {
		where = append(where, prefix+"assignee_id IS NULL")
	}
	if f.TeamID > 0 {
		add("team_id = ?", f.TeamID)
	} else if f.TeamID < 0 {
		where = append(where, prefix+"team_id IS NULL")
	}
	if f.AfterID != 0 {
		add("id > ?", f.AfterID)
	}
	return where, args
}

// limit is f's LIMIT clause, "" for all.
func (f TicketFilter) limit() string {
	if f.Limit > 0 {
		return " LIMIT " + strconv.Itoa(f.Limit)
	}
	return ""
}

// whereClause joins conditions with AND; none gives "".
func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}
