package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// cookieName is the session cookie's name.
const cookieName = "hd_session"

// viewer is the signed-in person of a request.
type viewer struct {
	User    model.User
	idHash  string
	IsStaff bool
}

type viewerKey struct{}

// newSecret returns 32 random bytes as URL-safe text, and the hex SHA-256
// of that text: what is stored (W6: ids and tokens only as hashes).
func newSecret() (secret, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, hashOf(secret)
}

func hashOf(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// withViewer loads the session, if any, ending it when it idled too long
// or the person's staff role changed since it began (W6), and runs h with
// the viewer in the context; a page that needs one and has none asks for
// an address (sign-in), keeping where the visitor wanted to go.
func (s *Server) withViewer(h func(w http.ResponseWriter, r *http.Request, v *viewer)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := s.session(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if v == nil {
			if r.Method != http.MethodGet {
				http.Error(w, "sign in first", http.StatusForbidden)
				return
			}
			s.askForAddress(w, r, r.URL.RequestURI())
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), viewerKey{}, v))
		h(w, r, v)
	}
}

// maybeViewer runs h with the viewer in the context when there is one:
// pages that anyone may see, such as the 404, look the same to a signed-in
// person as every other page.
func (s *Server) maybeViewer(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if v, err := s.session(r); err == nil && v != nil {
			r = r.WithContext(context.WithValue(r.Context(), viewerKey{}, v))
		}
		h(w, r)
	}
}

// session returns the request's live session's viewer, or nil.
func (s *Server) session(r *http.Request) (*viewer, error) {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	ctx, now := r.Context(), s.o.Clock().UTC()
	idHash := hashOf(c.Value)
	sess, err := s.o.Store.SessionByHash(ctx, idHash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	u, err := s.o.Store.UserByID(ctx, sess.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, s.o.Store.EndSession(ctx, idHash, now)
	} else if err != nil {
		return nil, err
	}
	idle := s.o.UserIdle
	if u.StaffRole.IsStaff() || sess.StaffRole.IsStaff() {
		idle = s.o.StaffIdle
	}
	if u.StaffRole != sess.StaffRole || now.Sub(sess.LastSeen) > idle {
		return nil, s.o.Store.EndSession(ctx, idHash, now) // W6
	}
	if s.sso != nil && u.StaffRole.IsStaff() && !strings.HasPrefix(c.Value, ssoSessionPrefix) {
		// W1: with single sign-on, only it makes a session staff; one
		// begun otherwise (a mail link, before SSO was configured) ends.
		return nil, s.o.Store.EndSession(ctx, idHash, now)
	}
	if now.Sub(sess.LastSeen) > time.Minute {
		if err := s.o.Store.TouchSession(ctx, idHash, now); err != nil {
			return nil, err
		}
	}
	return &viewer{User: u, idHash: idHash, IsStaff: u.StaffRole.IsStaff()}, nil
}

// startSession begins a session for u and sets its cookie (W6).
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u model.User) error {
	return s.beginSession(w, r, u, false)
}

// beginSession begins a session for u, its id marked when single sign-on
// began it (W1), and sets its cookie (W6).
func (s *Server) beginSession(w http.ResponseWriter, r *http.Request, u model.User, viaSSO bool) error {
	id, _ := newSecret()
	if viaSSO {
		id = ssoSessionPrefix + id
	}
	idHash := hashOf(id)
	now := s.o.Clock().UTC()
	if err := s.o.Store.AddSession(r.Context(), store.Session{IDHash: idHash, UserID: u.ID, StaffRole: u.StaffRole, CreatedAt: now, LastSeen: now}); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	return nil
}

// signOut ends the session and clears the cookie.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil && c.Value != "" {
		if err := s.o.Store.EndSession(r.Context(), hashOf(c.Value), s.o.Clock().UTC()); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/signin?out=1", http.StatusSeeOther)
}
