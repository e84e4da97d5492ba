// Package policy is the helpdesk's rule book (../shared/spec/access-model.md)
// as pure functions: who may see and comment on a ticket (R1–R7, A1–A4), which
// organisations a sender belongs to (O2–O7), which organisation a new ticket
// gets (I3), who may open tickets (O7, O8), who may add CCs (C1–C3), whether a
// sender is proven (P1–P4, I9), and who is told of an event (N1–N5).
//
// It knows nothing of IMAP, SMTP or SQL: callers gather the facts (people,
// memberships, the ticket) into the plain structs below and act on the answer.
// Every decision carries the ids of the rules that made it, so the command
// line can explain it (issue "access you can see").
package policy
