package web

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
)

// The console's administration (W5 with S1–S4, A1–A5): organisations,
// people and memberships, staff and roles, teams, and the audit log. Each
// page calls the same admin.Service method as the command line, as the
// signed-in staff member, so the roles are checked there (an agent's post
// is refused whatever the page showed). Every change that may alter who
// sees what is previewed first (the command line's --dry-run) and made
// only when confirmed; the confirmation is the --yes that confirm_over
// asks for.

// previewShown is how many gains and losses a preview lists; the counts
// cover them all.
const previewShown = 100

// field is one hidden form field carried from a preview to its
// confirmation.
type field struct{ Name, Value string }

// previewed runs an access-changing admin act from a form: the first post
// is the preview (dry run: who gains and loses what, nothing changed), the
// change happens only on the post that confirms it (A5, S3). title names
// the change, back is where the page leads back to.
func (s *Server) previewed(w http.ResponseWriter, r *http.Request, v *viewer, title, back string,
	do func(req admin.Request) (admin.Outcome, error)) {
	req := v.request(r)
	if reason := strings.TrimSpace(r.PostFormValue("reason")); reason != "" {
		req.Reason = reason
	}
	confirmed := r.PostFormValue("confirm") != ""
	req.DryRun, req.Yes = !confirmed, confirmed
	out, err := do(req)
	if !s.answered(w, r, err) {
		return
	}
	var fields []field
	for name, vals := range r.PostForm {
		if name == "confirm" || name == "reason" || name == "dry_run" {
			continue
		}
		for _, val := range vals {
			fields = append(fields, field{name, val})
		}
	}
	sort.Slice(fields, func(i, j int) bool { return fields[i].Name < fields[j].Name })
	s.render(w, r, http.StatusOK, "console_change", map[string]any{"Title": title, "Back": back, "Action": r.URL.Path,
		"Fields": fields, "Done": confirmed,
		"GainedPeople": out.GainedPeople(), "GainedTickets": out.GainedTickets(),
		"LostPeople": out.LostPeople(), "LostTickets": out.LostTickets(),
		"Gains": first(out.Impact.Gained), "Losses": first(out.Impact.Lost),
		"GainClasses": first(out.Impact.GainedClasses), "LossClasses": first(out.Impact.LostClasses),
		"MoreGains":  max(0, len(out.Impact.Gained)+len(out.Impact.GainedClasses)-previewShown),
		"MoreLosses": max(0, len(out.Impact.Lost)+len(out.Impact.LostClasses)-previewShown)})
}

// first is the start of a preview's list: at most previewShown.
func first[T any](list []T) []T {
	if len(list) > previewShown {
		return list[:previewShown]
	}
	return list
}

// answered writes the answer to a failed admin call and reports whether
// the handler may go on: a refusal of the rules or a malformed request is
// one line with 422; anything else is an internal error.
func (s *Server) answered(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, admin.ErrRefused), errors.Is(err, admin.ErrUsage):
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
	default:
		s.fail(w, r, err)
	}
	return false
}

// found writes the answer to a failed read of a console page and reports
// whether the handler may go on: what does not exist (a refusal, or a
// malformed name) is the missing page's 404; anything else is an internal
// error.
func (s *Server) found(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, admin.ErrRefused), errors.Is(err, admin.ErrUsage):
		s.notFound(w, r)
	default:
		s.fail(w, r, err)
	}
	return false
}

// done sends the browser back to page with a one-line notice.
func done(w http.ResponseWriter, r *http.Request, page, notice string) {
	sep := "?"
	if strings.Contains(page, "?") {
		sep = "&"
	}
	http.Redirect(w, r, page+sep+"done="+url.QueryEscape(notice), http.StatusSeeOther)
}

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

// orgAccess changes an organisation's A1 setting (A5, S1, S3), previewed.
func (s *Server) orgAccess(w http.ResponseWriter, r *http.Request, v *viewer) {
	slug, acc := r.PathValue("slug"), model.OrgAccess(r.PostFormValue("access"))
	s.previewed(w, r, v, slug+": access "+string(acc), "/console/orgs/"+url.PathEscape(slug), func(req admin.Request) (admin.Outcome, error) {
		return s.o.Admin.OrgSet(r.Context(), req, slug, admin.OrgSettings{Access: acc})
	})
}

