// Package ticket owns every act on a ticket, whatever the channel that
// asks for it: a comment or internal note, adding or removing a CC, a
// change of status, priority, type, assignee or organisation, following,
// and the notifications each act sends (N1–N6). Mail (ingest), the command
// line (admin, cmd/helpdesk) and the web all call these functions; the
// channel only proves who is acting (P1, a command-line --as, a session).
//
// An Act is one actor's work on tickets inside the caller's store
// transaction: each function checks the rule book (naming the rules it
// applies), writes through the store, records the ticket's history, and
// queues notifications in the same transaction, so that a rollback undoes
// all of it. A refusal by the rules is an error wrapping ErrRefused; mail
// turns it into a line of the report sent to the sender (I8), the command
// line into exit code 1.
//
// The package knows nothing of IMAP, SMTP or SQL: it works on store.Tx,
// access's facts and policy's rules.
package ticket
