package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"

	"github.com/helpdesk-gw/helpdesk/model"
)

// The reads of this file load what the send-time check needs about many
// tickets at once: one statement per kind of row (per idChunk ids), not
// one per ticket.

// inChunks runs query, whose one "?" is an IN list, once per chunk of the
// distinct ids, and passes every row scanned to each.
func inChunks[T any](ctx context.Context, q *queries, op string, scan func(rowScanner) (T, error), query string,
	ids []int64, each func(T)) error {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	for chunk := range slices.Chunk(ids, idChunk) {
		qs, args, err := sqlx.In(query, chunk)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		vs, err := getAll(ctx, q, op, scan, qs, args...)
		if err != nil {
			return err
		}
		for _, v := range vs {
			each(v)
		}
	}
	return nil
}

// TicketsByIDs returns the tickets with those ids, by id; unknown (deleted)
// ids are absent.
func (q *queries) TicketsByIDs(ctx context.Context, ids []int64) (map[int64]model.Ticket, error) {
	out := make(map[int64]model.Ticket, len(ids))
	err := inChunks(ctx, q, "get tickets by id", scanTicket, `SELECT `+ticketCols+` FROM tickets WHERE id IN (?)`,
		ids, func(t model.Ticket) { out[t.ID] = t })
	return out, err
}

// ParticipantsOfTickets returns the CCs and followers of several tickets,
// keyed by ticket, each list in the order of Participants (the order they
// were added, then user id). Tickets without any are absent.
func (q *queries) ParticipantsOfTickets(ctx context.Context, ids []int64) (map[int64][]model.Participant, error) {
	out := make(map[int64][]model.Participant, len(ids))
	err := inChunks(ctx, q, "list participants of tickets", scanParticipant,
		`SELECT `+participantCols+` FROM participants WHERE ticket_id IN (?) ORDER BY ticket_id, added_at, user_id, role`,
		ids, func(p model.Participant) { out[p.TicketID] = append(out[p.TicketID], p) })
	return out, err
}

// FollowAllMembersOfOrgs is FollowAllMembersOfOrg for several organisations,
// keyed by organisation, each list by user. Organisations without any are
// absent.
func (q *queries) FollowAllMembersOfOrgs(ctx context.Context, orgIDs []int64) (map[int64][]model.Membership, error) {
	out := make(map[int64][]model.Membership, len(orgIDs))
	err := inChunks(ctx, q, "list follow-all members of organisations", scanMembership,
		`SELECT `+membershipCols+` FROM memberships WHERE org_id IN (?) AND follow_all AND access = 'org' ORDER BY org_id, user_id`,
		orgIDs, func(m model.Membership) { out[m.OrgID] = append(out[m.OrgID], m) })
	return out, err
}

// UsersByEmails returns the users with those addresses (normalised), by
// address; unknown addresses are absent.
func (q *queries) UsersByEmails(ctx context.Context, emails []string) (map[string]model.User, error) {
	norm := make([]string, 0, len(emails))
	for _, e := range emails {
		norm = append(norm, model.NormalizeEmail(e))
	}
	norm = slices.Compact(slices.Sorted(slices.Values(norm)))
	out := make(map[string]model.User, len(norm))
	for chunk := range slices.Chunk(norm, idChunk) {
		qs, args, err := sqlx.In(`SELECT `+userCols+` FROM users WHERE email IN (?)`, chunk)
		if err != nil {
			return nil, fmt.Errorf("get users by email: %w", err)
		}
		users, err := getAll(ctx, q, "get users by email", scanUser, qs, args...)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			out[u.Email] = u
		}
	}
	return out, nil
}
