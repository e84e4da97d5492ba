// Package store owns all of the helpdesk's SQL: the schema, its migrations and
// every query. Nobody else imports a database driver.
//
// Two backends share one schema and one set of queries: PostgreSQL
// ("postgres://…", for several processes sharing one database) and embedded
// SQLite ("sqlite:PATH" or a plain path, the zero-setup default). The few
// dialect differences (serial keys, byte and time column types, row locking)
// are handled by small substitutions, not by two schemas.
//
// Invariants kept here:
//   - Email addresses and domains are stored lower-case.
//   - Times are stored in UTC with microsecond precision; a zero time.Time is
//     NULL, and so is an optional foreign key whose int64 is 0.
//   - Idempotency is enforced by unique constraints (Message-IDs, emails,
//     slugs, blob hashes), never by memory, so several processes may share
//     one PostgreSQL database.
//   - Attachment contents are stored once per SHA-256.
//   - The audit log is append-only: there is no method to change it.
//
// How it fails: every error is wrapped with the operation that failed
// ("insert ticket: …"), and driver errors are translated into the sentinels
// ErrNotFound (no such row), ErrDuplicate (a unique constraint refused the
// row) and ErrConflict (a concurrent transaction, a lock or a foreign key got
// in the way); test them with errors.Is. InTx retries a whole transaction on
// PostgreSQL serialization failures and deadlocks, so the function it runs
// must not have effects outside the transaction.
package store
