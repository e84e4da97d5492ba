package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// SSO configures staff single sign-on with OpenID Connect (W1). With it,
// staff sign in through the provider (authorization code flow with state,
// nonce and PKCE), and a sign-in link sent by mail no longer signs in
// staff; everyone else keeps the link.
type SSO struct {
	// Issuer is the provider's issuer URL; its discovery document
	// (/.well-known/openid-configuration) names the endpoints and keys.
	Issuer string
	// ClientID and ClientSecret are this helpdesk's client at the
	// provider; ID tokens must name ClientID as their only audience.
	ClientID     string
	ClientSecret string
	// HTTPClient talks to the provider; nil: a client with a 10-second
	// timeout.
	HTTPClient *http.Client
}

// SSOCallbackPath is where the provider sends the browser back: the
// redirect URL registered with it is the base URL and this path.
const SSOCallbackPath = "/signin/sso/callback"

// ssoSessionPrefix starts the id of a session begun by single sign-on.
// Only the store's hash of the whole id is kept, so the prefix cannot be
// added to another session's id: it is as unforgeable as the id (W1).
// Session ids are base64url, which has no '.'.
const ssoSessionPrefix = "sso."

// ssoFlowCookie carries one sign-in's state, nonce, PKCE verifier and
// destination from its start to the provider's answer, in the browser
// that started it.
const ssoFlowCookie = "hd_sso"

// ssoFlowTTL is how long a started sign-in may take at the provider.
const ssoFlowTTL = 10 * time.Minute

// ssoClient is the server's side of single sign-on: the provider,
// discovered on first use and kept once found (serve starts even when the
// provider is down; mail does not wait for it).
type ssoClient struct {
	o        SSO
	redirect string
	clock    func() time.Time

	mu sync.Mutex
	p  *ssoProvider
}

// ssoProvider is a discovered provider.
type ssoProvider struct {
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// newSSOClient returns nil when o is nil (single sign-on off).
func newSSOClient(o *SSO, base string, clock func() time.Time) *ssoClient {
	if o == nil {
		return nil
	}
	c := &ssoClient{o: *o, redirect: base + SSOCallbackPath, clock: clock}
	if c.o.HTTPClient == nil {
		c.o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return c
}

// ctx carries the HTTP client to go-oidc and oauth2.
func (c *ssoClient) ctx(ctx context.Context) context.Context {
	return context.WithValue(oidc.ClientContext(ctx, c.o.HTTPClient), oauth2.HTTPClient, c.o.HTTPClient)
}

// provider discovers the provider on first use.
func (c *ssoClient) provider(ctx context.Context) (*ssoProvider, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.p != nil {
		return c.p, nil
	}
	p, err := oidc.NewProvider(c.ctx(ctx), c.o.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover OpenID provider %s: %w", c.o.Issuer, err)
	}
	c.p = &ssoProvider{
		oauth: oauth2.Config{ClientID: c.o.ClientID, ClientSecret: c.o.ClientSecret, Endpoint: p.Endpoint(),
			RedirectURL: c.redirect, Scopes: []string{oidc.ScopeOpenID, "email"}},
		verifier: p.Verifier(&oidc.Config{ClientID: c.o.ClientID, Now: c.clock}),
	}
	return c.p, nil
}

// CheckSSO asks the provider for its discovery document, as serve --check
// does: it answers, names itself as o.Issuer, and names the endpoints of
// the authorization code flow.
func CheckSSO(ctx context.Context, o SSO) error {
	c := newSSOClient(&o, "", time.Now)
	p, err := c.provider(ctx)
	if err != nil {
		return err
	}
	if p.oauth.Endpoint.AuthURL == "" || p.oauth.Endpoint.TokenURL == "" {
		return fmt.Errorf("OpenID provider %s names no authorization or token endpoint", o.Issuer)
	}
	return nil
}

// ssoFlow is one sign-in under way.
type ssoFlow struct {
	state, nonce, verifier, next string
}

// cookie is the flow as the value of ssoFlowCookie: base64url parts,
// which have no '.'.
func (f ssoFlow) cookie() string {
	return strings.Join([]string{f.state, f.nonce, f.verifier, base64.RawURLEncoding.EncodeToString([]byte(f.next))}, ".")
}

// flowOf reads the flow of the request's cookie.
func flowOf(r *http.Request) (ssoFlow, bool) {
	c, err := r.Cookie(ssoFlowCookie)
	if err != nil {
		return ssoFlow{}, false
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 4 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return ssoFlow{}, false
	}
	next, err := base64.RawURLEncoding.DecodeString(parts[3])
	if err != nil {
		return ssoFlow{}, false
	}
	return ssoFlow{state: parts[0], nonce: parts[1], verifier: parts[2], next: safeNext(string(next))}, true
}

// setFlowCookie sets (maxAge > 0) or clears the flow's cookie. SameSite
// Lax: the provider sends the browser back with a top-level GET.
func (s *Server) setFlowCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: ssoFlowCookie, Value: value, Path: "/signin/sso", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// randomText is 32 random bytes as base64url.
func randomText() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ssoStart sends the browser to the provider with a fresh state, nonce
// and PKCE challenge, kept in a cookie of this browser for the answer.
func (s *Server) ssoStart(w http.ResponseWriter, r *http.Request) {
	if s.sso == nil {
		s.notFound(w, r)
		return
	}
	p, err := s.sso.provider(r.Context())
	if err != nil {
		s.log.Warn("web: single sign-on: provider unreachable", "err", err)
		s.renderSSO(w, r, http.StatusBadGateway, "sso.unreachable", "")
		return
	}
	next := safeNext(r.URL.Query().Get("next"))
	if next == "/" {
		next = "/console"
	}
	f := ssoFlow{state: randomText(), nonce: randomText(), verifier: oauth2.GenerateVerifier(), next: next}
	s.setFlowCookie(w, f.cookie(), int(ssoFlowTTL/time.Second))
	http.Redirect(w, r, p.oauth.AuthCodeURL(f.state, oidc.Nonce(f.nonce), oauth2.S256ChallengeOption(f.verifier)), http.StatusFound)
}

// errSSORefused is a sign-in refused for what the browser or the
// provider sent; the log has the detail, the page a short reason.
var errSSORefused = errors.New("single sign-on refused")

// ssoCallback takes the provider's answer: the state must be this
// browser's, the code is exchanged with the PKCE verifier, and the ID
// token must verify (signature, issuer, audience, expiry) and carry this
// browser's nonce and an email address, verified where the provider says
// so, that is a staff member's (R1, W5). Anything else is refused, and no
// session begins.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) {
	if s.sso == nil {
		s.notFound(w, r)
		return
	}
	f, ok := flowOf(r)
	s.setFlowCookie(w, "", -1) // one answer per flow
	if status := s.ssoAnswerRefused(r, f, ok); status != 0 {
		s.renderSSO(w, r, status, "sso.failed", "")
		return
	}
	email, verified, err := s.ssoIdentity(r.Context(), r.URL.Query().Get("code"), f)
	if err != nil {
		s.log.Warn("web: single sign-on: ID token refused", "err", err)
		s.renderSSO(w, r, http.StatusForbidden, "sso.failed", "")
		return
	}
	if !verified {
		s.log.Info("web: single sign-on: email not verified by the provider", "email", email)
		s.renderSSO(w, r, http.StatusForbidden, "sso.unverified", email)
		return
	}
	u, err := s.o.Store.UserByEmail(r.Context(), email)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.StaffRole.IsStaff()) {
		s.log.Info("web: single sign-on: not staff", "email", email)
		s.renderSSO(w, r, http.StatusForbidden, "sso.notstaff", email)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.beginSession(w, r, u, true); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("web: single sign-on: staff signed in", "email", email)
	http.Redirect(w, r, f.next, http.StatusSeeOther)
}

// ssoAnswerRefused checks the provider's answer before anything is
// exchanged: it must not be an error, and its state must be the one kept
// by this browser (ok: it has a flow), else a login forged from another
// browser would go through. It returns the status to refuse with, or 0.
func (s *Server) ssoAnswerRefused(r *http.Request, f ssoFlow, ok bool) int {
	q := r.URL.Query()
	switch {
	case q.Get("error") != "":
		s.log.Info("web: single sign-on: the provider refused", "error", q.Get("error"), "description", q.Get("error_description"))
		return http.StatusForbidden
	case !ok || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.state)) != 1:
		s.log.Info("web: single sign-on: state does not match this browser's", "has_flow", ok)
		return http.StatusBadRequest
	}
	return 0
}

