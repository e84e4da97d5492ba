package store

import (
	"context"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/model"
)

func scanParticipant(r rowScanner) (model.Participant, error) {
	var p model.Participant
	err := r.Scan(&p.TicketID, &p.UserID, &p.Role, (*nullID)(&p.AddedBy), (*dbTime)(&p.AddedAt))
	return p, err
}

// AddParticipant adds a CC or follower to a ticket. It reports whether it
// was added; a participant already there in that role is no error.
func (q *queries) AddParticipant(ctx context.Context, p model.Participant) (bool, error) {
	q.stamp(&p.AddedAt)
	n, err := q.execRow(ctx, fmt.Sprintf("add %s %d to ticket %d", p.Role, p.UserID, p.TicketID),
		"participants", participantCols, participantConflict, participantValues(p))
	return n > 0, err
}

// RemoveParticipant removes a user's role on a ticket and reports whether
// there was one to remove.
func (q *queries) RemoveParticipant(ctx context.Context, ticketID, userID int64, role model.ParticipantRole) (bool, error) {
	n, err := q.exec(ctx, fmt.Sprintf("remove %s %d from ticket %d", role, userID, ticketID),
		`DELETE FROM participants WHERE ticket_id = ? AND user_id = ? AND role = ?`, ticketID, userID, string(role))
	return n > 0, err
}

// Participants returns a ticket's CCs and followers in the order they were
// added (then by user id).
func (q *queries) Participants(ctx context.Context, ticketID int64) ([]model.Participant, error) {
	return getAll(ctx, q, fmt.Sprintf("list participants of ticket %d", ticketID), scanParticipant,
		`SELECT `+participantCols+` FROM participants WHERE ticket_id = ? ORDER BY added_at, user_id, role`, ticketID)
}

// TicketsOfParticipant returns the ids of the tickets on which the user has
// that role, ascending.
func (q *queries) TicketsOfParticipant(ctx context.Context, userID int64, role model.ParticipantRole) ([]int64, error) {
	return getAll(ctx, q, fmt.Sprintf("list tickets of %s %d", role, userID), scanValue[int64],
		`SELECT ticket_id FROM participants WHERE user_id = ? AND role = ? ORDER BY ticket_id`, userID, string(role))
}
