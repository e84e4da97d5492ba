package store

import (
	"context"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/jmoiron/sqlx"
)

// Direction says whether a Message-ID was received or sent by the helpdesk.
type Direction string

// The directions of a recorded Message-ID.
const (
	Inbound  Direction = "in"  // received; the address is the sender
	Outbound Direction = "out" // sent; the address is the recipient
	// InboundNote is a received internal note; the address is its staff
	// author. It threads like Inbound (I1) but is named in References only
	// to its author (N6, R7).
	InboundNote Direction = "note"
)

// RecordMessageID records that a Message-ID (canonical, without angle
// brackets) was received from or sent to address, for a ticket (0: none)
// and, when sent, an outbox row (0: none). It reports whether the record is
// new; recording the same (Message-ID, direction, address) again is no error.
func (q *queries) RecordMessageID(ctx context.Context, ticketID int64, msgID string, dir Direction,
	address string, outboxID int64) (bool, error) {
	r := q.newMsgRow(ticketID, msgID, dir, address, outboxID)
	n, err := q.execRow(ctx, fmt.Sprintf("record %s message id %s", dir, msgID), "message_ids", msgRowInsertCols,
		` ON CONFLICT (message_id, direction, address) DO NOTHING`, msgRowValues(r))
	return n > 0, err
}

// RecordSentMessageID records a Message-ID the helpdesk generated for an
// outbox row (0: none), sent to address, for a ticket (0: none). The
// Message-ID is new by construction, so nothing is looked up first: one
// already recorded for that address is ErrDuplicate.
func (q *queries) RecordSentMessageID(ctx context.Context, ticketID int64, msgID, address string, outboxID int64) error {
	r := q.newMsgRow(ticketID, msgID, Outbound, address, outboxID)
	_, err := q.execRow(ctx, "record sent message id "+msgID, "message_ids", msgRowInsertCols, "", msgRowValues(r))
	return err
}

// newMsgRow is a Message-ID to record now (its id not yet known).
func (q *queries) newMsgRow(ticketID int64, msgID string, dir Direction, address string, outboxID int64) msgRow {
	return msgRow{ticketID: ticketID, msgID: msgID, dir: dir, address: model.NormalizeEmail(address), outboxID: outboxID,
		at: q.now()}
}

// TicketByMessageIDs returns the ticket of the first of ids (in the order
// given) recorded for a ticket in either direction; ErrNotFound if none is.
func (q *queries) TicketByMessageIDs(ctx context.Context, ids []string) (int64, error) {
	const op = "find ticket by message id"
	if len(ids) == 0 {
		return 0, fmt.Errorf("%s: %w", op, ErrNotFound)
	}
	query, args, err := sqlx.In(`SELECT message_id, ticket_id FROM message_ids
		WHERE message_id IN (?) AND ticket_id IS NOT NULL ORDER BY id`, ids)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	found, err := getAll(ctx, q, op, scanMessageTicket, query, args...)
	if err != nil {
		return 0, err
	}
	tickets := make(map[string]int64, len(found))
	for _, f := range found {
		if _, ok := tickets[f.msgID]; !ok {
			tickets[f.msgID] = f.ticketID
		}
	}
	for _, id := range ids {
		if t, ok := tickets[id]; ok {
			return t, nil
		}
	}
	return 0, fmt.Errorf("%s: %w", op, ErrNotFound)
}

type messageTicket struct {
	msgID    string
	ticketID int64
}

func scanMessageTicket(r rowScanner) (messageTicket, error) {
	var m messageTicket
	err := r.Scan(&m.msgID, &m.ticketID)
	return m, err
}

// InboundMessageIDSeen reports whether a Message-ID was already received
// from that sender.
func (q *queries) InboundMessageIDSeen(ctx context.Context, msgID, sender string) (bool, error) {
	n, err := q.count(ctx, "look up inbound message id "+msgID,
		`SELECT COUNT(*) FROM message_ids WHERE message_id = ? AND direction IN ('in', 'note') AND address = ?`,
		msgID, model.NormalizeEmail(sender))
	return n > 0, err
}

// OutboundByMessageID returns the ticket (0: none), recipient and outbox row
// (0: none) of a Message-ID the helpdesk sent, or ErrNotFound.
func (q *queries) OutboundByMessageID(ctx context.Context, msgID string) (ticketID int64, address string,
	outboxID int64, err error) {
	err = q.db.QueryRowxContext(ctx, q.db.Rebind(`SELECT ticket_id, address, outbox_id FROM message_ids
		WHERE message_id = ? AND direction = 'out' ORDER BY id LIMIT 1`), msgID).
		Scan((*nullID)(&ticketID), &address, (*nullID)(&outboxID))
	if err != nil {
		return 0, "", 0, fmt.Errorf("look up outbound message id %s: %w", msgID, translate(err))
	}
	return ticketID, address, outboxID, nil
}

// TicketMessageIDs returns the distinct Message-IDs recorded for a ticket,
// in the order they were first recorded (for References chains).
// TicketMessageIDsFor lists, in the order recorded, the Message-IDs of
// ticketID that recipient may be shown: every message received, and the
// notifications sent to recipient themselves (never those sent to others,
// which would let a recipient name them in a forged bounce, B3). A received
// internal note is named only to its author (InboundNote, N6).
func (q *queries) TicketMessageIDsFor(ctx context.Context, ticketID int64, recipient string) ([]string, error) {
	return getAll(ctx, q, fmt.Sprintf("list message ids of ticket %d for %s", ticketID, recipient), scanValue[string],
		`SELECT message_id FROM message_ids
		 WHERE ticket_id = ? AND (direction = 'in' OR address = ?)
		 GROUP BY message_id ORDER BY MIN(id)`, ticketID, model.NormalizeEmail(recipient))
}

func (q *queries) TicketMessageIDs(ctx context.Context, ticketID int64) ([]string, error) {
	return getAll(ctx, q, fmt.Sprintf("list message ids of ticket %d", ticketID), scanValue[string],
		`SELECT message_id FROM message_ids WHERE ticket_id = ? GROUP BY message_id ORDER BY MIN(id)`, ticketID)
}
