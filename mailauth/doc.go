// Package mailauth obtains and renews the OAuth 2.0 access tokens with
// which the gateway signs in to mail servers, and speaks the two SASL
// mechanisms that carry them: XOAUTH2 (Google, Microsoft) and OAUTHBEARER
// (RFC 7628). It knows nothing of IMAP, SMTP or the store: a Source hands
// out the current token, and a SASL client is built from it.
//
// Flows: Microsoft 365 app-only (client credentials for a tenant, with a
// secret or a certificate signing a JWT assertion; scope
// https://outlook.office365.com/.default), Google Workspace (a refresh token
// with its client id and secret, or a service account with domain-wide
// delegation acting as the mailbox's user), and any token endpoint (client
// credentials, or a refresh token when one is given).
//
// Invariants:
//   - A token is renewed before it expires: when less than a fifth of its
//     lifetime (at most five minutes) is left, the next Token fetches a new
//     one. A token the server refused is renewed once on request (Renew),
//     and only once however many callers report it.
//   - Secrets (client secret, refresh token, private keys, tokens) never
//     appear in errors, logs or String.
//
// How it fails: a refusal by the token endpoint is a *TokenError carrying
// the endpoint's error code and a hint of what to check; after a failure the
// Source does not ask the endpoint again before a backoff (doubling from
// RetryMin to RetryMax) has passed, and returns the same error meanwhile.
package mailauth
