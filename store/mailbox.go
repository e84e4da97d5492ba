package store

import (
	"context"
	"time"
)

// MailboxCheckpoint is how far the IMAP poller has read one mailbox.
type MailboxCheckpoint struct {
	Mailbox     string
	UIDValidity uint32
	LastUID     uint32 // the highest UID fully ingested
	UpdatedAt   time.Time
}

func scanCheckpoint(r rowScanner) (MailboxCheckpoint, error) {
	var c MailboxCheckpoint
	var validity, last int64
	err := r.Scan(&c.Mailbox, &validity, &last, (*dbTime)(&c.UpdatedAt))
	c.UIDValidity, c.LastUID = uint32(validity), uint32(last)
	return c, err
}

// Checkpoint returns a mailbox's checkpoint, or ErrNotFound if it was never read.
func (q *queries) Checkpoint(ctx context.Context, mailbox string) (MailboxCheckpoint, error) {
	return getOne(ctx, q, "get checkpoint of "+mailbox, scanCheckpoint,
		`SELECT mailbox, uidvalidity, last_uid, updated_at FROM mailbox_state WHERE mailbox = ?`, mailbox)
}

// SetCheckpoint stores a mailbox's checkpoint; UpdatedAt is set to now.
func (q *queries) SetCheckpoint(ctx context.Context, c MailboxCheckpoint) error {
	_, err := q.exec(ctx, "set checkpoint of "+c.Mailbox,
		`INSERT INTO mailbox_state (mailbox, uidvalidity, last_uid, updated_at) VALUES (?, ?, ?, ?)
		 ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid,
		 updated_at = excluded.updated_at`,
		c.Mailbox, int64(c.UIDValidity), int64(c.LastUID), dbTime(q.now()))
	return err
}
