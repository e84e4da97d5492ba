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
	// CommentsSince is the earliest time the comments on the tickets
	// MessageIDs name will be counted from (zero: not prefetched).
	CommentsSince time.Time
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
	if t.backend == Postgres {
		// A batch's reads are lookups by key. On a young store, whose
		// tables have no statistics yet, PostgreSQL took a list of 500
		// keys for most of a table and scanned it in parallel: starting
		// the workers cost about a tenth of its CPU on the benchmark's
		// mix (issue 20.6).
		if err := t.withoutParallelWorkers(ctx); err != nil {
			return err
		}
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
	tickets := t.namedTickets(p.MessageIDs)
	people, err := t.prefetchTickets(ctx, tickets)
	if err != nil {
		return err
	}
	if !p.CommentsSince.IsZero() {
		if err := t.prefetchRecentComments(ctx, tickets, normTime(p.CommentsSince)); err != nil {
			return err
		}
	}
	if _, err := t.ListOrgs(ctx); err != nil {
		return err
	}
	var emails, unknown []string
	for _, e := range slices.Concat(p.Emails, people) {
		if e = model.NormalizeEmail(e); e != "" && !slices.Contains(emails, e) {
			emails = append(emails, e)
			if _, ok := d.users[e]; !ok {
				unknown = append(unknown, e)
			}
		}
	}
	if err := t.prefetchUsers(ctx, unknown); err != nil {
		return err
	}
	if err := t.prefetchFollowAll(ctx, tickets, emails); err != nil {
		return err
	}
	if p.AutomaticSince.IsZero() {
		return nil
	}
	since := normTime(p.AutomaticSince)
	var count []string
	for _, e := range emails {
		if a := d.automatic[e]; a == nil || since.Before(a.horizon) {
			count = append(count, e)
		}
	}
	if len(count) == 0 {
		return nil
	}
	times, err := t.automaticTimes(ctx, count, since)
	if err != nil {
		return err
	}
	for _, e := range count {
		d.automatic[e] = &automaticMail{horizon: since, times: times[e]}
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

// namedTickets lists the tickets the Message-IDs name (loadMsgRows
// first), each once.
func (t *Tx) namedTickets(msgIDs []string) []int64 {
	var tickets []int64
	for _, id := range msgIDs {
		for _, r := range t.d.msgRows[id] {
			if r.ticketID != 0 && !slices.Contains(tickets, r.ticketID) {
				tickets = append(tickets, r.ticketID)
			}
		}
	}
	return tickets
}

// prefetchTickets loads the tickets not cached yet, with their
// participants, and the users they name with their memberships; it
// returns those users' addresses.
func (t *Tx) prefetchTickets(ctx context.Context, ids []int64) ([]string, error) {
	d := t.d
	var missing []int64
	for _, id := range ids {
		if _, ok := d.tickets[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	q := t.direct() // the pending rows are on cached tickets only
	tickets, err := q.TicketsByIDs(ctx, missing)
	if err != nil {
		return nil, err
	}
	parts, err := q.ParticipantsOfTickets(ctx, missing)
	if err != nil {
		return nil, err
	}
	msgs := map[int64][]msgRow{}
	err = inChunks(ctx, q, "list message ids of tickets", scanMsgRow,
		`SELECT `+msgRowCols+` FROM message_ids WHERE ticket_id IN (?) ORDER BY id`,
		missing, func(r msgRow) { msgs[r.ticketID] = append(msgs[r.ticketID], r) })
	if err != nil {
		return nil, err
	}
	for _, r := range d.pMsgIDs { // complete with the pending rows
		if slices.Contains(missing, r.ticketID) {
			msgs[r.ticketID] = append(msgs[r.ticketID], r)
		}
	}
	var users []int64
	for _, id := range missing {
		tk, ok := tickets[id]
		if !ok {
			d.tickets[id] = nil
			continue
		}
		d.tickets[id] = &tk
		if _, ok := d.ticketMsgs[id]; !ok {
			d.ticketMsgs[id] = append([]msgRow{}, msgs[id]...)
		}
		if _, ok := d.partsOf[id]; !ok {
			d.partsOf[id] = slices.Clone(parts[id])
			if d.partsOf[id] == nil {
				d.partsOf[id] = []model.Participant{}
			}
		}
		users = append(users, tk.RequesterID)
		if tk.AssigneeID != 0 {
			users = append(users, tk.AssigneeID)
		}
		for _, p := range parts[id] {
			users = append(users, p.UserID)
		}
	}
	users = slices.Compact(slices.Sorted(slices.Values(users)))
	found, err := t.UsersByIDs(ctx, users)
	if err != nil {
		return nil, err
	}
	if err := t.loadMemberships(ctx, users); err != nil {
		return nil, err
	}
	emails := make([]string, 0, len(found))
	for _, u := range found {
		emails = append(emails, u.Email)
	}
	return emails, nil
}

// prefetchRecentComments lists the comments since then on tickets.
func (t *Tx) prefetchRecentComments(ctx context.Context, tickets []int64, since time.Time) error {
	d := t.d
	var load []int64
	for _, id := range tickets {
		if rc := d.recent[id]; rc == nil || since.Before(rc.horizon) {
			load = append(load, id)
		}
	}
	lists, err := t.commentsSince(ctx, load, since)
	if err != nil {
		return err
	}
	for _, id := range load {
		d.recent[id] = &recentComments{horizon: since, list: lists[id]}
	}
	return nil
}