// orgPage shows one organisation: its settings, domains and teams, with
// the forms that change them.
func (s *Server) orgPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	orgs, err := s.o.Admin.OrgList(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, o := range orgs {
		if o.Slug == r.PathValue("slug") {
			s.render(w, r, http.StatusOK, "console_org", map[string]any{"O": o, "Done": r.URL.Query().Get("done"),
				"Accesses": []string{"own", "view", "comment"}, "Intakes": []string{"open", "registered"},
				"CCAdders": []string{"requester", "participants"}})
			return
		}
	}
	s.notFound(w, r)
}

// orgAdd creates an organisation with its domains (O1, O2, A5), previewed.
func (s *Server) orgAdd(w http.ResponseWriter, r *http.Request, v *viewer) {
	slug := strings.ToLower(strings.TrimSpace(r.PostFormValue("slug")))
	set := admin.OrgSettings{Name: strings.TrimSpace(r.PostFormValue("name")), Access: model.OrgAccess(r.PostFormValue("access"))}
	domains := strings.Fields(strings.ReplaceAll(r.PostFormValue("domains"), ",", " "))
	s.previewed(w, r, v, "New organisation "+slug, "/console/orgs", func(req admin.Request) (admin.Outcome, error) {
		return s.o.Admin.OrgAdd(r.Context(), req, slug, set, domains, false)
	})
}

// orgSet changes an organisation's name, A1 access, O8 intake and C2
// cc_adders; fields left empty stay as they are. Previewed.
func (s *Server) orgSet(w http.ResponseWriter, r *http.Request, v *viewer) {
	slug := r.PathValue("slug")
	set := admin.OrgSettings{Name: strings.TrimSpace(r.PostFormValue("name")), Access: model.OrgAccess(r.PostFormValue("access")),
		Intake: model.Intake(r.PostFormValue("intake")), CCAdders: model.CCAdders(r.PostFormValue("cc_adders"))}
	s.previewed(w, r, v, "Change organisation "+slug, "/console/orgs/"+url.PathEscape(slug), func(req admin.Request) (admin.Outcome, error) {
		return s.o.Admin.OrgSet(r.Context(), req, slug, set)
	})
}

// orgDomain adds or removes a domain of an organisation (O2, O4), previewed.
func (s *Server) orgDomain(w http.ResponseWriter, r *http.Request, v *viewer) {
	slug, domain, remove := r.PathValue("slug"), strings.TrimSpace(r.PostFormValue("domain")), r.PostFormValue("op") == "remove"
	verb := "Add domain "
	if remove {
		verb = "Remove domain "
	}
	s.previewed(w, r, v, verb+domain+" of "+slug, "/console/orgs/"+url.PathEscape(slug), func(req admin.Request) (admin.Outcome, error) {
		if remove {
			return s.o.Admin.DomainRemove(r.Context(), req, slug, domain)
		}
		return s.o.Admin.DomainAdd(r.Context(), req, slug, domain, false)
	})
}

// people finds a person by address, and offers to register one (O3).
func (s *Server) people(w http.ResponseWriter, r *http.Request, v *viewer) {
	if e := strings.TrimSpace(r.URL.Query().Get("email")); e != "" {
		http.Redirect(w, r, "/console/people/"+url.PathEscape(model.NormalizeEmail(e)), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "console_people", map[string]any{"Done": r.URL.Query().Get("done")})
}

// person shows a user with their memberships (A2, N5) and default
// organisation (O6), with the forms that change them.
func (s *Server) person(w http.ResponseWriter, r *http.Request, v *viewer) {
	u, err := s.o.Admin.UserShow(r.Context(), r.PathValue("email"))
	if !s.found(w, r, err) {
		return
	}
	orgs, err := s.o.Admin.OrgList(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "console_person", map[string]any{"U": u, "Orgs": orgs, "Done": r.URL.Query().Get("done")})
}

// personAdd registers a user, with admin memberships of the organisations
// named (O3), previewed.
func (s *Server) personAdd(w http.ResponseWriter, r *http.Request, v *viewer) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	orgs := strings.Fields(strings.ReplaceAll(r.PostFormValue("orgs"), ",", " "))
	s.previewed(w, r, v, "Register "+email, "/console/people", func(req admin.Request) (admin.Outcome, error) {
		return s.o.Admin.UserAdd(r.Context(), req, email, strings.TrimSpace(r.PostFormValue("name")), orgs)
	})
}

