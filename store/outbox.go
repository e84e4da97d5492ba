package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
)

func scanOutbox(r rowScanner) (model.OutboxMessage, error) {
	var m model.OutboxMessage
	err := r.Scan(&m.ID, (*nullID)(&m.TicketID), &m.Kind, &m.To, &m.Subject, &m.MessageID, &m.ReplyTo,
		&m.InReplyTo, (*spaceList)(&m.References), (*nullID)(&m.CommentID), &m.TextBody, &m.HTMLBody,
		&m.ReturnPath, &m.AutoSubmitted, &m.FromName, &m.Status, &m.Attempts, (*dbTime)(&m.NextAttemptAt),
		&m.LastError, (*dbTime)(&m.CreatedAt), (*dbTime)(&m.SentAt))
	return m, err
}

// EnqueueOutbox queues one notification and sets m.ID. Status defaults to
// queued and NextAttemptAt to CreatedAt (now). A Message-ID already queued
// is ErrDuplicate.
func (q *queries) EnqueueOutbox(ctx context.Context, m *model.OutboxMessage) error {
	q.outboxDefaults(m)
	id, err := q.insertRow(ctx, fmt.Sprintf("queue %s to %s", m.Kind, m.To), "outbox", outboxInsertCols, outboxValues(m))
	if err != nil {
		return err
	}
	m.ID = id
	return nil
}

// outboxDefaults normalises a row to queue as EnqueueOutbox documents.
func (q *queries) outboxDefaults(m *model.OutboxMessage) {
	m.To = model.NormalizeEmail(m.To)
	if m.Status == "" {
		m.Status = model.OutboxQueued
	}
	q.stamp(&m.CreatedAt)
	if m.NextAttemptAt.IsZero() {
		m.NextAttemptAt = m.CreatedAt
	}
	m.NextAttemptAt, m.SentAt = normTime(m.NextAttemptAt), normTime(m.SentAt)
}

// OutboxByID returns one outbox row, or ErrNotFound.
func (q *queries) OutboxByID(ctx context.Context, id int64) (model.OutboxMessage, error) {
	return getOne(ctx, q, fmt.Sprintf("get outbox row %d", id), scanOutbox,
		`SELECT `+outboxCols+` FROM outbox WHERE id = ?`, id)
}

// OutboxFilter selects outbox rows; zero fields select everything.
type OutboxFilter struct {
	TicketID int64
	Status   model.OutboxStatus
}

// ListOutbox returns the outbox rows f selects, ordered by id.
func (q *queries) ListOutbox(ctx context.Context, f OutboxFilter) ([]model.OutboxMessage, error) {
	var where []string
	var args []any
	if f.TicketID != 0 {
		where, args = append(where, "ticket_id = ?"), append(args, f.TicketID)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	return getAll(ctx, q, "list outbox", scanOutbox,
		`SELECT `+outboxCols+` FROM outbox`+whereClause(where)+` ORDER BY id`, args...)
}

// CountAutomaticSince counts the automatic mails (acknowledgements, notices,
// added-as-CC: B2 ack_limit) queued to an address at or after since.
func (q *queries) CountAutomaticSince(ctx context.Context, to string, since time.Time) (int, error) {
	to = model.NormalizeEmail(to)
	if since.IsZero() { // from the start, as a deferred transaction counts (a zero time is written NULL)
		since = time.Unix(0, 0)
	}
	return q.count(ctx, "count automatic mail to "+to,
		`SELECT COUNT(*) FROM outbox WHERE to_addr = ? AND created_at >= ? AND `+automaticKindsSQL, to, dbTime(since))
}

// automaticKindsSQL is the condition on outbox.kind that selects the
// automatic notification kinds (model.AutomaticKinds), with the kinds
// written out: the partial index outbox_automatic_to_created (migration
// 17) holds those rows only, and SQLite uses a partial index only for a
// query whose WHERE holds its condition word for word. A staff member is
// told of every new ticket; counting B2's automatic mail to their address
// then reads their few automatic mails, not every notification of the
// hour.
var automaticKindsSQL = func() string {
	var quoted []string
	for _, k := range model.AutomaticKinds() {
		if strings.Trim(string(k), "abcdefghijklmnopqrstuvwxyz_") != "" {
			panic(fmt.Sprintf("notification kind %q cannot be written into SQL as it stands", k))
		}
		quoted = append(quoted, "'"+string(k)+"'")
	}
	return "kind IN (" + strings.Join(quoted, ", ") + ")"
}()

// ClaimOutbox picks up to limit queued rows due at now, oldest due first, and
// in the same statement moves their next attempt to now+lease and counts the
// attempt, so that the next attempt is written before it is made and no other
// claimer gets the same rows until the lease runs out. On PostgreSQL rows
// another claimer has locked are skipped (FOR UPDATE SKIP LOCKED); on SQLite
// writers are serialised anyway. The rows are returned as updated, by id.
func (q *queries) ClaimOutbox(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]model.OutboxMessage, error) {
	lock := ""
	if q.backend == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	rows, err := getAll(ctx, q, "claim outbox batch", scanOutbox,
		`UPDATE outbox SET next_attempt_at = ?, attempts = attempts + 1
		 WHERE id IN (SELECT id FROM outbox WHERE status = ? AND next_attempt_at <= ?
		              ORDER BY next_attempt_at, id LIMIT ?`+lock+`)
		 RETURNING `+outboxCols,
		dbTime(now.Add(lease)), string(model.OutboxQueued), dbTime(now), limit)
	slices.SortFunc(rows, func(a, b model.OutboxMessage) int { return int(a.ID - b.ID) })
	return rows, err
}

// MarkSent records that an outbox row was delivered at that time.
func (q *queries) MarkSent(ctx context.Context, id int64, at time.Time) error {
	return q.execOne(ctx, fmt.Sprintf("mark outbox row %d sent", id),
		`UPDATE outbox SET status = ?, sent_at = ? WHERE id = ?`, string(model.OutboxSent), dbTime(at), id)
}

// MarkFailed records that an outbox row failed for good.
func (q *queries) MarkFailed(ctx context.Context, id int64, errText string) error {
	return q.execOne(ctx, fmt.Sprintf("mark outbox row %d failed", id),
		`UPDATE outbox SET status = ?, last_error = ? WHERE id = ?`, string(model.OutboxFailed), errText, id)
}

// Reschedule queues an outbox row again for next, keeping the error of the
// attempt that failed.
func (q *queries) Reschedule(ctx context.Context, id int64, next time.Time, errText string) error {
	return q.execOne(ctx, fmt.Sprintf("reschedule outbox row %d", id),
		`UPDATE outbox SET status = ?, next_attempt_at = ?, last_error = ? WHERE id = ?`,
		string(model.OutboxQueued), dbTime(next), errText, id)
}
