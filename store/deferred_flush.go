package store

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
	"strings"

	"github.com/helpdesk-gw/helpdesk/model"
)

// Bounds of one multi-row INSERT: parameters (SQLite allows 32,766,
// PostgreSQL 65,535) and bytes of text and binary values (lib/pq builds the
// whole statement in memory).
const (
	maxFlushParams = 30000
	maxFlushBytes  = 4 << 20
)

// Flush writes the pending rows now. Statements that reach the database
// and the commit flush by themselves; Flush is for callers that want a
// write error at a known point.
func (t *Tx) Flush(ctx context.Context) error {
	if t.d == nil {
		return nil
	}
	if err := t.flush(ctx); err != nil {
		if t.d.err == nil {
			t.d.err = err
		}
		return err
	}
	return t.d.err
}

// flush writes every pending row now.
func (t *Tx) flush(ctx context.Context) error {
	d := t.d
	if d == nil {
		return nil
	}
	if d.err != nil {
		return d.err
	}
	if !d.pending() {
		return nil
	}
	d.flushing = true
	defer func() { d.flushing = false }()
	return t.write(ctx, d.take())
}

// pendingWrite is the statements that write what was pending when taken:
// multi-row INSERTs, table by table, then UPDATEs of rows written before
// (outcomes of raw messages, tickets).
type pendingWrite struct {
	sets    []rowSet
	updates []rowUpdate
}

// rowUpdate is one UPDATE of a row written before.
type rowUpdate struct {
	what  string // "update ticket 5", for its error
	query string
	args  []any
}

// take turns the pending rows into the values of their statements and
// empties them: users, memberships, tickets, raw messages, comments,
// blobs, attachments, participants, events, outbox, Message-IDs, in the
// order their references need; then the outcomes of raw messages written
// by an earlier flush.
func (d *deferred) take() pendingWrite {
	// blobs and raw messages go inline: one stored in chunks is not deferred
	sets := slices.DeleteFunc([]rowSet{
		rowsWithID("users", userInsertCols, d.pUsers,
			func(u *model.User) (int64, []any) { return u.ID, userValues(u) }),
		rowsOf("memberships", membershipCols, membershipUpsert, lastMemberships(d.pMemberships), membershipValues),
		rowsWithID("tickets", ticketInsertCols, d.pTickets,
			func(t *model.Ticket) (int64, []any) { return t.ID, ticketValues(t) }),
		rowsWithID("raw_messages", rawInsertCols, d.pRaws,
			func(m *model.RawMessage) (int64, []any) { return m.ID, rawValues(m) }),
		rowsWithID("comments", commentInsertCols, d.pComments,
			func(c *model.Comment) (int64, []any) { return c.ID, commentValues(c) }),
		rowsOf("blobs", blobCols, blobConflict, d.pBlobs,
			func(b blobRow) []any { return blobValues(b.sha256, b.content) }),
		rowsWithID("attachments", attachmentInsertCols, d.pAttachments,
			func(a *model.Attachment) (int64, []any) { return a.ID, attachmentValues(a) }),
		rowsOf("participants", participantCols, participantConflict, d.pParts, participantValues),
		rowsWithID("events", eventInsertCols, d.pEvents,
			func(e *model.Event) (int64, []any) { return e.ID, eventValues(e) }),
		rowsWithID("outbox", outboxInsertCols, d.pOutbox,
			func(m *model.OutboxMessage) (int64, []any) { return m.ID, outboxValues(m) }),
		rowsWithID("message_ids", msgRowInsertCols, d.pMsgIDs,
			func(r msgRow) (int64, []any) { return r.id, msgRowValues(r) }),
	}, func(rs rowSet) bool { return len(rs.rows) == 0 })
	w := pendingWrite{sets: sets}
	for _, id := range d.pRawUpdates {
		m := d.rawsByID[id]
		w.updates = append(w.updates, rowUpdate{fmt.Sprintf("set outcome of raw message %d", id), rawOutcomeSQL,
			[]any{string(m.Outcome), m.Reason, commaList(m.Rules), nullID(m.TicketID), id}})
	}
	for _, tk := range d.pTicketUpdates {
		w.updates = append(w.updates, rowUpdate{fmt.Sprintf("update ticket %d", tk.ID), ticketUpdateSQL, ticketUpdateValues(tk)})
	}
	for _, m := range d.pRaws {
		m.Raw = nil // written; the cache keeps the metadata only
	}
	d.pUsers, d.pMemberships, d.pTickets, d.pRaws, d.pComments = nil, nil, nil, nil, nil
	d.pParts, d.pEvents, d.pOutbox, d.pMsgIDs, d.pRawUpdates, d.pTicketUpdates = nil, nil, nil, nil, nil, nil
	d.pBlobs, d.pAttachments = nil, nil
	return w
}

