package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/helpdesk-gw/helpdesk/model"
)

// Deferred writes (group commit without a round trip per row).
//
// A transaction that records many messages (ingest.Pipeline.IngestBatch)
// calls Defer. From then on the writes a message makes most often (a raw
// message, users, memberships, a ticket, comments without attachments,
// participants, events, outbox rows, Message-IDs) are kept in memory with
// ids taken in advance from the table's sequence, and written with
// multi-row INSERTs when the transaction flushes. The reads those
// messages make most often are answered from caches kept in step with the
// pending rows, filled by Prefetch for the whole batch or by one query on
// a miss.
//
// Correctness does not depend on which reads are cached:
//   - any statement that reaches the database (a read the caches cannot
//     answer, a write that is not deferred) first flushes every pending
//     row, so the database it reads or changes is the transaction's whole
//     state;
//   - a cache entry, once filled, equals what the database plus the
//     pending rows would answer: every deferred write updates the entries
//     it affects (or drops them: a missing entry is read again);
//   - a statement that writes a table directly drops the caches of that
//     table (all caches when its table cannot be told);
//   - the commit flushes first; a failed flush fails the transaction.
//
// A Tx without Defer writes through at once, as before.
type deferred struct {
	raw sqlx.ExtContext // the transaction itself, past the flushing wrapper
	err error           // the first flush that failed: the transaction is lost

	ids map[string]*idPool

	// caches; a nil pointer value is "known absent"
	rawBySHA    map[string]*model.RawMessage
	rawByMsg    map[msgKey]*model.RawMessage
	rawsByID    map[int64]*model.RawMessage // inserted in this transaction
	users       map[string]*model.User      // by email
	usersByID   map[int64]model.User
	memberships map[int64][]model.Membership // by user, by organisation
	followAll   map[int64][]model.Membership // by organisation, by user
	orgs        []model.Organisation
	orgsKnown   bool
	staff       []model.User // ListStaff, when staffKnown
	staffKnown  bool
	teams       []model.Team // ListTeams, when teamsKnown
	teamsKnown  bool
	orgMembers  map[int64][]model.Membership     // by organisation, complete, by user
	orgAccess   map[orgAccess][]model.Membership // by organisation and access, complete, by user
	tickets     map[int64]*model.Ticket
	partsOf     map[int64][]model.Participant // by ticket, complete
	msgRows     map[string][]msgRow           // by Message-ID, complete, in id order
	ticketMsgs  map[int64][]msgRow            // by ticket, complete, in id order
	automatic   map[string]*automaticMail     // by recipient
	recent      map[int64]*recentComments     // by ticket

	// pending rows, in the order written
	pUsers       []*model.User
	pMemberships []model.Membership
	pTickets     []*model.Ticket
	pRaws        []*model.RawMessage
	pComments    []*model.Comment
	pParts       []model.Participant
	pEvents      []*model.Event
	pOutbox      []*model.OutboxMessage
	pMsgIDs      []msgRow
	pBlobs       []blobRow
	pAttachments []*model.Attachment
	blobSeen     map[string]bool // blobs written or pending in this transaction
	pRawUpdates  []int64         // raw messages flushed, then given an outcome
	// tickets written before, then updated: their cached rows, written
	// as they stand when the transaction flushes
	pTicketUpdates []*model.Ticket
	flushing       bool
}

type msgKey struct{ msgID, from string }

// orgAccess names an organisation's memberships with one access.
type orgAccess struct {
	org    int64
	access model.MemberAccess
}

// blobRow is an attachment's content, stored once per SHA-256.
type blobRow struct {
	sha256  string
	content []byte
}

// msgRow is a row of message_ids.
type msgRow struct {
	id       int64
	ticketID int64
	msgID    string
	dir      Direction
	address  string
	outboxID int64
	at       time.Time
}

// recentComments lists the author and time of a ticket's comments since
// horizon, all of them (the zero horizon: every comment).
type recentComments struct {
	horizon time.Time
	list    []commentBy
}

// commentBy is the author and time of one comment.
type commentBy struct {
	author int64
	at     time.Time
}

// automaticMail lists the times automatic mail was queued to one address
// since horizon, all of them.
type automaticMail struct {
	horizon time.Time
	times   []time.Time
}

// Defer makes the rest of the transaction keep its common writes in memory
// and write them together, at the latest when it commits (see deferred).
// It is for transactions that write many rows, like a batch of messages.
func (t *Tx) Defer() {
	if t.d != nil {
		return
	}
	t.d = &deferred{raw: t.tx, ids: map[string]*idPool{}, blobSeen: map[string]bool{}}
	t.d.dropAll()
	t.queries.db = &flushingDB{ExtContext: t.tx, t: t}
}

