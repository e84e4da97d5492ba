package store

import (
	"context"
	"fmt"
	"strings"
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

// FlushAhead starts writing the pending rows in the background, on the
// transaction's connection, and returns at once: the caller goes on
// deciding the next messages in memory while the database stores the
// previous ones. It first waits for the write it started before, so that
// writes keep their order. Every statement that reaches the database, and
// the commit, waits for the background write first; its error is the
// transaction's (Flush and the commit report it).
func (t *Tx) FlushAhead(ctx context.Context) {
	d := t.d
	if d == nil {
		return
	}
	t.settle()
	if d.err != nil || !d.pending() {
		return
	}
	w := d.take()
	done := make(chan struct{})
	d.bg = done
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil { // as the deciding goroutine would: the batch fails, the process lives
				d.bgErr = fmt.Errorf("internal error writing rows: %v", r)
			}
		}()
		d.bgErr = t.write(ctx, w)
	}()
}

// settle waits for the background write FlushAhead started, if any, and
// makes its error the transaction's. Only then may the connection be used
// for anything else.
func (t *Tx) settle() {
	d := t.d
	if d == nil || d.bg == nil {
		return
	}
	<-d.bg
	d.bg = nil
	if d.bgErr != nil && d.err == nil {
		d.err = d.bgErr
	}
	d.bgErr = nil
}