// personSet changes a user's name and default organisation (O6), previewed.
func (s *Server) personSet(w http.ResponseWriter, r *http.Request, v *viewer) {
	email := r.PathValue("email")
	s.previewed(w, r, v, "Change "+email, "/console/people/"+url.PathEscape(email), func(req admin.Request) (admin.Outcome, error) {
		return s.o.Admin.UserSet(r.Context(), req, email, strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("default_org"))
	})
}

// membership creates, changes (A2 access, N5 follow-all) or removes a
// membership, previewed.
func (s *Server) membership(w http.ResponseWriter, r *http.Request, v *viewer) {
	email, slug := r.PathValue("email"), r.PostFormValue("org")
	back := "/console/people/" + url.PathEscape(email)
	if r.PostFormValue("op") == "remove" {
		s.previewed(w, r, v, "Remove "+email+" from "+slug, back, func(req admin.Request) (admin.Outcome, error) {
			return s.o.Admin.MemberRemove(r.Context(), req, email, slug)
		})
		return
	}
	var followAll *bool
	switch r.PostFormValue("follow_all") {
	case "yes":
		followAll = new(bool)
		*followAll = true
	case "no":
		followAll = new(bool)
	}
	acc := model.MemberAccess(r.PostFormValue("access"))
	s.previewed(w, r, v, "Membership of "+email+" in "+slug, back, func(req admin.Request) (admin.Outcome, error) {
		return s.o.Admin.MemberSet(r.Context(), req, email, slug, acc, followAll)
	})
}

// staff lists the staff with their roles and teams (S1, S4).
func (s *Server) staff(w http.ResponseWriter, r *http.Request, v *viewer) {
	list, err := s.o.Admin.StaffList(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "console_staff", map[string]any{"Staff": list, "Roles": []string{"agent", "admin", "owner"},
		"Done": r.URL.Query().Get("done")})
}

// staffSet adds a staff member, changes a role or takes it away (S1: an
// admin grants agent, only an owner grants admin or owner, nobody raises
// their own role; checked by admin.StaffSet), previewed: a staff role
// lets its holder see every ticket (R1).
func (s *Server) staffSet(w http.ResponseWriter, r *http.Request, v *viewer) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	role, action := model.StaffRole(r.PostFormValue("role")), "staff.set"
	switch r.PostFormValue("op") {
	case "add":
		action = "staff.add"
	case "remove":
		role, action = model.RoleNone, "staff.remove"
	}
	title := "Make " + email + " " + string(role)
	if role == model.RoleNone {
		title = "Take " + email + "'s staff role away"
	}
	s.previewed(w, r, v, title, "/console/staff", func(req admin.Request) (admin.Outcome, error) {
		return s.o.Admin.StaffSet(r.Context(), req, email, role, action)
	})
}

