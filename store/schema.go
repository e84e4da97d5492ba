package store

// migrations is the ordered list of schema steps. A step, once released,
// never changes: add a new one at the end. Each is written in PostgreSQL's
// dialect; sqliteDialect rewrites the few types SQLite spells differently.
// Statements are separated by ";\n".
var migrations = []migration{
	{1, "initial schema", schemaV1, nil},
	{2, "mailbox leases", schemaV2, nil},
	{3, "follow-all members index", schemaV3, nil},
	{4, "chunked raw messages and blobs", schemaV4, nil},
	{5, "lz4 compression of large values", schemaV5, lz4Available},
	{6, "large values inline up to a page", schemaV6, onPostgres},
	{7, "attachments read from their raw message", schemaV7, nil},
	{8, "tickets by last change", schemaV8, nil},
	{9, "Message-IDs of internal notes kept apart", schemaV9, nil},
	{10, "what staff are told of", schemaV10, nil},
	{11, "teams and routing", schemaV11, nil},
	{12, "the intake address of each ticket", schemaV12, nil},
	{13, "web sign-in links and sessions", schemaV13, nil},
	{14, "staff and assignees by index", schemaV14, nil},
	{15, "tickets by requester and organisation, newest first", schemaV15, nil},
	{16, "the staff queue by assignee and team, newest first", schemaV16, nil},
	{17, "an organisation's members by access", schemaV17, nil},
	{18, "no ticket index a wider one covers", schemaV18, nil},
}

// schemaV18 drops the ticket indexes that migrations 15–16 made
// redundant: tickets_requester, tickets_assignee and tickets_team are the
// first column of tickets_requester_updated, tickets_assignee_updated and
// tickets_team_updated, which serve the same lookups; every new ticket
// and every change of one wrote an entry in each (issue 20.6).
const schemaV18 = `
DROP INDEX tickets_requester;
DROP INDEX tickets_assignee;
DROP INDEX tickets_team;
`

// schemaV17 finds the members of an organisation with one access (A2 org,
// say) without reading its every member: who may see a new ticket of an
// organisation whose access is own is its org members (issue 20); and the
// automatic mail sent to an address (B2) without every notification sent
// to it (automaticKindsSQL, whose condition it must repeat word for word).
// The two indexes they replace go: every row written paid for them, and
// no query reads them any more (outbox_to_created served only the count
// of automatic mail; memberships_org is the first column of
// memberships_org_access). The single-column indexes on tickets that
// migrations 15–16 seem to make redundant stay: without tickets_org,
// PostgreSQL lists an organisation's tickets by id a third slower.
const schemaV17 = `
CREATE INDEX memberships_org_access ON memberships(org_id, access);
CREATE INDEX outbox_automatic_to_created ON outbox(to_addr, created_at) WHERE kind IN ('ack', 'notice', 'cc_added', 'sign_in');
DROP INDEX outbox_to_created;
DROP INDEX memberships_org;
`

// schemaV16 lets a page of the staff console's queue (issue 18) read a
// staff member's tickets, or a team's, from the most recently changed, a
// page at most, instead of sorting all of them: mine by assignee, a team's
// by team, and unassigned ones by team (assignee_id IS NULL); and the
// console's ticket page lists the messages of a ticket with their outcome.
const schemaV16 = `
CREATE INDEX tickets_assignee_updated ON tickets(assignee_id, updated_at, id);
CREATE INDEX tickets_team_updated ON tickets(team_id, updated_at, id);
CREATE INDEX tickets_unassigned_updated ON tickets(updated_at, id) WHERE assignee_id IS NULL;
CREATE INDEX raw_messages_ticket ON raw_messages(ticket_id);
`

// schemaV15 lets one page of a person's tickets read each way in (their
// own, each organisation's) from its newest ticket, a page at most, instead
// of every ticket of a large organisation (issue 17).
const schemaV15 = `
CREATE INDEX tickets_org_updated ON tickets(org_id, updated_at, id);
CREATE INDEX tickets_requester_updated ON tickets(requester_id, updated_at, id);
`

