// Package imapsource polls IMAP mailboxes and feeds each message to the
// ingest pipeline, exactly once.
//
// It owns, per mailbox: the IMAP connection (TLS, STARTTLS, or plain text to
// a loopback test server; LOGIN, PLAIN, or XOAUTH2 and OAUTHBEARER with a
// fixed token or the current token of a TokenSource, renewed once when
// refused, the session ending when its token expires), waiting for mail (IDLE
// where offered, with a periodic re-check, else polling), the checkpoint
// (UIDVALIDITY and the last UID recorded, in the store) and the lease that
// lets one process at a time poll the mailbox.
//
// Invariants:
//   - A message is marked processed on the server (moved, flagged \Seen or
//     deleted, by configuration; a message recorded as failed is moved to
//     the failure folder) only after the store transaction that recorded it
//     has committed. The checkpoint moves in that same transaction. A
//     pass marks committed messages in commands of markEvery (2,000), and
//     the rest when it ends or a batch fails: each command costs the
//     server a read of the folders' state.
//   - A crash between the commit and the marking leaves the message in the
//     folder: the next pass fetches it again and the pipeline records it as
//     a duplicate (same bytes), never a second ticket. A change of
//     UIDVALIDITY re-reads the whole folder under the same protection.
//   - A message over the size limit is not downloaded: its header is, and
//     it is recorded as failed, "too large". Others are read one literal at
//     a time into a buffer of their announced size; a batch holds at most
//     BatchBytes of them (or one message larger than that).
//
// How it fails: every IMAP command has a timeout, after which the
// connection is closed; any error ends the session, and the poller
// reconnects after a backoff with jitter (longer after a refused login).
// When the store cannot be reached the batch is not committed, nothing is
// marked, and the same messages are fetched again after the backoff. The
// IMAP connection is closed when the context ends (go-imap takes no
// context).
package imapsource