// teams lists the teams with their members, intake addresses and
// organisations (S4, I10).
func (s *Server) teams(w http.ResponseWriter, r *http.Request, v *viewer) {
	list, err := s.o.Admin.TeamList(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	staff, err := s.o.Admin.StaffList(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "console_teams", map[string]any{"Teams": list, "Staff": staff, "Done": r.URL.Query().Get("done")})
}

// teamAdd creates a team (S4; admins only, checked by admin.TeamAdd).
// Teams route tickets and tell staff; they change nobody's rights, so
// there is nothing to preview.
func (s *Server) teamAdd(w http.ResponseWriter, r *http.Request, v *viewer) {
	slug := strings.ToLower(strings.TrimSpace(r.PostFormValue("slug")))
	err := s.o.Admin.TeamAdd(r.Context(), v.request(r), slug, strings.TrimSpace(r.PostFormValue("name")),
		listField(r, "addresses"), listField(r, "orgs"))
	if s.answered(w, r, err) {
		done(w, r, "/console/teams", "team "+slug+" added")
	}
}

// teamSet changes a team (its name, intake addresses, organisations,
// default and disabled marks) or adds or removes a member (S4, I10).
func (s *Server) teamSet(w http.ResponseWriter, r *http.Request, v *viewer) {
	slug := r.PathValue("slug")
	var err error
	switch op := r.PostFormValue("op"); op {
	case "member-add", "member-remove":
		err = s.o.Admin.TeamMember(r.Context(), v.request(r), slug, strings.TrimSpace(r.PostFormValue("email")), op == "member-add")
	default:
		name, addrs, orgs := strings.TrimSpace(r.PostFormValue("name")), listField(r, "addresses"), listField(r, "orgs")
		def, disabled := r.PostFormValue("default") != "", r.PostFormValue("disabled") != ""
		c := admin.TeamChange{Addresses: &addrs, Orgs: &orgs, Default: &def, Disabled: &disabled}
		if name != "" {
			c.Name = &name
		}
		err = s.o.Admin.TeamSet(r.Context(), v.request(r), slug, c)
	}
	if s.answered(w, r, err) {
		done(w, r, "/console/teams", "team "+slug+" changed")
	}
}

// listField is a form field holding a list separated by commas or spaces.
func listField(r *http.Request, name string) []string {
	out := []string{}
	for _, x := range strings.Fields(strings.ReplaceAll(r.PostFormValue(name), ",", " ")) {
		out = append(out, x)
	}
	return out
}

// auditShown is how many entries of the audit log a page shows, newest
// first.
const auditShown = 500

// audit shows the audit log (S3), newest first, filtered by actor, action
// (or its group), target and time.
func (s *Server) audit(w http.ResponseWriter, r *http.Request, v *viewer) {
	q := r.URL.Query()
	aq := admin.AuditQuery{Actor: q.Get("actor"), Action: q.Get("action"), Target: q.Get("target"), Since: q.Get("since"), Until: q.Get("until")}
	es, err := s.o.Admin.AuditWhere(r.Context(), aq)
	if errors.Is(err, admin.ErrUsage) {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	total := len(es)
	newest := make([]admin.AuditView, 0, min(total, auditShown))
	for i := total - 1; i >= 0 && len(newest) < auditShown; i-- {
		newest = append(newest, es[i])
	}
	s.render(w, r, http.StatusOK, "console_audit", map[string]any{"Q": aq, "Entries": newest, "Total": total})
}

// quarantineOne shows one held message: its headers and text as read,
// why it is held and the rules (I5, I9), with release (previewed) and
// discard.
func (s *Server) quarantineOne(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	d, err := s.o.Admin.QuarantineShow(r.Context(), id)
	if !s.found(w, r, err) {
		return
	}
	s.render(w, r, http.StatusOK, "console_held", map[string]any{"Q": d})
}

// consoleRaw shows one inbound message of a ticket as it arrived, as
// text: escaped, never interpreted, cut at admin.RawShownMax.
func (s *Server) consoleRaw(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, ok := ticketID(r)
	raw, err := strconv.ParseInt(r.PathValue("raw"), 10, 64)
	if !ok || err != nil {
		s.notFound(w, r)
		return
	}
	m, err := s.o.Admin.TicketRaw(r.Context(), id, raw)
	if !s.found(w, r, err) {
		return
	}
	s.render(w, r, http.StatusOK, "console_raw", map[string]any{"Ticket": id, "M": m})
}

// consoleCC adds and removes CCs of a ticket (C5, C3, N3, S3), previewed:
// a CC may see the ticket (R3).
func (s *Server) consoleCC(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, ok := ticketID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	add, remove := listField(r, "add"), listField(r, "remove")
	s.previewed(w, r, v, "CCs of #"+strconv.FormatInt(id, 10), "/console/t/"+strconv.FormatInt(id, 10), func(req admin.Request) (admin.Outcome, error) {
		a, err := s.o.Admin.TicketCC(r.Context(), req, id, add, remove)
		return a.Outcome, err
	})
}
