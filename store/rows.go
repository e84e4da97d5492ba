package store

import (
	"context"
	"strings"

	"github.com/helpdesk-gw/helpdesk/model"
)

// The rows the query methods insert one at a time (users.go, tickets.go,
// …) and the deferred writes insert many at a time (deferred_flush.go)
// are made here, once a table: a column list without id and a function
// giving a row's values in its order. A plain INSERT lets the database
// pick the id (RETURNING id); a deferred one writes first the id it took
// in advance (rowSet.ids). A table's SELECT list is its id and the same
// columns, where a read wants them all.

// insertSQL is an INSERT of one row of n values into cols of table.
func insertSQL(table, cols string, n int) string {
	return "INSERT INTO " + table + " (" + cols + ") VALUES " + placeholders(n)
}

// placeholders is one row of n placeholders: (?, ?, …).
func placeholders(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

// insertRow inserts one row of vals into cols of table and returns the id
// the database gave it.
func (q *queries) insertRow(ctx context.Context, op, table, cols string, vals []any) (int64, error) {
	return q.insert(ctx, op, insertSQL(table, cols, len(vals)), vals...)
}

// execRow inserts one row of vals into cols of table, then suffix (ON
// CONFLICT …), and returns how many rows it wrote.
func (q *queries) execRow(ctx context.Context, op, table, cols, suffix string, vals []any) (int64, error) {
	return q.exec(ctx, op, insertSQL(table, cols, len(vals))+suffix, vals...)
}

// ---- users

const (
	userInsertCols = `email, name, staff_role, default_org_id, registered, bouncing, notify, created_at`
	userCols       = `id, ` + userInsertCols
)

// userValues are a user's values for userInsertCols.
func userValues(u *model.User) []any {
	return []any{u.Email, u.Name, string(u.StaffRole), nullID(u.DefaultOrgID), u.Registered, u.Bouncing,
		string(u.Notify.Or()), dbTime(u.CreatedAt)}
}

// ---- memberships (no id)

const membershipCols = `user_id, org_id, access, follow_all, source, created_at`

// membershipUpsert makes an INSERT of memberships update the row of a
// (user, organisation) already there, keeping its first time.
const membershipUpsert = ` ON CONFLICT (user_id, org_id) DO UPDATE
	SET access = excluded.access, follow_all = excluded.follow_all, source = excluded.source`

// membershipValues are a membership's values for membershipCols.
func membershipValues(m model.Membership) []any {
	return []any{m.UserID, m.OrgID, string(m.Access), m.FollowAll, string(m.Source), dbTime(m.CreatedAt)}
}

// ---- tickets

const (
	ticketInsertCols = `subject, status, priority, type, org_id, requester_id, assignee_id, created_at, updated_at,
	team_id, intake`
	ticketCols = `id, ` + ticketInsertCols
)

// ticketValues are a ticket's values for ticketInsertCols.
func ticketValues(t *model.Ticket) []any {
	return []any{t.Subject, string(t.Status), string(t.Priority), string(t.Type), nullID(t.OrgID), t.RequesterID,
		nullID(t.AssigneeID), dbTime(t.CreatedAt), dbTime(t.UpdatedAt), nullID(t.TeamID), t.Intake}
}

// ---- raw messages

const rawInsertCols = `sha256, raw, chunks, size, message_id, from_addr, subject, mailbox, outcome, reason, rules,
	ticket_id, duplicate_of, received_at`

// rawValues are a raw message's values for rawInsertCols: its bytes
// inline, or NULL and their number of pieces when it is stored in chunks
// (written apart, by InsertRaw).
func rawValues(m *model.RawMessage) []any {
	inline, chunks := m.Raw, chunkCount(m.Raw)
	if chunks > 0 {
		inline = nil
	}
	return []any{m.SHA256, inline, chunks, m.Size, m.MessageID, m.From, m.Subject, m.Mailbox, string(m.Outcome),
		m.Reason, commaList(m.Rules), nullID(m.TicketID), nullID(m.DuplicateOf), dbTime(m.ReceivedAt)}
}

// ---- comments, blobs and attachments

const (
	commentInsertCols = `ticket_id, author_id, visibility, body, full_body, html, raw_message_id, created_at`
	commentCols       = `id, ` + commentInsertCols
)

// commentValues are a comment's values for commentInsertCols.
func commentValues(c *model.Comment) []any {
	return []any{c.TicketID, c.AuthorID, string(c.Visibility), c.Body, c.FullBody, c.HTML, nullID(c.RawMessageID),
		dbTime(c.CreatedAt)}
}

// blobs are keyed by their SHA-256 (no id); the same content twice is
// stored once.
const (
	blobCols     = `sha256, content, chunks`
	blobConflict = ` ON CONFLICT (sha256) DO NOTHING`
)

// blobValues are a blob's values for blobCols: its content inline, or
// empty and its number of pieces when it is stored in chunks (written
// apart, by putBlob).
func blobValues(hash string, content []byte) []any {
	inline, chunks := content, chunkCount(content)
	if chunks > 0 {
		inline = []byte{}
	}
	return []any{hash, inline, chunks}
}

const attachmentInsertCols = `comment_id, filename, content_type, size, sha256, content_id, inline, raw_part`

// attachmentValues are an attachment's values for attachmentInsertCols.
func attachmentValues(a *model.Attachment) []any {
	return []any{a.CommentID, a.Filename, a.ContentType, a.Size, a.SHA256, a.ContentID, a.Inline, a.RawPart}
}

// ---- participants (no id)

const (
	participantCols     = `ticket_id, user_id, role, added_by, added_at`
	participantConflict = ` ON CONFLICT (ticket_id, user_id, role) DO NOTHING`
)

// participantValues are a participant's values for participantCols.
func participantValues(p model.Participant) []any {
	return []any{p.TicketID, p.UserID, string(p.Role), nullID(p.AddedBy), dbTime(p.AddedAt)}
}

// ---- events

const (
	eventInsertCols = `ticket_id, actor_id, kind, detail, at`
	eventCols       = `id, ` + eventInsertCols
)

// eventValues are an event's values for eventInsertCols.
func eventValues(e *model.Event) []any {
	return []any{e.TicketID, nullID(e.ActorID), e.Kind, e.Detail, dbTime(e.At)}
}

// ---- outbox

const (
	outboxInsertCols = `ticket_id, kind, to_addr, subject, message_id, reply_to, in_reply_to, references_,
	comment_id, text_body, html_body, return_path, auto_submitted, from_name, status, attempts,
	next_attempt_at, last_error, created_at, sent_at`
	outboxCols = `id, ` + outboxInsertCols
)

// outboxValues are an outbox row's values for outboxInsertCols.
func outboxValues(m *model.OutboxMessage) []any {
	return []any{nullID(m.TicketID), string(m.Kind), m.To, m.Subject, m.MessageID, m.ReplyTo, m.InReplyTo,
		spaceList(m.References), nullID(m.CommentID), m.TextBody, m.HTMLBody, m.ReturnPath, m.AutoSubmitted,
		m.FromName, string(m.Status), m.Attempts, dbTime(m.NextAttemptAt), m.LastError, dbTime(m.CreatedAt),
		dbTime(m.SentAt)}
}

// ---- Message-IDs

const (
	msgRowInsertCols = `ticket_id, message_id, direction, address, outbox_id, at`
	msgRowCols       = `id, ` + msgRowInsertCols
)

// msgRowValues are a Message-ID's values for msgRowInsertCols.
func msgRowValues(r msgRow) []any {
	return []any{nullID(r.ticketID), r.msgID, string(r.dir), r.address, nullID(r.outboxID), dbTime(r.at)}
}
