package admin

import (
	"context"
	"errors"
	"strings"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// QueueQuery is a page of the console's queue as a staff member asks for
// it (W5, issue 18): the view, its filters in the words of the page, and
// where the page starts.
type QueueQuery struct {
	View      string // unassigned (the default), mine, team, all
	Team      string // the team's slug, for the team view
	Status    string
	Priority  string
	Type      string
	Org       string // an organisation's slug, or "none"
	Requester string // an email address
	Text      string // in the subject
	After     string // the cursor of the page before ("" for the first page)
	Limit     int
}

// QueueCountCap is where the queue's counts stop counting: a count equal
// to it reads "10,000 or more".
const QueueCountCap = 10000

// QueuePage is one page of a queue, newest activity first.
type QueuePage struct {
	View    string
	Tickets []TicketView
	// Next is the cursor of the page after this one; "" on the last page.
	Next string
	// Counts are the tickets of each view (unassigned, mine, all, and
	// team:<slug> for each of the viewer's teams) under the same filters,
	// each at most QueueCountCap.
	Counts map[string]int
	// MyTeams are the viewer's teams, by slug.
	MyTeams []string
}

// Queue returns a page of a queue for staff member as (R1: staff only, who
// may see every ticket); views and filters are checked, an unknown team or
// organisation is a usage error, an unknown requester an empty queue.
func (s *Service) Queue(ctx context.Context, as string, q QueueQuery) (QueuePage, error) {
	s.forgetTeams()
	me, err := loadUser(ctx, s.st, as)
	if err != nil {
		return QueuePage{}, err
	}
	if !me.StaffRole.IsStaff() { // R1, W5
		return QueuePage{}, refused("R1: %s is not staff", me.Email)
	}
	if q.View == "" {
		q.View = string(store.QueueUnassigned)
	}
	f := store.QueueFilter{View: store.QueueView(q.View), UserID: me.ID}
	if !f.View.Valid() {
		return QueuePage{}, usage("view must be unassigned, mine, team or all")
	}
	teams, err := s.st.ListTeams(ctx)
	if err != nil {
		return QueuePage{}, err
	}
	page := QueuePage{View: q.View, Tickets: []TicketView{}, Counts: map[string]int{}, MyTeams: []string{}}
	myTeams := map[string]int64{}
	for _, t := range teams {
		if indexOf(t.Members, me.ID) >= 0 {
			f.MyTeamIDs = append(f.MyTeamIDs, t.ID)
			page.MyTeams = append(page.MyTeams, t.Slug)
			myTeams[t.Slug] = t.ID
		}
		if f.View == store.QueueTeam && t.Slug == strings.ToLower(q.Team) {
			f.TeamID = t.ID
		}
	}
	if f.View == store.QueueTeam && f.TeamID == 0 {
		return QueuePage{}, usage("no team %q", q.Team)
	}
	empty, err := s.queueFilters(ctx, q, &f)
	if err != nil || empty {
		return page, err
	}
	after, err := store.ParseTicketCursor(q.After)
	if err != nil {
		return QueuePage{}, usage("bad page cursor %q", q.After)
	}
	p := store.TicketPage{After: after, Limit: q.Limit}
	keys, err := s.st.QueueKeys(ctx, f, p)
	if err != nil {
		return QueuePage{}, err
	}
	ids := make([]int64, 0, len(keys))
	for _, k := range keys {
		ids = append(ids, k.ID)
	}
	if page.Tickets, err = s.ticketViews(ctx, ids); err != nil {
		return QueuePage{}, err
	}
	if len(keys) == p.PageLimit() {
		page.Next = keys[len(keys)-1].String()
	}
	count := func(name string, view store.QueueView, team int64) error {
		c := f
		c.View, c.TeamID = view, team
		n, err := s.st.QueueCount(ctx, c, QueueCountCap)
		page.Counts[name] = n
		return err
	}
	for _, v := range []store.QueueView{store.QueueUnassigned, store.QueueMine, store.QueueAll} {
		if err := count(string(v), v, 0); err != nil {
			return QueuePage{}, err
		}
	}
	for slug, id := range myTeams {
		if err := count("team:"+slug, store.QueueTeam, id); err != nil {
			return QueuePage{}, err
		}
	}
	if f.View == store.QueueTeam {
		if err := count("team:"+strings.ToLower(q.Team), store.QueueTeam, f.TeamID); err != nil {
			return QueuePage{}, err
		}
	}
	return page, nil
}

// queueFilters turns the query's filters into f's; empty says that no
// ticket can match (a requester who is not a user).
func (s *Service) queueFilters(ctx context.Context, q QueueQuery, f *store.QueueFilter) (empty bool, err error) {
	if q.Status != "" {
		st := model.Status(q.Status)
		if !st.Valid() {
			return false, usage("status must be open, pending, solved or closed")
		}
		f.Statuses = []model.Status{st}
	}
	if q.Priority != "" {
		f.Priority = model.Priority(q.Priority)
		if !f.Priority.Valid() {
			return false, usage("priority must be low, normal, high or urgent")
		}
	}
	if q.Type != "" {
		f.Type = model.TicketType(q.Type)
		if !f.Type.Valid() {
			return false, usage("unknown type %q", q.Type)
		}
	}
	switch org := strings.ToLower(strings.TrimSpace(q.Org)); org {
	case "":
	case "none":
		f.OrgID = -1
	default:
		o, err := s.st.OrgBySlug(ctx, org)
		if errors.Is(err, store.ErrNotFound) {
			return false, usage("no organisation %q", org)
		} else if err != nil {
			return false, err
		}
		f.OrgID = o.ID
	}
	if r := strings.TrimSpace(q.Requester); r != "" {
		u, err := s.st.UserByEmail(ctx, model.NormalizeEmail(r))
		if errors.Is(err, store.ErrNotFound) {
			return true, nil
		} else if err != nil {
			return false, err
		}
		f.RequesterID = u.ID
	}
	f.Text = q.Text
	return false, nil
}
