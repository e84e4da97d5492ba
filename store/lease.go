package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrLeaseLost: another process holds the mailbox's lease now.
var ErrLeaseLost = errors.New("mailbox lease held by another process")

// schemaV2 adds the leases that let one process at a time poll a mailbox.
const schemaV2 = `
CREATE TABLE mailbox_leases (
	mailbox    TEXT PRIMARY KEY,
	holder     TEXT NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL
)
`

// AcquireLease takes the lease on mailbox for holder until now+ttl, or
// extends it when holder has it already. It reports false, without error,
// while another holder's lease has not expired. A lease row, not a session
// lock, so that it works on both backends and through connection pools; a
// process that dies loses its lease when it expires.
func (q *queries) AcquireLease(ctx context.Context, mailbox, holder string, ttl time.Duration) (bool, error) {
	now := q.now()
	n, err := q.exec(ctx, "acquire lease on "+mailbox,
		`INSERT INTO mailbox_leases (mailbox, holder, expires_at) VALUES (?, ?, ?)
		 ON CONFLICT (mailbox) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		 WHERE mailbox_leases.holder = excluded.holder OR mailbox_leases.expires_at < ?`,
		mailbox, holder, dbTime(now.Add(ttl)), dbTime(now))
	return n == 1, err
}

// CheckLease returns ErrLeaseLost unless holder holds mailbox's lease. Run
// inside the transaction that moves a checkpoint, it fences off a process
// whose lease was taken over while it was stalled.
func (q *queries) CheckLease(ctx context.Context, mailbox, holder string) error {
	got, err := getOne(ctx, q, "check lease on "+mailbox, scanValue[string],
		`SELECT holder FROM mailbox_leases WHERE mailbox = ?`, mailbox)
	if errors.Is(err, ErrNotFound) || (err == nil && got != holder) {
		return fmt.Errorf("check lease on %s: %w", mailbox, ErrLeaseLost)
	}
	return err
}

// ReleaseLease gives up holder's lease on mailbox, if it still has it.
func (q *queries) ReleaseLease(ctx context.Context, mailbox, holder string) error {
	_, err := q.exec(ctx, "release lease on "+mailbox,
		`DELETE FROM mailbox_leases WHERE mailbox = ? AND holder = ?`, mailbox, holder)
	return err
}