// ssoIdentity exchanges the code and verifies the ID token; it returns
// the token's email address and whether it may be trusted as verified
// (email_verified, when present, must be true).
func (s *Server) ssoIdentity(ctx context.Context, code string, f ssoFlow) (email string, verified bool, err error) {
	p, err := s.sso.provider(ctx)
	if err != nil {
		return "", false, err
	}
	ctx = s.sso.ctx(ctx)
	tok, err := p.oauth.Exchange(ctx, code, oauth2.VerifierOption(f.verifier))
	if err != nil {
		return "", false, fmt.Errorf("exchange the code: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", false, fmt.Errorf("%w: the token response has no id_token", errSSORefused)
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		return "", false, fmt.Errorf("verify the ID token: %w", err)
	}
	// OpenID Connect Core 3.1.3.7: reject audiences the client does not
	// trust; we trust only ourselves.
	if len(idt.Audience) != 1 {
		return "", false, fmt.Errorf("%w: ID token audiences %q (want only %q)", errSSORefused, idt.Audience, s.sso.o.ClientID)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.nonce)) != 1 {
		return "", false, fmt.Errorf("%w: ID token nonce is not this browser's", errSSORefused)
	}
	var claims struct {
		Email         string     `json:"email"`
		EmailVerified *claimBool `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		return "", false, fmt.Errorf("read the ID token's claims: %w", err)
	}
	email = model.NormalizeEmail(claims.Email)
	if !plausibleEmail(email) {
		return "", false, fmt.Errorf("%w: ID token of %q has no usable email claim", errSSORefused, idt.Subject)
	}
	return email, claims.EmailVerified == nil || bool(*claims.EmailVerified), nil
}

// claimBool is a boolean claim, which some providers send as "true".
type claimBool bool

// UnmarshalJSON reads true, false, "true" or "false".
func (b *claimBool) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case "true", `"true"`:
		*b = true
	case "false", `"false"`:
		*b = false
	default:
		return fmt.Errorf("email_verified: want true or false, got %s", data)
	}
	return nil
}

// renderSSO shows why single sign-on did not sign anyone in (or, for a
// staff member's mail link, that staff use it); reason is a key of texts.
func (s *Server) renderSSO(w http.ResponseWriter, r *http.Request, status int, reason, email string) {
	s.render(w, r, status, "sso", map[string]any{"Reason": reason, "Email": email, "SSO": s.sso != nil})
}

// ssoOnlyForStaff reports whether a sign-in link must not sign in u: with
// single sign-on configured, staff sign in through it (W1).
func (s *Server) ssoOnlyForStaff(u *model.User) bool {
	return s.sso != nil && u != nil && u.StaffRole.IsStaff()
}