// dropAll empties every cache.
func (d *deferred) dropAll() {
	d.rawBySHA = map[string]*model.RawMessage{}
	d.rawByMsg = map[msgKey]*model.RawMessage{}
	if d.rawsByID == nil {
		d.rawsByID = map[int64]*model.RawMessage{}
	}
	d.users = map[string]*model.User{}
	d.usersByID = map[int64]model.User{}
	d.memberships = map[int64][]model.Membership{}
	d.followAll = map[int64][]model.Membership{}
	d.orgs, d.orgsKnown = nil, false
	d.staff, d.staffKnown = nil, false
	d.teams, d.teamsKnown = nil, false
	d.orgMembers = map[int64][]model.Membership{}
	d.orgAccess = map[orgAccess][]model.Membership{}
	d.tickets = map[int64]*model.Ticket{}
	d.partsOf = map[int64][]model.Participant{}
	d.msgRows = map[string][]msgRow{}
	d.ticketMsgs = map[int64][]msgRow{}
	d.automatic = map[string]*automaticMail{}
	d.recent = map[int64]*recentComments{}
}

// dropTable empties the caches that hold rows of table, after a statement
// wrote it directly.
func (d *deferred) dropTable(table string) {
	switch table {
	case "raw_messages":
		d.rawBySHA = map[string]*model.RawMessage{}
		d.rawByMsg = map[msgKey]*model.RawMessage{}
	case "users":
		d.users = map[string]*model.User{}
		d.usersByID = map[int64]model.User{}
		d.staff, d.staffKnown = nil, false
	case "memberships":
		d.memberships = map[int64][]model.Membership{}
		d.followAll = map[int64][]model.Membership{}
		d.orgMembers = map[int64][]model.Membership{}
		d.orgAccess = map[orgAccess][]model.Membership{}
	case "organisations", "org_domains":
		d.orgs, d.orgsKnown = nil, false
	case "tickets":
		d.tickets = map[int64]*model.Ticket{}
	case "participants":
		d.partsOf = map[int64][]model.Participant{}
	case "message_ids":
		d.msgRows = map[string][]msgRow{}
		d.ticketMsgs = map[int64][]msgRow{}
	case "outbox":
		d.automatic = map[string]*automaticMail{}
	case "comments":
		d.recent = map[int64]*recentComments{}
	case "attachments", "blobs", "blob_chunks", "raw_message_chunks", "events", "quarantine",
		"audit_log", "mailbox_state", "mailbox_leases", "settings":
		// nothing of these is cached
	default:
		d.dropAll()
	}
}

// pending reports whether rows wait to be written.
func (d *deferred) pending() bool {
	return len(d.pUsers)+len(d.pMemberships)+len(d.pTickets)+len(d.pRaws)+len(d.pComments)+len(d.pParts)+
		len(d.pEvents)+len(d.pOutbox)+len(d.pMsgIDs)+len(d.pRawUpdates)+len(d.pBlobs)+len(d.pAttachments)+
		len(d.pTicketUpdates) > 0
}

// flushingDB is the transaction seen by the query methods once Defer was
// called: every statement first flushes the pending rows, and a statement
// that writes drops the caches of the table it writes.
type flushingDB struct {
	sqlx.ExtContext
	t *Tx
}

func (f *flushingDB) before(ctx context.Context, query string) {
	d := f.t.d
	if !d.flushing {
		if err := f.t.flush(ctx); err != nil && d.err == nil {
			d.err = err
		}
	}
	if table, write := statementTable(query); write {
		d.dropTable(table)
		if f.t.backend == SQLite {
			delete(d.ids, table) // its ids are read again after this insert
		}
	}
}

// QueryContext implements sqlx.ExtContext.
func (f *flushingDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	f.before(ctx, query)
	return f.ExtContext.QueryContext(ctx, query, args...)
}

// QueryxContext implements sqlx.ExtContext.
func (f *flushingDB) QueryxContext(ctx context.Context, query string, args ...any) (*sqlx.Rows, error) {
	f.before(ctx, query)
	return f.ExtContext.QueryxContext(ctx, query, args...)
}

// QueryRowxContext implements sqlx.ExtContext.
func (f *flushingDB) QueryRowxContext(ctx context.Context, query string, args ...any) *sqlx.Row {
	f.before(ctx, query)
	return f.ExtContext.QueryRowxContext(ctx, query, args...)
}

// ExecContext implements sqlx.ExtContext.
func (f *flushingDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	f.before(ctx, query)
	return f.ExtContext.ExecContext(ctx, query, args...)
}

// statementTable names the table a statement writes, and whether it
// writes; "" for a write whose table it cannot tell.
func statementTable(query string) (table string, write bool) {
	fields := strings.Fields(query)
	if len(fields) == 0 {
		return "", false
	}
	next := func(i int) string {
		if i < len(fields) {
			return strings.ToLower(strings.Trim(fields[i], `"(`))
		}
		return ""
	}
	switch strings.ToUpper(fields[0]) {
	case "SELECT":
		return "", false
	case "INSERT", "DELETE":
		return next(2), true // INSERT INTO t, DELETE FROM t
	case "UPDATE":
		return next(1), true
	}
	return "", true
}
