package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/ticket"
)

// The console (W5): staff work the queue, read a ticket with its internal
// notes and who can see it and why, and act on it through the same
// services as the command line (admin, and through it package ticket),
// audited with the signed-in staff member as actor. Anyone who is not
// staff gets the same 404 as a page that does not exist.

// staffOnly wraps a console handler: staff only (R1, W5).
func (s *Server) staffOnly(h func(w http.ResponseWriter, r *http.Request, v *viewer)) http.HandlerFunc {
	return s.withViewer(func(w http.ResponseWriter, r *http.Request, v *viewer) {
		if !v.IsStaff || s.o.Admin == nil {
			s.notFound(w, r)
			return
		}
		h(w, r, v)
	})
}

// request is an admin request as the signed-in staff member (S2, S3).
func (v *viewer) request(r *http.Request) admin.Request {
	return admin.Request{As: v.User.Email, Reason: "console", DryRun: r.PostFormValue("dry_run") != ""}
}

// queue is a page of the console's queue (W5): unassigned in my teams,
// mine, a team's or all, filtered by status, priority, type, organisation,
// requester and text, newest activity first, a page at a time by keyset,
// with the count of each view under the same filters.
func (s *Server) queue(w http.ResponseWriter, r *http.Request, v *viewer) {
	q := r.URL.Query()
	qq := admin.QueueQuery{View: q.Get("view"), Team: q.Get("team"), Status: q.Get("status"), Priority: q.Get("priority"),
		Type: q.Get("type"), Org: q.Get("org"), Requester: q.Get("requester"), Text: q.Get("q"), After: q.Get("after")}
	page, err := s.o.Admin.Queue(r.Context(), v.User.Email, qq)
	switch {
	case errors.Is(err, admin.ErrUsage):
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	case errors.Is(err, admin.ErrRefused):
		s.notFound(w, r)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	orgs, err := s.o.Admin.OrgList(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	staff, err := s.o.Admin.StaffList(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// the filters without the view and the page, for the tabs and links
	keep := url.Values{}
	for _, k := range []string{"status", "priority", "type", "org", "requester", "q"} {
		if x := q.Get(k); x != "" {
			keep.Set(k, x)
		}
	}
	link := func(view, team, after string) string {
		l := url.Values{"view": {view}}
		for k, x := range keep {
			l[k] = x
		}
		if team != "" {
			l.Set("team", team)
		}
		if after != "" {
			l.Set("after", after)
		}
		return "/console?" + l.Encode()
	}
	type tab struct {
		Name, Href string
		Count      int
		Capped     bool
		Current    bool
	}
	var tabs []tab
	add := func(name, view, team string) {
		key := view
		if view == "team" {
			key = "team:" + team
		}
		n := page.Counts[key]
		tabs = append(tabs, tab{Name: name, Href: link(view, team, ""), Count: n, Capped: n >= admin.QueueCountCap,
			Current: page.View == view && (view != "team" || strings.EqualFold(qq.Team, team))})
	}
	add("Unassigned", "unassigned", "")
	add("Mine", "mine", "")
	for _, t := range page.MyTeams {
		add("Team "+t, "team", t)
	}
	if page.View == "team" && !contains(page.MyTeams, strings.ToLower(qq.Team)) {
		add("Team "+strings.ToLower(qq.Team), "team", strings.ToLower(qq.Team))
	}
	add("All", "all", "")
	next := ""
	if page.Next != "" {
		next = link(page.View, qq.Team, page.Next)
	}
	s.render(w, r, http.StatusOK, "console_queue", map[string]any{"Page": page, "Tabs": tabs, "Q": qq, "Done": q.Get("done"),
		"Next": next, "Back": r.URL.RequestURI(), "Orgs": orgs, "Staff": staff,
		"Statuses": []string{"open", "pending", "solved", "closed"}, "Priorities": []string{"low", "normal", "high", "urgent"},
		"Types": []string{"question", "incident", "change", "problem"}})
}

// wrapID names the ticket an error is about ("ticket 7: refused: …").
func wrapID(id int64, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("ticket %d: %w", id, err)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// whoShown is how many of the people who can see a ticket its console page
// lists; the count covers them all (an organisation with access view can
// have thousands).
const whoShown = 200

// consoleTicket shows a ticket with its internal notes (R1, R7), who can
// see it and why (the explanation of 'ticket access'), and the acts.
func (s *Server) consoleTicket(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, ok := ticketID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	t, err := s.o.Admin.TicketShow(r.Context(), id)
	if !s.found(w, r, err) {
		return
	}
	who, err := access.NewFacts(s.o.Store).Explain(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	teams, err := s.o.Admin.TeamList(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msgs, err := s.o.Admin.TicketMessages(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	staff, err := s.o.Admin.StaffList(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	orgs, err := s.o.Admin.RequesterOrgs(r.Context(), t.Requester)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	shown := who
	if len(shown) > whoShown {
		shown = shown[:whoShown]
	}
	s.render(w, r, http.StatusOK, "console_ticket", map[string]any{"T": t, "Who": shown, "WhoCount": len(who), "Teams": teams,
		"Messages": msgs, "Staff": staff, "Orgs": orgs, "Types": []string{"question", "incident", "change", "problem"},
		"Done": r.URL.Query().Get("done"), "Statuses": []string{"open", "pending", "solved", "closed"},
		"Priorities": []string{"low", "normal", "high", "urgent"}})
}

// consoleReply is a public answer or an internal note from the console:
// the same act as ticket reply/note (N1, N2, R7), audited.
func (s *Server) consoleReply(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, ok := ticketID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	internal := r.PostFormValue("internal") != ""
	out, err := s.o.Admin.TicketReply(r.Context(), v.request(r), id, r.PostFormValue("body"), internal)
	s.consoleDone(w, r, id, out, err)
}

// consoleSet changes the ticket's fields from the console: the same act as
// ticket set (I8, S1, I10), audited.
func (s *Server) consoleSet(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, ok := ticketID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	c := ticket.Change{Status: model.Status(r.PostFormValue("status")), Priority: model.Priority(r.PostFormValue("priority")),
		Type: model.TicketType(r.PostFormValue("type")), Assign: strings.ToLower(r.PostFormValue("assign")),
		Team: strings.ToLower(r.PostFormValue("team")), Org: strings.ToLower(r.PostFormValue("org"))}
	if c.Org != "" { // moving a ticket may widen who sees it (R4): previewed
		s.previewed(w, r, v, fmt.Sprintf("Move #%d to %s", id, c.Org), fmt.Sprintf("/console/t/%d", id), func(req admin.Request) (admin.Outcome, error) {
			a, err := s.o.Admin.TicketSet(r.Context(), req, id, c)
			return a.Outcome, err
		})
		return
	}
	out, err := s.o.Admin.TicketSet(r.Context(), v.request(r), id, c)
	s.consoleDone(w, r, id, out, err)
}

// consoleDone answers an act: back to the ticket, saying who was told; a
// refusal of the rules is shown in one line.
func (s *Server) consoleDone(w http.ResponseWriter, r *http.Request, id int64, out admin.Acted, err error) {
	if !s.answered(w, r, err) {
		return
	}
	told := make([]string, 0, len(out.Notified))
	for _, n := range out.Notified {
		told = append(told, n.To+" ("+string(n.Kind)+")")
	}
	done := "done"
	if len(told) > 0 {
		done = "told: " + strings.Join(told, ", ")
	}
	http.Redirect(w, r, fmt.Sprintf("/console/t/%d?done=%s", id, urlQuery(done)), http.StatusSeeOther)
}

// quarantine lists the held messages with their reasons and rule ids.
func (s *Server) quarantine(w http.ResponseWriter, r *http.Request, v *viewer) {
	qs, err := s.o.Admin.QuarantineList(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var details []admin.QuarantineDetail
	for _, q := range qs {
		d, err := s.o.Admin.QuarantineShow(r.Context(), q.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		details = append(details, d)
	}
	s.render(w, r, http.StatusOK, "console_quarantine", map[string]any{"Held": details, "Done": r.URL.Query().Get("done")})
}

// settle releases or discards a held message (I5, I9, S3); with dry_run
// it says what would happen and changes nothing.
func (s *Server) settle(release bool) func(w http.ResponseWriter, r *http.Request, v *viewer) {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			s.notFound(w, r)
			return
		}
		var out admin.Settled
		if release {
			out, err = s.o.Admin.QuarantineRelease(r.Context(), v.request(r), id)
		} else {
			out, err = s.o.Admin.QuarantineDiscard(r.Context(), v.request(r), id)
		}
		if !s.answered(w, r, err) {
			return
		}
		verb := "is " + out.Status
		if out.DryRun {
			verb = "would be " + out.Status + " (nothing changed)"
		}
		told := []string{}
		for _, n := range out.Notified {
			told = append(told, n.To)
		}
		msg := fmt.Sprintf("message %d %s; told: %s", id, verb, strings.Join(told, ", "))
		http.Redirect(w, r, "/console/quarantine?done="+urlQuery(msg), http.StatusSeeOther)
	}
}

// bulk changes the status or assignee of the selected tickets: one
// ticket set per ticket (each checked, recorded and audited as one),
// stopping at the first refusal.
func (s *Server) bulk(w http.ResponseWriter, r *http.Request, v *viewer) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	c := ticket.Change{Status: model.Status(r.PostFormValue("status")), Assign: strings.ToLower(r.PostFormValue("assign"))}
	ids := r.PostForm["id"]
	if c == (ticket.Change{}) || len(ids) == 0 || len(ids) > 500 {
		http.Error(w, "select tickets (at most 500) and something to change", http.StatusUnprocessableEntity)
		return
	}
	for _, raw := range ids {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			http.Error(w, "bad ticket id", http.StatusBadRequest)
			return
		}
		if _, err := s.o.Admin.TicketSet(r.Context(), v.request(r), id, c); !s.answered(w, r, wrapID(id, err)) {
			return
		}
	}
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/console") || strings.HasPrefix(back, "//") {
		back = "/console"
	}
	if u, err := url.Parse(back); err == nil { // a notice replaces the one before
		q := u.Query()
		q.Del("done")
		u.RawQuery = q.Encode()
		back = u.String()
	}
	done(w, r, back, fmt.Sprintf("%d tickets changed", len(ids)))
}
