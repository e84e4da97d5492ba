// Package web is the portal (W1–W4, W6): end-users and partners sign in
// with a link sent by mail (no passwords), see exactly the tickets the
// rules let them see (R1–R7), and comment where the rules allow, through
// the same acts as mail (package ticket).
//
// Staff sign in the same way, or, where single sign-on is configured
// (Options.SSO, oidc.go), only through an OpenID Connect provider: then a
// mail link does not sign in staff, and a session not begun by single
// sign-on is not a staff session (W1).
//
// Pages are server-rendered html/template with the templates and the
// stylesheet embedded; nothing needs JavaScript, and the Content Security
// Policy allows none. Every state-changing request is a POST checked by
// net/http's CrossOriginProtection (the browser's Sec-Fetch-Site and
// Origin headers: no token to carry in forms, and it covers every handler
// at once), on top of SameSite=Lax session cookies. A ticket, comment or
// organisation the visitor may not see is a 404 worded exactly as one
// that does not exist.
//
// Reads are scoped to the viewer (access.Facts.VisibleTickets and
// TicketAs); SQL stays in store.
package web
