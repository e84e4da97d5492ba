package web

import (
	"errors"
	"net/http"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
)

// orgs lists the organisations with their access settings (A1), for an
// admin to change one with a preview (W5).
func (s *Server) orgs(w http.ResponseWriter, r *http.Request, v *viewer) {
	orgs, err := s.o.Admin.OrgList(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "console_orgs", map[string]any{"Orgs": orgs, "Accesses": []string{"own", "view", "comment"}})
}

// orgAccess changes an organisation's A1 setting as the signed-in admin
// (A5, S1, S3): the first post is always a preview (the same as --dry-run:
// who gains and loses what); the change happens only when the admin
// confirms it, and a change that widens access to more than confirm_over
// people needs that confirmation to say so (--yes).
func (s *Server) orgAccess(w http.ResponseWriter, r *http.Request, v *viewer) {
	slug, access := r.PathValue("slug"), model.OrgAccess(r.PostFormValue("access"))
	req := v.request(r)
	confirmed := r.PostFormValue("confirm") != ""
	req.DryRun, req.Yes = !confirmed, confirmed
	out, err := s.o.Admin.OrgSet(r.Context(), req, slug, admin.OrgSettings{Access: access})
	switch {
	case errors.Is(err, admin.ErrRefused), errors.Is(err, admin.ErrUsage):
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "console_preview", map[string]any{"Slug": slug, "Access": access, "Out": out,
		"Gained": out.GainedPeople(), "Lost": out.LostPeople(), "Done": confirmed})
}
