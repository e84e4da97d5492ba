package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/helpdesk-gw/helpdesk/model"
)

// Prefetch names what a batch of messages is about to look up, so that a
// deferred transaction reads it with a few queries instead of one per
// message. Every field may be empty.
type Prefetch struct {
	// Messages is how many messages the batch holds (sizes the blocks of
	// ids taken in advance).
	Messages int
	// Hashes are the SHA-256 (hex) of the raw messages.
	Hashes []string
	// Senders pair each message's Message-ID with its sender.
	Senders []MessageFrom
	// MessageIDs are Message-IDs the batch may look up tickets by or
	// record: its own and those it names in In-Reply-To and References.
	MessageIDs []string
	// Emails are the addresses the batch may look up as users or count
	// automatic mail to.
	Emails []string
	// AutomaticSince is the earliest time automatic mail will be counted
	// from (zero: not prefetched).
	AutomaticSince time.Time
}

// MessageFrom is a Message-ID with the address that sent it.
type MessageFrom struct{ MessageID, From string }

// Prefetch fills the caches of a deferred transaction for what p names.
// It does nothing on a transaction without Defer.
func (t *Tx) Prefetch(ctx context.Context, p Prefetch) error {
	d := t.d
	if d == nil {
		return nil
	}
	for table, per := range map[string]int{"raw_messages": 1, "tickets": 1, "comments": 1, "users": 2,
		"message_ids": 3, "outbox": 2, "events": 1} {
		t.expectIDs(table, per*p.Messages)
	}
	if err := t.prefetchRaw(ctx, p); err != nil {
		return err
	}
	if err := t.loadMsgRows(ctx, p.MessageIDs); err != nil {
		return err
	}
	if _, err := t.ListOrgs(ctx); err != nil {
		return err
	}
	emails := make([]string, 0, len(p.Emails))
	for _, e := range p.Emails {
		if e = model.NormalizeEmail(e); e != "" && !slices.Contains(emails, e) {
			if _, ok := d.users[e]; !ok {
				emails = append(emails, e)
			}
		}
	}
	if err := t.prefetchUsers(ctx, emails); err != nil {
		return err
	}
	if !p.AutomaticSince.IsZero() && len(emails) > 0 {
		since := normTime(p.AutomaticSince)
		times, err := t.automaticTimes(ctx, emails, since)
		if err != nil {
			return err
		}
		for _, e := range emails {
			d.automatic[e] = &automaticMail{horizon: since, times: times[e]}
		}
	}
	return nil
}

// prefetchRaw looks up the batch's hashes and (Message-ID, sender) pairs.
func (t *Tx) prefetchRaw(ctx context.Context, p Prefetch) error {
	d := t.d
	for chunk := range slices.Chunk(p.Hashes, idChunk) {
		query, args, err := sqlx.In(`SELECT `+rawCols+` FROM raw_messages r
			WHERE r.sha256 IN (?) AND r.duplicate_of IS NULL ORDER BY r.id`, chunk)
		if err != nil {
			return fmt.Errorf("look up message hashes: %w", err)
		}
		found, err := getAll(ctx, &t.queries, "look up message hashes", scanRawMeta, query, args...)
		if err != nil {
			return err
		}
		for _, h := range chunk {
			if _, ok := d.rawBySHA[h]; !ok {
				d.rawBySHA[h] = nil
			}
		}
		for _, m := range found {
			if d.rawBySHA[m.SHA256] == nil {
				d.rawBySHA[m.SHA256] = d.known(m)
			}
		}
	}
	var ids []string
	for _, s := range p.Senders {
		if s.MessageID != "" && !slices.Contains(ids, s.MessageID) {
			ids = append(ids, s.MessageID)
		}
	}
	for chunk := range slices.Chunk(ids, idChunk) {
		query, args, err := sqlx.In(`SELECT `+rawCols+` FROM raw_messages r
			WHERE r.message_id IN (?) AND r.outcome NOT IN ('failed', 'duplicate') ORDER BY r.id`, chunk)
		if err != nil {
			return fmt.Errorf("look up Message-IDs: %w", err)
		}
		found, err := getAll(ctx, &t.queries, "look up Message-IDs", scanRawMeta, query, args...)
		if err != nil {
			return err
		}
		for _, s := range p.Senders {
			k := msgKey{s.MessageID, s.From}
			if _, ok := d.rawByMsg[k]; !ok && slices.Contains(chunk, s.MessageID) {
				d.rawByMsg[k] = nil
			}
		}
		for _, m := range found {
			k := msgKey{m.MessageID, m.From}
			if e, ok := d.rawByMsg[k]; !ok || e == nil {
				d.rawByMsg[k] = d.known(m)
			}
		}
	}
	return nil
}

// prefetchUsers looks up users by email, and the memberships of those found.
func (t *Tx) prefetchUsers(ctx context.Context, emails []string) error {
	d := t.d
	var found []int64
	for chunk := range slices.Chunk(emails, idChunk) {
		query, args, err := sqlx.In(`SELECT `+userCols+` FROM users WHERE email IN (?)`, chunk)
		if err != nil {
			return fmt.Errorf("look up users: %w", err)
		}
		users, err := getAll(ctx, &t.queries, "look up users", scanUser, query, args...)
		if err != nil {
			return err
		}
		for _, e := range chunk {
			d.users[e] = nil
		}
		for _, u := range users {
			d.userLoaded(u)
			found = append(found, u.ID)
		}
	}
	return t.loadMemberships(ctx, found)
}
