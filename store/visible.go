package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
)

// Reads scoped to a viewer (issue 14, house style 14): every query of this
// file starts from the user who looks, and never returns what R1–R4 would
// not show them, so a page fetches nothing it must then hide. It is a
// prefilter, not the judge: the access package runs policy.Rights on each
// row it keeps. The operator's unfiltered views (ListTickets, Comments)
// stay separate.

// TicketOrder is the order of a viewer's ticket list.
type TicketOrder string

// The orders of a viewer's ticket list; each ends on the ticket id, so
// that every ticket has one place and keyset paging never skips or repeats
// a row that did not change.
const (
	// OrderByID orders by ticket id: oldest first, newest first with Desc.
	OrderByID TicketOrder = "id"
	// OrderByUpdated orders by last change, then id: least recently
	// changed first, most recently first with Desc.
	OrderByUpdated TicketOrder = "updated"
)

// Valid reports whether o is a known order; "" counts as OrderByID.
func (o TicketOrder) Valid() bool { return o == "" || o == OrderByID || o == OrderByUpdated }

// VisibleFilter narrows a viewer's ticket list; zero fields select
// everything the viewer may see.
type VisibleFilter struct {
	// Statuses keeps the tickets in one of these statuses.
	Statuses []model.Status
	// OrgID keeps the tickets of that organisation (-1: tickets without one).
	OrgID int64
	// Subject keeps the tickets whose subject contains it, ignoring case
	// (on SQLite, case of ASCII letters only).
	Subject string
}

// TicketCursor is the place of one ticket in a list: its id, and its last
// change for OrderByUpdated. A page starts after it; the zero cursor is
// the start of the list.
type TicketCursor struct {
	ID        int64
	UpdatedAt time.Time
}

// IsZero reports whether c is the start of the list.
func (c TicketCursor) IsZero() bool { return c.ID == 0 && c.UpdatedAt.IsZero() }

// TicketPage asks for one page of a list by keyset: the rows after After
// in Order, at most Limit of them. Never an offset: a page costs the same
// wherever it is, and rows added before it do not shift it.
type TicketPage struct {
	Order TicketOrder
	Desc  bool
	After TicketCursor
	Limit int // 0: DefaultPageLimit; above MaxPageLimit: MaxPageLimit
}

// Page sizes of viewer-scoped lists.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 500
)

// PageLimit is p.Limit as the store applies it.
func (p TicketPage) PageLimit() int {
	switch {
	case p.Limit <= 0:
		return DefaultPageLimit
	case p.Limit > MaxPageLimit:
		return MaxPageLimit
	}
	return p.Limit
}

// CursorOf is the cursor that places t in any order.
func CursorOf(t model.Ticket) TicketCursor {
	return TicketCursor{ID: t.ID, UpdatedAt: normTime(t.UpdatedAt)}
}

