package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/commands"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/ticket"
)

// pageSize is how many tickets a list page shows.
const pageSize = 25

// list shows the tickets the viewer may see (W3): their own (requester,
// CC) and, where R4 gives view, their organisations' (partners: the
// clients' the rules allow), most recently changed first, filtered by
// status and a text in the subject, paged by keyset.
func (s *Server) list(w http.ResponseWriter, r *http.Request, v *viewer) {
	q := r.URL.Query()
	filter := store.VisibleFilter{Subject: strings.TrimSpace(q.Get("q"))}
	status := q.Get("status")
	if st := model.Status(status); st.Valid() {
		filter.Statuses = []model.Status{st}
	} else {
		status = ""
	}
	page := store.TicketPage{Order: store.OrderByUpdated, Desc: true, Limit: pageSize}
	if after := q.Get("after"); after != "" {
		c, err := store.ParseTicketCursor(after)
		if err != nil {
			http.Error(w, "bad page", http.StatusBadRequest)
			return
		}
		page.After = c
	}
	list, err := access.NewFacts(s.o.Store).VisibleTickets(r.Context(), v.User.Email, filter, page)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	next := ""
	if list.Next != nil {
		nq := q
		nq.Set("after", list.Next.String())
		next = "/?" + nq.Encode()
	}
	s.render(w, r, http.StatusOK, "list", map[string]any{"Tickets": list.Tickets, "Next": next, "Status": status, "Zone": zoneOf(r),
		"Query": filter.Subject, "Statuses": []string{"open", "pending", "solved", "closed"}})
}

// ticketID reads the ticket id of the path; ok is false for anything that
// is not a positive number.
func ticketID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// commentView is one comment as the page shows it.
type commentView struct {
	Author   string
	Internal bool
	Body     string
	At       string
	Files    []fileView
}

// fileView is one attachment's link.
type fileView struct {
	Name string
	Href string
}

// ticketPage shows a ticket as the viewer may see it (W3, R7): public
// comments only unless staff; a 404 like any missing ticket otherwise.
func (s *Server) ticketPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, ok := ticketID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	facts := access.NewFacts(s.o.Store) // one per request: it reads the organisations once
	seen, err := facts.TicketAs(ctx, v.User.Email, id)
	if errors.Is(err, access.ErrNotVisible) {
		s.notFound(w, r)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	var comments []commentView
	authors := map[int64]string{}
	for ci, c := range seen.Comments {
		name, ok := authors[c.AuthorID]
		if !ok {
			if u, err := s.o.Store.UserByID(ctx, c.AuthorID); err == nil {
				// As notifications name an author: the name, else the
				// address; addresses beside names for staff only.
				name = u.Email
				if u.Name != "" {
					name = u.Name
					if v.IsStaff {
						name += " <" + u.Email + ">"
					}
				}
			}
			authors[c.AuthorID] = name
		}
		cv := commentView{Author: name, Internal: c.Visibility == model.VisibilityInternal, Body: c.Body,
			At: when(c.CreatedAt, zoneOf(r))}
		for fi, a := range c.Attachments {
			cv.Files = append(cv.Files, fileView{Name: a.Filename, Href: "/t/" + strconv.FormatInt(id, 10) + "/files/" + strconv.Itoa(ci) + "/" + strconv.Itoa(fi)})
		}
		comments = append(comments, cv)
	}
	org := ""
	if seen.Org != nil {
		org = seen.Org.Name
	}
	tv, err := facts.Ticket(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var ccs []string
	if v.IsStaff || v.User.Email == tv.Facts.Requester { // who else is on it: the requester's and staff's business
		for e := range tv.Facts.CCs {
			ccs = append(ccs, e)
		}
	}
	slices.Sort(ccs)
	p := tv.People[v.User.Email]
	if p.Email == "" {
		if p, _, err = facts.Person(ctx, v.User.Email); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "ticket", map[string]any{"T": seen.Ticket, "Org": org, "Comments": comments,
		"MayComment": seen.Rights.Comment, "CCs": ccs, "Following": tv.Facts.Followers[v.User.Email],
		"MayAddCCs": policy.MayAddCCs(p, tv.Facts, true).OK, "Requester": tv.Facts.Requester, "Sent": r.URL.Query().Get("sent") != "", "Opened": r.URL.Query().Get("opened") != ""})
}

// comment adds the viewer's public comment (W4): the same act as a reply
// by mail (package ticket: R2–R4 checked, N1 notifications), marked as
// made on the web.
func (s *Server) comment(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, ok := ticketID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	body := strings.TrimSpace(r.PostFormValue("body"))
	if v.IsStaff {
		// I8, R7: a staff member's #note or command line must never go
		// out as public text; the portal does not carry them out either.
		if st := commands.ParseStaff(body); st.Note || len(st.Commands) > 0 {
			http.Error(w, "internal notes and #commands are written in the console (/console) or by mail; nothing was sent", http.StatusUnprocessableEntity)
			return
		}
	}
	if body == "" || len(body) > 100_000 {
		http.Redirect(w, r, "/t/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return
	}
	s.act(w, r, v, "?sent=1", func(a *ticket.Act, tv *access.TicketView) (string, error) {
		c, err := a.Reply(r.Context(), tv, body, false)
		if err != nil {
			return "", err
		}
		return "comment " + strconv.FormatInt(c.ID, 10) + " made", nil
	})
}