// schemaV14 indexes the lookups that run per message or per admin act
// (issue 20): the staff (ListStaff, for N7 and every role check) and a
// staff member's assigned tickets (unassigning on staff remove).
const schemaV14 = `
CREATE INDEX users_staff ON users(staff_role) WHERE staff_role <> '';
CREATE INDEX tickets_assignee ON tickets(assignee_id);
`

// schemaV13 keeps the web's sign-in links and sessions (W1, W6), each
// only as a SHA-256 hash of its secret.
const schemaV13 = `
CREATE TABLE web_signins (
	token_hash TEXT PRIMARY KEY,
	email      TEXT NOT NULL,
	client     TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL,
	used_at    TIMESTAMPTZ
);
CREATE INDEX web_signins_email ON web_signins(email, created_at);
CREATE INDEX web_signins_client ON web_signins(client, created_at);
CREATE TABLE web_sessions (
	id_hash    TEXT PRIMARY KEY,
	user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	staff_role TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	last_seen  TIMESTAMPTZ NOT NULL,
	ended_at   TIMESTAMPTZ
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);
`

// schemaV12 keeps the intake address a ticket came in on (I10): its
// notifications come From it and carry reply addresses at it.
const schemaV12 = `
ALTER TABLE tickets ADD COLUMN intake TEXT NOT NULL DEFAULT '';
`

// schemaV11 adds teams of staff (S4) and routing (I10): intake addresses
// and organisations mapped to teams, one global default team, and each
// ticket's team.
const schemaV11 = `
CREATE TABLE teams (
	id         BIGSERIAL PRIMARY KEY,
	slug       TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	disabled   BOOLEAN NOT NULL DEFAULT FALSE,
	is_default BOOLEAN NOT NULL DEFAULT FALSE,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE team_members (
	team_id BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
	user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	PRIMARY KEY (team_id, user_id)
);
CREATE TABLE team_addresses (
	address TEXT PRIMARY KEY,
	team_id BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE
);
CREATE TABLE team_orgs (
	org_id  BIGINT PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
	team_id BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE
);
ALTER TABLE tickets ADD COLUMN team_id BIGINT REFERENCES teams(id);
CREATE INDEX tickets_team ON tickets(team_id);
`

// schemaV10 keeps each staff member's notify setting (N7): team (the
// default), assigned or none.
const schemaV10 = `
ALTER TABLE users ADD COLUMN notify TEXT NOT NULL DEFAULT 'team';
`

// schemaV8 lets the queue and the portal page through tickets by last
// change (keyset on updated_at, id) without sorting the whole table.
const schemaV8 = `
CREATE INDEX tickets_updated ON tickets(updated_at, id);
`

// SchemaVersion is the last schema migration this program applies.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// sqliteMigrations replaces, on SQLite, the steps its ALTER TABLE cannot
// express.
var sqliteMigrations = map[int]string{7: schemaV7SQLite, 9: schemaV9SQLite}

// schemaV9 lets a received internal note's Message-ID be recorded with
// the direction 'note': it still threads replies onto its ticket (I1), but
// is never named in the References of a notification to someone who may
// not see notes (N6, R7).
const schemaV9 = `
ALTER TABLE message_ids DROP CONSTRAINT message_ids_direction_check;
ALTER TABLE message_ids ADD CONSTRAINT message_ids_direction_check CHECK (direction IN ('in', 'out', 'note'));
`

// schemaV9SQLite is schemaV9 on SQLite, which cannot change a constraint:
// the table is rebuilt, its rows and ids kept.
const schemaV9SQLite = `
CREATE TABLE message_ids_v9 (
	id         BIGSERIAL PRIMARY KEY,
	ticket_id  BIGINT REFERENCES tickets(id) ON DELETE CASCADE,
	message_id TEXT NOT NULL,
	direction  TEXT NOT NULL CHECK (direction IN ('in', 'out', 'note')),
	address    TEXT NOT NULL,
	outbox_id  BIGINT REFERENCES outbox(id),
	at         TIMESTAMPTZ NOT NULL,
	UNIQUE (message_id, direction, address)
);
INSERT INTO message_ids_v9 (id, ticket_id, message_id, direction, address, outbox_id, at)
	SELECT id, ticket_id, message_id, direction, address, outbox_id, at FROM message_ids;
UPDATE sqlite_sequence SET seq = (SELECT seq FROM sqlite_sequence WHERE name = 'message_ids')
	WHERE name = 'message_ids_v9' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'message_ids');
DROP TABLE message_ids;
ALTER TABLE message_ids_v9 RENAME TO message_ids;
CREATE INDEX message_ids_ticket ON message_ids(ticket_id);
`

