// Package ingest turns one raw inbound message into exactly one recorded
// outcome: a new ticket, a comment or internal note, or a rejection,
// auto-reply, bounce, duplicate, loop or failure (access-model.md,
// "Inbound mail"). The steps are parse → duplicate check → loop, bounce and
// auto-reply checks (B1–B3) → proof of sender (P1–P4) → thread resolution
// (I1) → policy → one store transaction that writes the ticket or comment,
// participants, the raw message with its outcome and rule ids, the
// Message-IDs seen, and the outbox rows.
//
// Ingest returns an error only when the store cannot be reached or written:
// then nothing was recorded and the caller must try again later (the IMAP
// poller leaves the message on the server). Everything else, including
// unreadable input and internal faults, is a recorded outcome with the raw
// bytes kept.
package ingest
