// Package threading decides which ticket a message belongs to, and owns the
// helpdesk's address scheme: signed reply tokens in sub-addresses of the
// support address (T1, T2), follow and bounce (VERP) addresses, subject
// tokens "[#123]", and the signed marker in the helpdesk's own Message-IDs
// (B2). It is pure: lookups of Message-IDs go through the Lookup interface.
//
// Tokens are HMAC-SHA256 signed with the configured secret; a changed or
// made-up token verifies as nothing (ok == false), never as another ticket.
package threading