// schemaV7 lets an attachment's content be read from its raw message
// (raw_part, its position among the message's attachments) instead of a
// blob: the raw message is kept anyway, and a blob stored every attachment
// a second time (a quarter of the bytes written per message on the
// benchmark's mix). Blobs stay for attachments written before, and for
// any without a raw message; attachments no longer all name a blob, so
// the reference to blobs goes.
const schemaV7 = `
ALTER TABLE attachments ADD COLUMN raw_part INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attachments DROP CONSTRAINT attachments_sha256_fkey;
`

// schemaV7SQLite is schemaV7 on SQLite, which cannot drop a constraint:
// the table is rebuilt, its rows and ids kept.
const schemaV7SQLite = `
CREATE TABLE attachments_v7 (
	id           BIGSERIAL PRIMARY KEY,
	comment_id   BIGINT NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
	filename     TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         BIGINT NOT NULL,
	sha256       TEXT NOT NULL,
	content_id   TEXT NOT NULL,
	inline       BOOLEAN NOT NULL,
	raw_part     INTEGER NOT NULL DEFAULT 0
);
INSERT INTO attachments_v7 (id, comment_id, filename, content_type, size, sha256, content_id, inline)
	SELECT id, comment_id, filename, content_type, size, sha256, content_id, inline FROM attachments;
UPDATE sqlite_sequence SET seq = (SELECT seq FROM sqlite_sequence WHERE name = 'attachments')
	WHERE name = 'attachments_v7' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'attachments');
DROP TABLE attachments;
ALTER TABLE attachments_v7 RENAME TO attachments;
CREATE INDEX attachments_comment ON attachments(comment_id);
`

// schemaV6 keeps a row's large values (a message, an attachment, a body)
// in the row itself, uncompressed, while the row fits in about a page
// (toast_tuple_target 8160 bytes; PostgreSQL's default starts at 2 KB),
// and compresses or moves them out of line only beyond. Most helpdesk
// mail is a few KB: written out of line it costs a compression, four or
// more TOAST rows and their index entries each; on the benchmark's mix,
// TOAST was 30% of the database's time.
const schemaV6 = `
ALTER TABLE raw_messages SET (toast_tuple_target = 8160);
ALTER TABLE blobs SET (toast_tuple_target = 8160);
ALTER TABLE comments SET (toast_tuple_target = 8160);
ALTER TABLE outbox SET (toast_tuple_target = 8160);
`

// schemaV5 compresses the large values (messages, attachments, bodies)
// with lz4 rather than PostgreSQL's default pglz, which costs several
// times more CPU: on a batch of helpdesk mail, writing the rows took half
// the time. Values already stored keep their compression. It applies only
// to a PostgreSQL server built with lz4 (14 and later); elsewhere it is
// recorded as applied and changes nothing.
const schemaV5 = `
ALTER TABLE raw_messages ALTER COLUMN raw SET COMPRESSION lz4;
ALTER TABLE raw_message_chunks ALTER COLUMN data SET COMPRESSION lz4;
ALTER TABLE blobs ALTER COLUMN content SET COMPRESSION lz4;
ALTER TABLE blob_chunks ALTER COLUMN data SET COMPRESSION lz4;
ALTER TABLE comments ALTER COLUMN body SET COMPRESSION lz4;
ALTER TABLE comments ALTER COLUMN full_body SET COMPRESSION lz4;
ALTER TABLE comments ALTER COLUMN html SET COMPRESSION lz4;
ALTER TABLE outbox ALTER COLUMN text_body SET COMPRESSION lz4;
ALTER TABLE outbox ALTER COLUMN html_body SET COMPRESSION lz4;
`