// write runs the statements of w on the transaction's connection.
func (t *Tx) write(ctx context.Context, w pendingWrite) error {
	for _, s := range w.sets {
		if err := t.insertRows(ctx, s); err != nil {
			return err
		}
	}
	for _, u := range w.updates {
		if _, err := t.execPrepared(ctx, u.query, u.args...); err != nil {
			return fmt.Errorf("%s: %w", u.what, translate(err))
		}
	}
	return nil
}

// rowSet is the pending rows of one table.
type rowSet struct {
	table  string
	cols   string  // the column list without id, in the order of each row's values (rows.go)
	suffix string  // ON CONFLICT …
	ids    []int64 // each row's id, taken in advance; nil for a table without ids
	rows   [][]any
}

// rowsWithID is the rowSet of items, each written with the id it was
// given in advance; row returns an item's id and its values for cols.
func rowsWithID[T any](table, cols string, items []T, row func(T) (int64, []any)) rowSet {
	rs := rowSet{table: table, cols: cols, ids: make([]int64, 0, len(items)), rows: make([][]any, 0, len(items))}
	for _, it := range items {
		id, vals := row(it)
		rs.ids = append(rs.ids, id)
		rs.rows = append(rs.rows, vals)
	}
	return rs
}

// rowsOf is the rowSet of items of a table without ids, then suffix.
func rowsOf[T any](table, cols, suffix string, items []T, values func(T) []any) rowSet {
	rs := rowSet{table: table, cols: cols, suffix: suffix, rows: make([][]any, 0, len(items))}
	for _, it := range items {
		rs.rows = append(rs.rows, values(it))
	}
	return rs
}

// lastMemberships is the last upsert of each (user, organisation) in ms,
// in the order of ms: one statement may not update a row twice.
func lastMemberships(ms []model.Membership) []model.Membership {
	last := map[[2]int64]int{}
	for i, m := range ms {
		last[[2]int64{m.UserID, m.OrgID}] = i
	}
	var out []model.Membership
	for i, m := range ms {
		if last[[2]int64{m.UserID, m.OrgID}] == i {
			out = append(out, m)
		}
	}
	return out
}

// insertRows writes rows with as few multi-row INSERTs as the bounds allow.
func (t *Tx) insertRows(ctx context.Context, rs rowSet) error {
	cols, ncols := rs.cols, len(rs.rows[0])
	if rs.ids != nil {
		cols, ncols = "id, "+cols, ncols+1
	}
	for start := 0; start < len(rs.rows); {
		end, bytes := start, 0
		for end < len(rs.rows) && (end == start || ((end-start+1)*ncols <= maxFlushParams && bytes < maxFlushBytes)) {
			bytes += valueBytes(rs.rows[end])
			end++
		}
		if t.prepared != nil {
			// a power of two rows: a few statements a table to prepare
			end = start + 1<<(bits.Len(uint(end-start))-1)
		}
		var b strings.Builder
		b.WriteString("INSERT INTO " + rs.table + " (" + cols + ") VALUES ")
		args := make([]any, 0, (end-start)*ncols)
		row := placeholders(ncols)
		for i := start; i < end; i++ {
			if i > start {
				b.WriteString(", ")
			}
			b.WriteString(row)
			if rs.ids != nil {
				args = append(args, rs.ids[i])
			}
			args = append(args, rs.rows[i]...)
		}
		b.WriteString(rs.suffix)
		if _, err := t.execPrepared(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("write %d %s rows: %w", end-start, rs.table, translate(err))
		}
		start = end
	}
	return nil
}

// valueBytes is the size of a row's text and binary values.
func valueBytes(row []any) int {
	n := 0
	for _, v := range row {
		switch v := v.(type) {
		case string:
			n += len(v)
		case []byte:
			n += len(v)
		}
	}
	return n
}