// VisibleTicketKeys returns one page of the tickets user viewerID may
// possibly see, as cursors in the page's order: every ticket for staff
// (R1); else the tickets they requested (R2), are CC on (R3), or belong to
// an organisation of theirs whose access is view or comment or where their
// membership's access is org (R4, A1–A3). A viewer who is not a user sees
// nothing. Each cursor is the After of the page that follows it.
//
// It is a superset of what policy.Rights grants, equal to it while the
// rules are R1–R4 as written; callers judge every row with policy.Rights.
func (q *queries) VisibleTicketKeys(ctx context.Context, viewerID int64, f VisibleFilter, p TicketPage) ([]TicketCursor, error) {
	op := fmt.Sprintf("list tickets visible to user %d", viewerID)
	if !p.Order.Valid() {
		return nil, fmt.Errorf("%s: unknown order %q", op, p.Order)
	}
	role, err := getOne(ctx, q, op, scanValue[string], `SELECT staff_role FROM users WHERE id = ?`, viewerID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	fw, fargs := f.where()
	cw, cargs, order := p.keyset()
	if cw != "" {
		fw, fargs = append(fw, cw), append(fargs, cargs...)
	}
	limit := p.PageLimit()
	if model.StaffRole(role).IsStaff() { // R1: staff see all; no scope
		return getAll(ctx, q, op, scanCursor,
			`SELECT t.id, t.updated_at FROM tickets t`+whereClause(fw)+` ORDER BY `+order+` LIMIT ?`, append(fargs, limit)...)
	}
	query, args := q.visibleBranches(viewerID, fw, fargs, order, limit)
	return getAll(ctx, q, op, scanCursor, query, args...)
}

// visibleBranches is the query of one page of an end-user's tickets (R2–R4):
// each way of seeing a ticket is a branch that reads at most one page, in
// the page's order, through its own index (requester and organisation by
// last change, migration 15; CCs by user), with the filters and the keyset
// inside; the union of the branches is ordered and cut to the page. So a
// page costs the page size times the viewer's ways in, not the size of the
// largest organisation they see (issue 17: 50,000 tickets read and sorted
// for each page before). On PostgreSQL each organisation is its own branch
// (LATERAL), read backward from its newest ticket; SQLite, which has no
// LATERAL, reads the organisations' tickets as one branch.
func (q *queries) visibleBranches(viewerID int64, fw []string, fargs []any, order string, limit int) (string, []any) {
	var args []any
	branch := func(from string, cond string, cargs ...any) string {
		args = append(args, cargs...)
		args = append(args, fargs...)
		args = append(args, limit)
		return `SELECT * FROM (SELECT t.id, t.updated_at FROM ` + from + whereClause(append([]string{cond}, fw...)) +
			` ORDER BY ` + order + ` LIMIT ?) b`
	}
	requested := branch("tickets t", "t.requester_id = ?", viewerID)
	copied := branch("participants c JOIN tickets t ON t.id = c.ticket_id", "c.user_id = ? AND c.role = 'cc'", viewerID)
	orgs := `SELECT m.org_id FROM memberships m JOIN organisations g ON g.id = m.org_id
		WHERE m.user_id = ? AND (g.access IN ('view', 'comment') OR m.access = 'org')`
	var shared string
	if q.backend == Postgres {
		args = append(args, viewerID)
		args = append(args, fargs...)
		args = append(args, limit)
		shared = `SELECT x.id, x.updated_at FROM (` + orgs + `) vo, LATERAL (SELECT t.id, t.updated_at FROM tickets t` +
			whereClause(append([]string{"t.org_id = vo.org_id"}, fw...)) + ` ORDER BY ` + order + ` LIMIT ?) x`
	} else {
		shared = branch("tickets t", "t.org_id IN ("+orgs+")", viewerID)
	}
	args = append(args, limit)
	outer := strings.ReplaceAll(order, "t.", "v.")
	return `SELECT v.id, v.updated_at FROM (` + requested + ` UNION ` + copied + ` UNION ` + shared + `) v ORDER BY ` + outer + ` LIMIT ?`, args
}

func scanCursor(r rowScanner) (TicketCursor, error) {
	var c TicketCursor
	err := r.Scan(&c.ID, (*dbTime)(&c.UpdatedAt))
	return c, err
}

// where turns the filter into conditions on tickets t.
func (f VisibleFilter) where() ([]string, []any) {
	var where []string
	var args []any
	if len(f.Statuses) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(f.Statuses)), ", ")
		where = append(where, "t.status IN ("+marks+")")
		for _, s := range f.Statuses {
			args = append(args, string(s))
		}
	}
	switch {
	case f.OrgID > 0:
		where, args = append(where, "t.org_id = ?"), append(args, f.OrgID)
	case f.OrgID < 0:
		where = append(where, "t.org_id IS NULL")
	}
	if s := strings.TrimSpace(f.Subject); s != "" {
		where = append(where, `LOWER(t.subject) LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscaper.Replace(strings.ToLower(s))+"%")
	}
	return where, args
}

// likeEscaper makes text match itself in a LIKE pattern escaped by '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// keyset returns the condition that starts the page after p.After, its
// arguments, and the ORDER BY that goes with it.
func (p TicketPage) keyset() (cond string, args []any, order string) {
	cmp, dir := ">", "ASC"
	if p.Desc {
		cmp, dir = "<", "DESC"
	}
	if p.Order == OrderByUpdated {
		order = "t.updated_at " + dir + ", t.id " + dir
		if !p.After.IsZero() {
			cond = "(t.updated_at, t.id) " + cmp + " (?, ?)"
			args = []any{dbTime(p.After.UpdatedAt), p.After.ID}
		}
		return cond, args, order
	}
	order = "t.id " + dir
	if !p.After.IsZero() {
		cond, args = "t.id "+cmp+" ?", []any{p.After.ID}
	}
	return cond, args, order
}

// CommentScope says which comments of a ticket a viewer is shown (R7).
type CommentScope int

// The comment scopes (R7).
const (
	// PublicOnly: public comments; everyone who is not staff.
	PublicOnly CommentScope = iota
	// WithInternal: public comments and internal notes; staff only.
	WithInternal
)

// CommentsInScope returns a ticket's comments as Comments does, oldest
// first with their attachments' metadata, but only those of scope: with
// PublicOnly, no internal note and no attachment of one is read (R7).
func (q *queries) CommentsInScope(ctx context.Context, ticketID int64, scope CommentScope) ([]model.Comment, error) {
	if scope == WithInternal {
		return q.Comments(ctx, ticketID)
	}
	op := fmt.Sprintf("list public comments of ticket %d", ticketID)
	cs, err := getAll(ctx, q, op, scanComment,
		`SELECT `+commentCols+` FROM comments WHERE ticket_id = ? AND visibility = ? ORDER BY created_at, id`,
		ticketID, string(model.VisibilityPublic))
	if err != nil {
		return nil, err
	}
	as, err := getAll(ctx, q, op, scanAttachment, `SELECT `+attachmentCols+`
		FROM attachments a JOIN comments c ON c.id = a.comment_id
		WHERE c.ticket_id = ? AND c.visibility = ? ORDER BY a.id`, ticketID, string(model.VisibilityPublic))
	if err != nil {
		return nil, err
	}
	index := make(map[int64]int, len(cs))
	for i, c := range cs {
		index[c.ID] = i
	}
	for _, a := range as {
		if i, ok := index[a.CommentID]; ok {
			cs[i].Attachments = append(cs[i].Attachments, a)
		}
	}
	return cs, nil
}

// String is c as text for a link or a form ("" for the start of the list):
// the id, preceded by the last change in microseconds since 1970 and a "."
// when the cursor has one. It is not a secret: the rows a cursor leads to
// are scoped to the viewer all the same.
func (c TicketCursor) String() string {
	if c.IsZero() {
		return ""
	}
	id := strconv.FormatInt(c.ID, 10)
	if c.UpdatedAt.IsZero() {
		return id
	}
	return strconv.FormatInt(c.UpdatedAt.UnixMicro(), 10) + "." + id
}

// ParseTicketCursor reads a cursor written by String; "" is the start of
// the list.
func ParseTicketCursor(s string) (TicketCursor, error) {
	if s == "" {
		return TicketCursor{}, nil
	}
	var c TicketCursor
	idText := s
	if at, id, ok := strings.Cut(s, "."); ok {
		micro, err := strconv.ParseInt(at, 10, 64)
		if err != nil {
			return c, fmt.Errorf("parse ticket cursor %q: %w", s, err)
		}
		c.UpdatedAt, idText = time.UnixMicro(micro).UTC(), id
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id < 0 {
		return TicketCursor{}, fmt.Errorf("parse ticket cursor %q: not a ticket id", s)
	}
	c.ID = id
	return c, nil
}
