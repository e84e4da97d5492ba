// Package outbound delivers the outbox: it owns everything between a queued
// notification row and an SMTP relay's "250 OK".
//
// A Worker claims due rows from the store (several workers, in one process
// or many, share the outbox: PostgreSQL hands each row to one claimer with
// FOR UPDATE SKIP LOCKED), checks again at send time that the recipient may
// still be sent the row (B2, B3, N1, N2, R7), builds the MIME message (N6)
// and hands it to a Transport: a Sender, which submits it over a pool of
// reused SMTP connections to one relay within a rate limit (signing in with
// a password, or with OAuth 2.0 tokens of a TokenSource: oauth.go), or a Dir
// that writes it to a folder.
//
// Invariants:
//   - the next attempt of a row is written before the attempt is made (the
//     claim's lease), so a crash never loses a row, and a row's Message-ID
//     was fixed when it was queued, so a row sent again after a crash is the
//     same message to its recipient's mail client;
//   - an internal note reaches staff only, and nothing reaches the
//     helpdesk's own addresses or an address marked bouncing, whatever the
//     row says;
//   - every header value built from data (names, subjects, ids) is
//     sanitised and encoded: no value can end a header line.
//
// How it fails: a delivery error is temporary unless proven permanent (an
// SMTP 5xx reply, or an address or row that cannot make a message).
// Temporary failures are retried with exponential backoff and jitter until
// Backoff.MaxAttempts, then the row is marked failed; permanent ones are
// marked failed at once with the server's reply. A store error skips a round
// and is retried; it never marks a row.
package outbound