// flush writes every pending row now (after any background write).
func (t *Tx) flush(ctx context.Context) error {
	d := t.d
	if d == nil {
		return nil
	}
	t.settle()
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
// multi-row INSERTs, table by table, then outcome UPDATEs.
type pendingWrite struct {
	sets    []rowSet
	updates [][]any // outcome, reason, rules, ticket_id, id
}

// take turns the pending rows into the values of their statements and
// empties them: users, memberships, tickets, raw messages, comments,
// blobs, attachments, participants, events, outbox, Message-IDs, in the
// order their references need; then the outcomes of raw messages written
// by an earlier flush. The values are copies (or slices no one changes),
// so that they can be written while the transaction goes on.
func (d *deferred) take() pendingWrite {
	var sets []rowSet
	add := func(rs rowSet) {
		if len(rs.rows) > 0 {
			sets = append(sets, rs)
		}
	}
	rs := rowSet{table: "users", cols: "id, email, name, staff_role, default_org_id, registered, bouncing, notify, created_at"}
	for _, u := range d.pUsers {
		rs.rows = append(rs.rows, []any{u.ID, u.Email, u.Name, string(u.StaffRole), nullID(u.DefaultOrgID),
			u.Registered, u.Bouncing, string(u.Notify.Or()), dbTime(u.CreatedAt)})
	}
	add(rs)
	rs = rowSet{table: "memberships", cols: membershipCols, suffix: ` ON CONFLICT (user_id, org_id) DO UPDATE
		 SET access = excluded.access, follow_all = excluded.follow_all, source = excluded.source`}
	// one row per (user, organisation): a statement may not update a row twice
	last := map[[2]int64]int{}
	for i, m := range d.pMemberships {
		last[[2]int64{m.UserID, m.OrgID}] = i
	}
	for i, m := range d.pMemberships {
		if last[[2]int64{m.UserID, m.OrgID}] == i {
			rs.rows = append(rs.rows, []any{m.UserID, m.OrgID, string(m.Access), m.FollowAll, string(m.Source),
				dbTime(m.CreatedAt)})
		}
	}
	add(rs)
	rs = rowSet{table: "tickets", cols: "id, " + strings.TrimPrefix(ticketCols, "id, ")}
	for _, tk := range d.pTickets {
		rs.rows = append(rs.rows, []any{tk.ID, tk.Subject, string(tk.Status), string(tk.Priority), string(tk.Type),
			nullID(tk.OrgID), tk.RequesterID, nullID(tk.AssigneeID), dbTime(tk.CreatedAt), dbTime(tk.UpdatedAt), nullID(tk.TeamID), tk.Intake})
	}
	add(rs)
	rs = rowSet{table: "raw_messages", cols: `id, sha256, raw, chunks, size, message_id, from_addr, subject, mailbox,
		outcome, reason, rules, ticket_id, duplicate_of, received_at`}
	for _, m := range d.pRaws {
		rs.rows = append(rs.rows, []any{m.ID, m.SHA256, m.Raw, 0, m.Size, m.MessageID, m.From, m.Subject, m.Mailbox,
			string(m.Outcome), m.Reason, commaList(m.Rules), nullID(m.TicketID), nullID(m.DuplicateOf), dbTime(m.ReceivedAt)})
	}
	add(rs)
	rs = rowSet{table: "comments", cols: "id, ticket_id, author_id, visibility, body, full_body, html, raw_message_id, created_at"}
	for _, c := range d.pComments {
		rs.rows = append(rs.rows, []any{c.ID, c.TicketID, c.AuthorID, string(c.Visibility), c.Body, c.FullBody, c.HTML,
			nullID(c.RawMessageID), dbTime(c.CreatedAt)})
	}
	add(rs)
	rs = rowSet{table: "blobs", cols: "sha256, content, chunks", suffix: " ON CONFLICT (sha256) DO NOTHING"}
	for _, b := range d.pBlobs {
		rs.rows = append(rs.rows, []any{b.sha256, b.content, 0})
	}
	add(rs)
	rs = rowSet{table: "attachments", cols: "id, comment_id, filename, content_type, size, sha256, content_id, inline, raw_part"}
	for _, a := range d.pAttachments {
		rs.rows = append(rs.rows, []any{a.ID, a.CommentID, a.Filename, a.ContentType, a.Size, a.SHA256, a.ContentID, a.Inline, a.RawPart})
	}
	add(rs)
	rs = rowSet{table: "participants", cols: participantCols, suffix: " ON CONFLICT (ticket_id, user_id, role) DO NOTHING"}
	for _, p := range d.pParts {
		rs.rows = append(rs.rows, []any{p.TicketID, p.UserID, string(p.Role), nullID(p.AddedBy), dbTime(p.AddedAt)})
	}
	add(rs)
	rs = rowSet{table: "events", cols: "id, ticket_id, actor_id, kind, detail, at"}
	for _, e := range d.pEvents {
		rs.rows = append(rs.rows, []any{e.ID, e.TicketID, nullID(e.ActorID), e.Kind, e.Detail, dbTime(e.At)})
	}
	add(rs)
	rs = rowSet{table: "outbox", cols: "id, " + strings.TrimPrefix(outboxInsertCols, "")}
	for _, m := range d.pOutbox {
		rs.rows = append(rs.rows, append([]any{m.ID}, outboxValues(m)...))
	}
	add(rs)
	rs = rowSet{table: "message_ids", cols: "id, ticket_id, message_id, direction, address, outbox_id, at"}
	for _, r := range d.pMsgIDs {
		rs.rows = append(rs.rows, []any{r.id, nullID(r.ticketID), r.msgID, string(r.dir), r.address, nullID(r.outboxID), dbTime(r.at)})
	}
	add(rs)
	w := pendingWrite{sets: sets}
	for _, id := range d.pRawUpdates {
		m := d.rawsByID[id]
		w.updates = append(w.updates, []any{string(m.Outcome), m.Reason, commaList(m.Rules), nullID(m.TicketID), id})
	}
	for _, m := range d.pRaws {
		m.Raw = nil // written; the cache keeps the metadata only
	}
	d.pUsers, d.pMemberships, d.pTickets, d.pRaws, d.pComments = nil, nil, nil, nil, nil
	d.pParts, d.pEvents, d.pOutbox, d.pMsgIDs, d.pRawUpdates = nil, nil, nil, nil, nil
	d.pBlobs, d.pAttachments = nil, nil
	return w
}

// write runs the statements of w on the transaction's connection. It
// touches nothing of d but the connection, so that it can run beside the
// goroutine that goes on with the transaction (FlushAhead).
func (t *Tx) write(ctx context.Context, w pendingWrite) error {
	for _, s := range w.sets {
		if err := t.insertRows(ctx, s); err != nil {
			return err
		}
	}
	for _, u := range w.updates {
		if _, err := t.d.raw.ExecContext(ctx, t.d.raw.Rebind(`UPDATE raw_messages SET outcome = ?, reason = ?, rules = ?, ticket_id = ? WHERE id = ?`),
			u...); err != nil {
			return fmt.Errorf("set outcome of raw message %d: %w", u[4], translate(err))
		}
	}
	return nil
}

// rowSet is the pending rows of one table.
type rowSet struct {
	table  string
	cols   string // the column list, in the order of each row's values
	suffix string // ON CONFLICT …
	rows   [][]any
}

// insertRows writes rows with as few multi-row INSERTs as the bounds allow.
func (t *Tx) insertRows(ctx context.Context, rs rowSet) error {
	ncols := len(rs.rows[0])
	for start := 0; start < len(rs.rows); {
		end, bytes := start, 0
		for end < len(rs.rows) && (end == start || ((end-start+1)*ncols <= maxFlushParams && bytes < maxFlushBytes)) {
			bytes += valueBytes(rs.rows[end])
			end++
		}
		var b strings.Builder
		b.WriteString("INSERT INTO " + rs.table + " (" + rs.cols + ") VALUES ")
		args := make([]any, 0, (end-start)*ncols)
		row := "(" + strings.TrimSuffix(strings.Repeat("?, ", ncols), ", ") + ")"
		for i := start; i < end; i++ {
			if i > start {
				b.WriteString(", ")
			}
			b.WriteString(row)
			args = append(args, rs.rows[i]...)
		}
		b.WriteString(rs.suffix)
		if _, err := t.d.raw.ExecContext(ctx, t.d.raw.Rebind(b.String()), args...); err != nil {
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
