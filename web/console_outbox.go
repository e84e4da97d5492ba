package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
)

// outbox shows the failed notifications with the relay's answer, those
// waiting, and the addresses marked bouncing (W5, B3).
func (s *Server) outbox(w http.ResponseWriter, r *http.Request, v *viewer) {
	ctx := r.Context()
	failed, err := s.o.Admin.OutboxList(ctx, 0, model.OutboxFailed)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	queued, err := s.o.Admin.OutboxList(ctx, 0, model.OutboxQueued)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	bouncing, err := s.o.Admin.Bouncing(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "console_outbox", map[string]any{"Failed": failed, "Queued": queued, "Bouncing": bouncing,
		"Done": r.URL.Query().Get("done")})
}

// retry queues a failed notification again (audited).
func (s *Server) retry(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	s.consoleResult(w, r, s.o.Admin.OutboxRetry(r.Context(), v.request(r), id), "notification "+strconv.FormatInt(id, 10)+" queued again")
}

// clearBouncing clears an address's bouncing mark (B3, audited).
func (s *Server) clearBouncing(w http.ResponseWriter, r *http.Request, v *viewer) {
	email := r.PostFormValue("email")
	s.consoleResult(w, r, s.o.Admin.ClearBouncing(r.Context(), v.request(r), email), email+" is no longer marked bouncing")
}

// consoleResult goes back to the outbox page saying what happened, or
// shows a refusal.
func (s *Server) consoleResult(w http.ResponseWriter, r *http.Request, err error, done string) {
	switch {
	case errors.Is(err, admin.ErrRefused), errors.Is(err, admin.ErrUsage):
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
	case err != nil:
		s.fail(w, r, err)
	default:
		http.Redirect(w, r, "/console/outbox?done="+urlQuery(done), http.StatusSeeOther)
	}
}
