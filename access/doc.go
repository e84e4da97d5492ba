// Package access gathers the facts the access policy judges (people, their
// memberships, a ticket and those around it) from the store, and answers
// the operator's questions about them: who can read ticket 42 and why
// (Explain), and what a change would do before it is made (Snapshot, Diff).
// The rules themselves live in package policy; this package only reads.
package access
