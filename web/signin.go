package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/commands"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/templates"
	"github.com/helpdesk-gw/helpdesk/ticket"
)

// askForAddress shows the sign-in form; next is where to go after.
func (s *Server) askForAddress(w http.ResponseWriter, r *http.Request, next string) {
	s.render(w, r, http.StatusOK, "signin", map[string]any{"Next": safeNext(next), "SSO": s.sso != nil})
}

func (s *Server) signInForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signin", map[string]any{"Next": safeNext(r.URL.Query().Get("next")), "Out": r.URL.Query().Get("out") != "", "SSO": s.sso != nil})
}

// safeNext keeps only a local path, so that the link cannot send the
// visitor elsewhere.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\") {
		return "/"
	}
	for _, r := range next {
		if r <= ' ' || r == 0x7f || unicode.IsSpace(r) || unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
			return "/"
		}
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

// askSignIn sends a sign-in link (W1) to the address given, when W2 lets
// it sign in and the limits allow; the answer is the same whatever
// happened, so that it tells nobody whether an address is known.
func (s *Server) askSignIn(w http.ResponseWriter, r *http.Request) {
	email := model.NormalizeEmail(r.PostFormValue("email"))
	next := safeNext(r.PostFormValue("next"))
	if !plausibleEmail(email) {
		s.render(w, r, http.StatusBadRequest, "signin", map[string]any{"Next": next, "Bad": true, "Email": email, "SSO": s.sso != nil})
		return
	}
	if err := s.sendSignIn(r.Context(), email, clientOf(r), next); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "sent", map[string]any{"Email": email})
}

// sendSignIn queues the link through the outbox, in one transaction with
// its record.
func (s *Server) sendSignIn(ctx context.Context, email, client, next string) error {
	now := s.o.Clock().UTC()
	n, err := s.o.Store.CountSignInsSince(ctx, "", client, now.Add(-s.o.ClientWindow))
	if err != nil {
		return err
	}
	if n >= s.o.ClientLimit {
		s.log.Info("web: sign-in link not sent: client limit", "client", client)
		return nil
	}
	return s.o.Store.InTx(ctx, func(tx *store.Tx) error {
		facts := access.NewFacts(tx)
		p, u, err := facts.Person(ctx, email)
		if err != nil {
			return err
		}
		if u == nil && !mayBecomeUser(p, s.o.UnknownSenders) { // W2
			s.log.Info("web: sign-in link not sent: not a user and may not open tickets", "email", email)
			return nil
		}
		if s.ssoOnlyForStaff(u) { // W1: staff sign in with single sign-on
			s.log.Info("web: sign-in link not sent: staff sign in with single sign-on", "email", email)
			return nil
		}
		token, hash := newSecret()
		if err := tx.AddSignIn(ctx, store.SignIn{TokenHash: hash, Email: email, Client: client, CreatedAt: now, ExpiresAt: now.Add(s.o.SignInTTL)}); err != nil {
			return err
		}
		link := s.base.String() + "/signin/" + token
		if next != "/" {
			link += "?next=" + url.QueryEscape(next)
		}
		a := s.o.Acts.Begin(tx, facts, now, ticket.Actor{Channel: ticket.ChannelWeb}, nil)
		d := templates.Data{HelpdeskName: s.o.HelpdeskName, Link: link}
		// Queue applies B2 (ack_limit an hour: the limit per address),
		// B3 (bouncing) and never the helpdesk's own addresses.
		return a.Queue(ctx, nil, email, model.KindSignIn, "sign_in", d, []string{"W1"})
	})
}

// mayBecomeUser is W2 for someone who is not a user: they may sign in
// when O7 and O8 would let them open a ticket.
func mayBecomeUser(p policy.Person, unknown policy.UnknownSenders) bool {
	choice := policy.ChooseOrganisation(p, "")
	return policy.MayOpenTicket(p, choice, unknown).OK
}

// confirmSignIn shows a button that signs in: following a link must not
// be enough (mail scanners follow links), and a link opened later, or by
// someone it was forwarded to, still needs the click.
func (s *Server) confirmSignIn(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "confirm", map[string]any{"Token": r.PathValue("token"), "Next": safeNext(r.URL.Query().Get("next"))})
}

// signIn uses the link once (W1) and starts a session; a person who was
// not a user becomes one (O3).
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	ctx, now := r.Context(), s.o.Clock().UTC()
	email, err := s.o.Store.UseSignIn(ctx, hashOf(r.PathValue("token")), now)
	if errors.Is(err, store.ErrNotFound) {
		s.render(w, r, http.StatusGone, "expired", nil)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	var user model.User
	err = s.o.Store.InTx(ctx, func(tx *store.Tx) error {
		a := s.o.Acts.Begin(tx, nil, now, ticket.Actor{Channel: ticket.ChannelWeb}, nil)
		u, _, err := a.EnsureUser(ctx, email, "")
		if err != nil {
			return err
		}
		user = *u
		return nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if s.ssoOnlyForStaff(&user) { // W1: a link issued before SSO, or before they were staff
		s.log.Info("web: sign-in link refused: staff sign in with single sign-on", "email", email)
		s.renderSSO(w, r, http.StatusForbidden, "sso.staffonly", email)
		return
	}
	if err := s.startSession(w, r, user); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
}

// clientOf names the client for the per-client limit: its address.
func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// plausibleEmail accepts what looks like one address.
func plausibleEmail(e string) bool {
	if len(e) > 254 {
		return false
	}
	if commands.IsEmail(e) { // quoted local parts included
		return true
	}
	local, domain, ok := strings.Cut(e, "@")
	return ok && local != "" && domain == "localhost" && !strings.ContainsAny(e, " \t\r\n<>,;\"()[]\\")
}
