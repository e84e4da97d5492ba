package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/model"
)

// rawCols are the columns of raw_messages, without the message itself.
const rawCols = `r.id, r.sha256, r.size, r.message_id, r.from_addr, r.subject, r.mailbox, r.outcome, r.reason,
	r.rules, r.ticket_id, r.duplicate_of, r.received_at`

func scanRaw(r rowScanner, extra ...any) (model.RawMessage, error) {
	var m model.RawMessage
	dest := []any{&m.ID, &m.SHA256, &m.Size, &m.MessageID, &m.From, &m.Subject, &m.Mailbox, &m.Outcome,
		&m.Reason, (*commaList)(&m.Rules), (*nullID)(&m.TicketID), (*nullID)(&m.DuplicateOf),
		(*dbTime)(&m.ReceivedAt)}
	err := r.Scan(append(dest, extra...)...)
	return m, err
}

func scanRawMeta(r rowScanner) (model.RawMessage, error) { return scanRaw(r) }

// rawContent is a raw message with where its bytes are: inline in raw, or
// in chunks pieces under the raw message src (itself or its original).
type rawContent struct {
	model.RawMessage
	src    sql.NullInt64
	chunks int
}

// scanRawFull scans rawCols followed by the source's id, chunks and raw.
func scanRawFull(r rowScanner) (rawContent, error) {
	var raw []byte
	var chunks sql.NullInt64
	var c rawContent
	m, err := scanRaw(r, &c.src, &chunks, &raw)
	m.Raw = raw
	c.RawMessage, c.chunks = m, int(chunks.Int64)
	return c, err
}

// rawWithContent runs a query for one rawContent and reassembles its bytes.
func (q *queries) rawWithContent(ctx context.Context, op, query string, args ...any) (model.RawMessage, error) {
	c, err := getOne(ctx, q, op, scanRawFull, query, args...)
	if err != nil || c.chunks == 0 {
		return c.RawMessage, err
	}
	c.Raw, err = q.readChunks(ctx, op, rawChunks, c.src.Int64)
	return c.RawMessage, err
}

// InsertRaw stores an inbound message as received and sets m.ID. A nil Raw
// is stored as NULL: a duplicate of the same bytes points to the original
// with DuplicateOf instead of keeping a second copy.
func (q *queries) InsertRaw(ctx context.Context, m *model.RawMessage) error {
	q.newRaw(m)
	op := "insert raw message " + m.MessageID
	return q.atomic(ctx, func(q *queries) error {
		id, err := q.insertRow(ctx, op, "raw_messages", rawInsertCols, rawValues(m))
		if err != nil {
			return err
		}
		if chunkCount(m.Raw) > 0 { // in pieces, written now
			if err := q.writeChunks(ctx, op, rawChunks, id, m.Raw); err != nil {
				return err
			}
		}
		m.ID = id
		return nil
	})
}

// newRaw normalises a raw message to insert, as InsertRaw documents.
func (q *queries) newRaw(m *model.RawMessage) {
	m.From = model.NormalizeEmail(m.From)
	q.stamp(&m.ReceivedAt)
	if m.Size == 0 {
		m.Size = int64(len(m.Raw))
	}
}

// SetRawOutcome records what became of an inbound message.
func (q *queries) SetRawOutcome(ctx context.Context, id int64, outcome model.Outcome, reason string,
	rules []string, ticketID int64) error {
	return q.execOne(ctx, fmt.Sprintf("set outcome of raw message %d", id), rawOutcomeSQL,
		string(outcome), reason, commaList(rules), nullID(ticketID), id)
}

// rawOutcomeSQL records a raw message's outcome, the plain way and the
// deferred one.
const rawOutcomeSQL = `UPDATE raw_messages SET outcome = ?, reason = ?, rules = ?, ticket_id = ? WHERE id = ?`

// RawByID returns one inbound message with its bytes; a duplicate stored
// without them gets its original's.
func (q *queries) RawByID(ctx context.Context, id int64) (model.RawMessage, error) {
	return q.rawWithContent(ctx, fmt.Sprintf("get raw message %d", id),
		`SELECT `+rawCols+`, o.id, o.chunks, o.raw
		 FROM raw_messages r LEFT JOIN raw_messages o
		 ON o.id = CASE WHEN r.raw IS NULL AND r.chunks = 0 THEN r.duplicate_of ELSE r.id END
		 WHERE r.id = ?`, id)
}

// RawBySHA256 returns the first message with those bytes that is not itself
// a duplicate, with its bytes, or ErrNotFound.
func (q *queries) RawBySHA256(ctx context.Context, hash string) (model.RawMessage, error) {
	return q.rawWithContent(ctx, "get raw message by hash "+hash,
		`SELECT `+rawCols+`, r.id, r.chunks, r.raw FROM raw_messages r
		 WHERE r.sha256 = ? AND r.duplicate_of IS NULL ORDER BY r.id LIMIT 1`, hash)
}

// RawMetaBySHA256 is RawBySHA256 without the bytes: what a duplicate check
// needs, without reading back a large message.
func (q *queries) RawMetaBySHA256(ctx context.Context, hash string) (model.RawMessage, error) {
	return getOne(ctx, q, "get raw message by hash "+hash, scanRawMeta,
		`SELECT `+rawCols+` FROM raw_messages r
		 WHERE r.sha256 = ? AND r.duplicate_of IS NULL ORDER BY r.id LIMIT 1`, hash)
}

// RawByMessageID returns the first message recorded with Message-ID msgID
// from sender whose outcome was decided (neither failed nor a duplicate),
// without its bytes; ErrNotFound when there is none.
func (q *queries) RawByMessageID(ctx context.Context, msgID, sender string) (model.RawMessage, error) {
	return getOne(ctx, q, "get raw message by Message-ID "+msgID, scanRawMeta,
		`SELECT `+rawCols+` FROM raw_messages r
		 WHERE r.message_id = ? AND r.from_addr = ? AND r.outcome NOT IN ('failed', 'duplicate')
		 ORDER BY r.id LIMIT 1`, msgID, sender)
}

// ListRaw returns the inbound messages with that outcome ("" for all),
// oldest first, without their bytes.
func (q *queries) ListRaw(ctx context.Context, outcome model.Outcome) ([]model.RawMessage, error) {
	if outcome == "" {
		return getAll(ctx, q, "list raw messages", scanRawMeta,
			`SELECT `+rawCols+` FROM raw_messages r ORDER BY r.id`)
	}
	return getAll(ctx, q, "list raw messages", scanRawMeta,
		`SELECT `+rawCols+` FROM raw_messages r WHERE r.outcome = ? ORDER BY r.id`, string(outcome))
}

// RawMetaOfTicket lists the inbound messages recorded against a ticket,
// oldest first, without their bytes: each with its outcome, reason and
// rules (the console's ticket page).
func (q *queries) RawMetaOfTicket(ctx context.Context, ticketID int64) ([]model.RawMessage, error) {
	return getAll(ctx, q, fmt.Sprintf("list raw messages of ticket %d", ticketID), scanRawMeta,
		`SELECT `+rawCols+` FROM raw_messages r WHERE r.ticket_id = ? ORDER BY r.id`, ticketID)
}
