package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/jmoiron/sqlx"
)

// MarkSentMany records that the outbox rows ids were delivered at that
// time, in one statement per chunk of ids: the sender's group commit.
// Rows that are no longer queued (marked failed meanwhile) are left alone.
func (q *queries) MarkSentMany(ctx context.Context, ids []int64, at time.Time) error {
	for chunk := range slices.Chunk(ids, idChunk) {
		query, args, err := sqlx.In(`UPDATE outbox SET status = ?, sent_at = ? WHERE status = ? AND id IN (?)`,
			string(model.OutboxSent), dbTime(normTime(at)), string(model.OutboxQueued), chunk)
		if err != nil {
			return fmt.Errorf("mark %d outbox rows sent: %w", len(chunk), err)
		}
		if _, err := q.exec(ctx, fmt.Sprintf("mark %d outbox rows sent", len(chunk)), query, args...); err != nil {
			return err
		}
	}
	return nil
}

// NextOutboxDue returns when the earliest queued outbox row is due; ok is
// false when nothing is queued.
func (q *queries) NextOutboxDue(ctx context.Context) (due time.Time, ok bool, err error) {
	var t dbTime
	err = q.db.QueryRowxContext(ctx, q.db.Rebind(`SELECT MIN(next_attempt_at) FROM outbox WHERE status = ?`),
		string(model.OutboxQueued)).Scan(&t)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next outbox row due: %w", translate(err))
	}
	return time.Time(t), !time.Time(t).IsZero(), nil
}

// ReleaseOutbox gives back a claimed row that was not attempted (its
// sender is shutting down): due again at next, the claim's attempt not
// counted.
func (q *queries) ReleaseOutbox(ctx context.Context, id int64, next time.Time) error {
	return q.execOne(ctx, fmt.Sprintf("release outbox row %d", id),
		`UPDATE outbox SET next_attempt_at = ?, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END
		 WHERE id = ? AND status = ?`, dbTime(next), id, string(model.OutboxQueued))
}
