package store

import (
	"context"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/model"
)

const quarantineCols = `id, raw_message_id, ticket_id, sender, subject, outcome, reason, rules, status, created_at`

func scanQuarantine(r rowScanner) (model.QuarantineEntry, error) {
	var e model.QuarantineEntry
	err := r.Scan(&e.ID, &e.RawMessageID, (*nullID)(&e.TicketID), &e.SenderEmail, &e.Subject, &e.Outcome,
		&e.Reason, (*commaList)(&e.Rules), &e.Status, (*dbTime)(&e.CreatedAt))
	return e, err
}

// AddQuarantine holds an inbound message for staff and sets e.ID; an empty
// status is held.
func (q *queries) AddQuarantine(ctx context.Context, e *model.QuarantineEntry) error {
	e.SenderEmail = model.NormalizeEmail(e.SenderEmail)
	if e.Status == "" {
		e.Status = model.QuarantineHeld
	}
	q.stamp(&e.CreatedAt)
	id, err := q.insert(ctx, fmt.Sprintf("quarantine raw message %d", e.RawMessageID),
		`INSERT INTO quarantine (raw_message_id, ticket_id, sender, subject, outcome, reason, rules, status, created_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.RawMessageID, nullID(e.TicketID), e.SenderEmail, e.Subject, string(e.Outcome), e.Reason,
		commaList(e.Rules), string(e.Status), dbTime(e.CreatedAt))
	if err != nil {
		return err
	}
	e.ID = id
	return nil
}

// ListQuarantine returns the entries with that status ("" for all), oldest first.
func (q *queries) ListQuarantine(ctx context.Context, status model.QuarantineStatus) ([]model.QuarantineEntry, error) {
	if status == "" {
		return getAll(ctx, q, "list quarantine", scanQuarantine,
			`SELECT `+quarantineCols+` FROM quarantine ORDER BY id`)
	}
	return getAll(ctx, q, "list quarantine", scanQuarantine,
		`SELECT `+quarantineCols+` FROM quarantine WHERE status = ? ORDER BY id`, string(status))
}

// QuarantineByID returns one entry, or ErrNotFound.
func (q *queries) QuarantineByID(ctx context.Context, id int64) (model.QuarantineEntry, error) {
	return getOne(ctx, q, fmt.Sprintf("get quarantine entry %d", id), scanQuarantine,
		`SELECT `+quarantineCols+` FROM quarantine WHERE id = ?`, id)
}

// SetQuarantineStatus records that an entry was released or discarded.
func (q *queries) SetQuarantineStatus(ctx context.Context, id int64, status model.QuarantineStatus) error {
	return q.execOne(ctx, fmt.Sprintf("set status of quarantine entry %d", id),
		`UPDATE quarantine SET status = ? WHERE id = ?`, string(status), id)
}
