package store

import (
	"context"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/model"
)

func scanEvent(r rowScanner) (model.Event, error) {
	var e model.Event
	err := r.Scan(&e.ID, &e.TicketID, (*nullID)(&e.ActorID), &e.Kind, &e.Detail, (*dbTime)(&e.At))
	return e, err
}

// AddEvent appends an entry to a ticket's history and sets e.ID.
func (q *queries) AddEvent(ctx context.Context, e *model.Event) error {
	q.stamp(&e.At)
	id, err := q.insertRow(ctx, fmt.Sprintf("insert %s event on ticket %d", e.Kind, e.TicketID),
		"events", eventInsertCols, eventValues(e))
	if err != nil {
		return err
	}
	e.ID = id
	return nil
}

// Events returns a ticket's history, oldest first.
func (q *queries) Events(ctx context.Context, ticketID int64) ([]model.Event, error) {
	return getAll(ctx, q, fmt.Sprintf("list events of ticket %d", ticketID), scanEvent,
		`SELECT `+eventCols+` FROM events WHERE ticket_id = ? ORDER BY at, id`, ticketID)
}
