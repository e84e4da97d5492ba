package store

import (
	"context"
	"strings"

	"github.com/helpdesk-gw/helpdesk/model"
)

// ListedTicket is a ticket as an administrator's list prints it: the
// ticket with the addresses of its people and its organisation's slug,
// read with it rather than looked up ticket by ticket.
type ListedTicket struct {
	model.Ticket
	Requester string // the requester's address; "" when the user no longer exists
	Assignee  string // "" when unassigned (or the user no longer exists)
	OrgSlug   string // "" when the ticket has no organisation (or it no longer exists)
	// Participants are the CCs and followers, in the order they were
	// added (then user id), as Participants lists them.
	Participants []ListedParticipant
}

// ListedParticipant is a CC or follower of a listed ticket.
type ListedParticipant struct {
	Email string // "" when the user no longer exists
	Role  model.ParticipantRole
}

// ListTicketsWithPeople is ListTickets with the addresses of each ticket's
// requester, assignee and participants and its organisation's slug, in two
// statements whatever the number of tickets (issue 20.2: `ticket list` of
// an organisation's 50,000 tickets in under a second): the tickets joined
// with their people, then the participants of the same tickets.
func (q *queries) ListTicketsWithPeople(ctx context.Context, f TicketFilter) ([]ListedTicket, error) {
	where, args := f.conditions("t.")
	out, err := getAll(ctx, q, "list tickets with their people", scanListedTicket,
		`SELECT `+prefixCols("t.", ticketCols)+`, COALESCE(r.email, ''), COALESCE(a.email, ''), COALESCE(o.slug, '')
		 FROM tickets t
		 LEFT JOIN users r ON r.id = t.requester_id
		 LEFT JOIN users a ON a.id = t.assignee_id
		 LEFT JOIN organisations o ON o.id = t.org_id`+whereClause(where)+` ORDER BY t.id`+f.limit(), args...)
	if err != nil || len(out) == 0 {
		return out, err
	}
	// The page is every ticket f selects between its first and last id:
	// the same conditions bounded by those ids select its participants.
	first, last := out[0].ID, out[len(out)-1].ID
	where = append(where, "t.id >= ?", "t.id <= ?", "p.ticket_id >= ?", "p.ticket_id <= ?")
	args = append(args, first, last, first, last)
	at := make(map[int64]int, len(out))
	for i, t := range out {
		at[t.ID] = i
	}
	type part struct {
		ticket int64
		p      ListedParticipant
	}
	parts, err := getAll(ctx, q, "list participants of listed tickets", func(r rowScanner) (part, error) {
		var x part
		err := r.Scan(&x.ticket, &x.p.Email, &x.p.Role)
		return x, err
	}, `SELECT p.ticket_id, COALESCE(u.email, ''), p.role
		 FROM participants p
		 JOIN tickets t ON t.id = p.ticket_id
		 LEFT JOIN users u ON u.id = p.user_id`+whereClause(where)+`
		 ORDER BY p.ticket_id, p.added_at, p.user_id, p.role`, args...)
	if err != nil {
		return nil, err
	}
	for _, x := range parts {
		if i, ok := at[x.ticket]; ok {
			out[i].Participants = append(out[i].Participants, x.p)
		}
	}
	return out, nil
}

func scanListedTicket(r rowScanner) (ListedTicket, error) {
	var t ListedTicket
	err := r.Scan(&t.ID, &t.Subject, &t.Status, &t.Priority, &t.Type, (*nullID)(&t.OrgID), &t.RequesterID,
		(*nullID)(&t.AssigneeID), (*dbTime)(&t.CreatedAt), (*dbTime)(&t.UpdatedAt), (*nullID)(&t.TeamID), &t.Intake,
		&t.Requester, &t.Assignee, &t.OrgSlug)
	return t, err
}

// prefixCols qualifies each column of a comma-separated list with prefix.
func prefixCols(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// ListTicketsWithPeople reads the page in one transaction, so that its
// participants are those of the same snapshot as its tickets. On
// PostgreSQL a page (f.Limit set) is read without parallel workers: an
// organisation's page of 5,000 tickets is planned as a parallel scan of
// the primary key, and starting the two workers took 30 of its 60 ms
// (issue 20.2). A read of every ticket keeps them: there they pay.
func (s *Store) ListTicketsWithPeople(ctx context.Context, f TicketFilter) ([]ListedTicket, error) {
	var out []ListedTicket
	err := s.InTx(ctx, func(tx *Tx) error {
		if s.backend == Postgres && f.Limit > 0 {
			if err := tx.withoutParallelWorkers(ctx); err != nil {
				return err
			}
		}
		var err error
		out, err = tx.queries.ListTicketsWithPeople(ctx, f)
		return err
	})
	return out, err
}