// schemaV4 stores a raw message or blob larger than chunkSize in pieces,
// so that no statement carries the whole value (lib/pq copies each
// parameter whole into its write buffer). chunks counts the pieces: 0 is
// a value stored inline (raw_messages.raw, blobs.content), as before; more
// leaves raw NULL and content empty, the bytes being the pieces in order.
const schemaV4 = `
ALTER TABLE raw_messages ADD COLUMN chunks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE blobs ADD COLUMN chunks INTEGER NOT NULL DEFAULT 0;
CREATE TABLE raw_message_chunks (
	raw_message_id BIGINT NOT NULL REFERENCES raw_messages(id) ON DELETE CASCADE,
	seq            INTEGER NOT NULL,
	data           BYTEA NOT NULL,
	PRIMARY KEY (raw_message_id, seq)
);
CREATE TABLE blob_chunks (
	sha256 TEXT NOT NULL REFERENCES blobs(sha256) ON DELETE CASCADE,
	seq    INTEGER NOT NULL,
	data   BYTEA NOT NULL,
	PRIMARY KEY (sha256, seq)
);
`

// schemaV3 finds an organisation's follow-all members (N5) without reading
// all its memberships: every message on a ticket of the organisation asks.
const schemaV3 = `
CREATE INDEX memberships_follow_all ON memberships(org_id) WHERE follow_all;
`

