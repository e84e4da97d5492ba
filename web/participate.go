package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/ticket"
)

// act runs fn as the signed-in viewer on the ticket of the path, in one
// transaction, through package ticket (W4): a ticket the viewer may not
// see is the same 404 as a missing one; a refusal of the rules is 403. fn
// says what it did; that is recorded as made on the web, and the viewer
// goes back to the ticket's page (with the query back, if any).
func (s *Server) act(w http.ResponseWriter, r *http.Request, v *viewer, back string,
	fn func(a *ticket.Act, tv *access.TicketView) (what string, err error)) {
	id, ok := ticketID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	visible := true
	err := s.o.Store.InTx(ctx, func(tx *store.Tx) error {
		facts := access.NewFacts(tx)
		p, err := facts.PersonOf(ctx, v.User)
		if err != nil {
			return err
		}
		a := s.o.Acts.Begin(tx, facts, s.o.Clock().UTC(), ticket.Actor{User: &v.User, Person: p, Proven: true, Channel: ticket.ChannelWeb}, nil)
		tv, err := a.Open(ctx, id)
		if errors.Is(err, ticket.ErrRefused) || (err == nil && !policyView(a, tv)) {
			visible = false
			return nil
		} else if err != nil {
			return err
		}
		what, err := fn(a, tv)
		if err != nil {
			return err
		}
		return a.Event(ctx, id, model.EventWeb, what+" on the web by "+v.User.Email)
	})
	switch {
	case !visible:
		s.notFound(w, r)
	case errors.Is(err, ticket.ErrRefused):
		http.Error(w, strings.TrimPrefix(err.Error(), ticket.ErrRefused.Error()+": "), http.StatusForbidden)
	case err != nil:
		s.fail(w, r, err)
	default:
		http.Redirect(w, r, "/t/"+strconv.FormatInt(id, 10)+back, http.StatusSeeOther)
	}
}

// follow makes the viewer a follower (N5: they may see it; a session is
// proof).
func (s *Server) follow(w http.ResponseWriter, r *http.Request, v *viewer) {
	s.act(w, r, v, "", func(a *ticket.Act, tv *access.TicketView) (string, error) {
		return "followed", a.Follow(r.Context(), tv)
	})
}

// unfollow stops the viewer following.
func (s *Server) unfollow(w http.ResponseWriter, r *http.Request, v *viewer) {
	s.act(w, r, v, "", func(a *ticket.Act, tv *access.TicketView) (string, error) {
		_, err := a.Unfollow(r.Context(), tv)
		return "stopped following", err
	})
}

// addCCs adds the addresses given as CCs where C2 lets the viewer (a
// session is proof, W3), C3 applying; the new CCs are told (N3).
func (s *Server) addCCs(w http.ResponseWriter, r *http.Request, v *viewer) {
	var emails []string
	for _, c := range strings.FieldsFunc(r.PostFormValue("cc"), func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
		if e := model.NormalizeEmail(c); plausibleEmail(e) {
			emails = append(emails, e)
		}
	}
	s.act(w, r, v, "", func(a *ticket.Act, tv *access.TicketView) (string, error) {
		_, _, err := a.InviteCCs(r.Context(), tv, emails)
		return "CCs added", err
	})
}