const schemaV1 = `
CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE organisations (
	id         BIGSERIAL PRIMARY KEY,
	slug       TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	access     TEXT NOT NULL,
	intake     TEXT NOT NULL,
	cc_adders  TEXT NOT NULL,
	language   TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE org_domains (
	org_id   BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
	domain   TEXT NOT NULL,
	forced   BOOLEAN NOT NULL,
	added_at TIMESTAMPTZ NOT NULL,
	UNIQUE (org_id, domain)
);
CREATE INDEX org_domains_domain ON org_domains(domain);

CREATE TABLE users (
	id             BIGSERIAL PRIMARY KEY,
	email          TEXT NOT NULL UNIQUE,
	name           TEXT NOT NULL,
	staff_role     TEXT NOT NULL,
	default_org_id BIGINT REFERENCES organisations(id),
	registered     BOOLEAN NOT NULL,
	bouncing       BOOLEAN NOT NULL,
	created_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE memberships (
	user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	org_id     BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
	access     TEXT NOT NULL,
	follow_all BOOLEAN NOT NULL,
	source     TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (user_id, org_id)
);
CREATE INDEX memberships_org ON memberships(org_id);

CREATE TABLE tickets (
	id           BIGSERIAL PRIMARY KEY,
	subject      TEXT NOT NULL,
	status       TEXT NOT NULL,
	priority     TEXT NOT NULL,
	type         TEXT NOT NULL,
	org_id       BIGINT REFERENCES organisations(id),
	requester_id BIGINT NOT NULL REFERENCES users(id),
	assignee_id  BIGINT REFERENCES users(id),
	created_at   TIMESTAMPTZ NOT NULL,
	updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX tickets_org ON tickets(org_id);
CREATE INDEX tickets_requester ON tickets(requester_id);

CREATE TABLE participants (
	ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
	user_id   BIGINT NOT NULL REFERENCES users(id),
	role      TEXT NOT NULL,
	added_by  BIGINT REFERENCES users(id),
	added_at  TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (ticket_id, user_id, role)
);
CREATE INDEX participants_user ON participants(user_id);

CREATE TABLE raw_messages (
	id           BIGSERIAL PRIMARY KEY,
	sha256       TEXT NOT NULL,
	raw          BYTEA,
	size         BIGINT NOT NULL,
	message_id   TEXT NOT NULL,
	from_addr    TEXT NOT NULL,
	subject      TEXT NOT NULL,
	mailbox      TEXT NOT NULL,
	outcome      TEXT NOT NULL,
	reason       TEXT NOT NULL,
	rules        TEXT NOT NULL,
	ticket_id    BIGINT REFERENCES tickets(id),
	duplicate_of BIGINT REFERENCES raw_messages(id),
	received_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX raw_messages_sha256 ON raw_messages(sha256);
CREATE INDEX raw_messages_message_id ON raw_messages(message_id);

CREATE TABLE comments (
	id             BIGSERIAL PRIMARY KEY,
	ticket_id      BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
	author_id      BIGINT NOT NULL REFERENCES users(id),
	visibility     TEXT NOT NULL,
	body           TEXT NOT NULL,
	full_body      TEXT NOT NULL,
	html           TEXT NOT NULL,
	raw_message_id BIGINT REFERENCES raw_messages(id),
	created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX comments_ticket ON comments(ticket_id, created_at);

CREATE TABLE blobs (
	sha256  TEXT PRIMARY KEY,
	content BYTEA NOT NULL
);

CREATE TABLE attachments (
	id           BIGSERIAL PRIMARY KEY,
	comment_id   BIGINT NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
	filename     TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         BIGINT NOT NULL,
	sha256       TEXT NOT NULL REFERENCES blobs(sha256),
	content_id   TEXT NOT NULL,
	inline       BOOLEAN NOT NULL
);
CREATE INDEX attachments_comment ON attachments(comment_id);

CREATE TABLE events (
	id        BIGSERIAL PRIMARY KEY,
	ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
	actor_id  BIGINT REFERENCES users(id),
	kind      TEXT NOT NULL,
	detail    TEXT NOT NULL,
	at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX events_ticket ON events(ticket_id, at);

CREATE TABLE outbox (
	id              BIGSERIAL PRIMARY KEY,
	ticket_id       BIGINT REFERENCES tickets(id),
	kind            TEXT NOT NULL,
	to_addr         TEXT NOT NULL,
	subject         TEXT NOT NULL,
	message_id      TEXT NOT NULL UNIQUE,
	reply_to        TEXT NOT NULL,
	in_reply_to     TEXT NOT NULL,
	references_     TEXT NOT NULL,
	comment_id      BIGINT REFERENCES comments(id),
	text_body       TEXT NOT NULL,
	html_body       TEXT NOT NULL,
	return_path     TEXT NOT NULL,
	auto_submitted  TEXT NOT NULL,
	from_name       TEXT NOT NULL,
	status          TEXT NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at TIMESTAMPTZ NOT NULL,
	last_error      TEXT NOT NULL,
	created_at      TIMESTAMPTZ NOT NULL,
	sent_at         TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_ticket ON outbox(ticket_id);
CREATE INDEX outbox_to_created ON outbox(to_addr, created_at);

CREATE TABLE message_ids (
	id         BIGSERIAL PRIMARY KEY,
	ticket_id  BIGINT REFERENCES tickets(id) ON DELETE CASCADE,
	message_id TEXT NOT NULL,
	direction  TEXT NOT NULL CHECK (direction IN ('in', 'out')),
	address    TEXT NOT NULL,
	outbox_id  BIGINT REFERENCES outbox(id),
	at         TIMESTAMPTZ NOT NULL,
	UNIQUE (message_id, direction, address)
);
CREATE INDEX message_ids_ticket ON message_ids(ticket_id);

CREATE TABLE quarantine (
	id             BIGSERIAL PRIMARY KEY,
	raw_message_id BIGINT NOT NULL REFERENCES raw_messages(id),
	ticket_id      BIGINT REFERENCES tickets(id),
	sender         TEXT NOT NULL,
	subject        TEXT NOT NULL,
	outcome        TEXT NOT NULL,
	reason         TEXT NOT NULL,
	rules          TEXT NOT NULL,
	status         TEXT NOT NULL,
	created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX quarantine_status ON quarantine(status);

CREATE TABLE audit_log (
	id     BIGSERIAL PRIMARY KEY,
	at     TIMESTAMPTZ NOT NULL,
	actor  TEXT NOT NULL,
	action TEXT NOT NULL,
	target TEXT NOT NULL,
	before TEXT NOT NULL,
	after  TEXT NOT NULL,
	reason TEXT NOT NULL
);

CREATE TABLE mailbox_state (
	mailbox     TEXT PRIMARY KEY,
	uidvalidity BIGINT NOT NULL,
	last_uid    BIGINT NOT NULL,
	updated_at  TIMESTAMPTZ NOT NULL
)
`
