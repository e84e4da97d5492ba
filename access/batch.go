package access

import (
	"context"
	"errors"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
)

// batchQuerier is what *store.Store and *store.Tx offer besides Querier for
// loading many tickets or people in a few statements.
type batchQuerier interface {
	TicketsByIDs(ctx context.Context, ids []int64) (map[int64]model.Ticket, error)
	ParticipantsOfTickets(ctx context.Context, ids []int64) (map[int64][]model.Participant, error)
	FollowAllMembersOfOrgs(ctx context.Context, orgIDs []int64) (map[int64][]model.Membership, error)
	UsersByEmails(ctx context.Context, emails []string) (map[string]model.User, error)
}

// LoadOrgs loads the organisations now, if they are not loaded yet. After
// it, a Facts whose other methods are only read may be shared between
// goroutines: nothing is written to it any more.
func (f *Facts) LoadOrgs(ctx context.Context) error {
	orgs, err := f.Orgs(ctx)
	if err == nil && orgs == nil {
		f.setOrgs([]model.Organisation{})
	}
	return err
}

// Tickets is Ticket for several tickets at once, keyed by id: the same
// views, read in five statements whatever the number of tickets (per
// chunk of ids) instead of five a ticket. A ticket that does not exist is
// absent from the map.
func (f *Facts) Tickets(ctx context.Context, ids []int64) (map[int64]*TicketView, error) {
	out := make(map[int64]*TicketView, len(ids))
	bq, ok := f.Q.(batchQuerier)
	if !ok {
		for _, id := range ids {
			v, err := f.Ticket(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			} else if err != nil {
				return nil, err
			}
			out[id] = v
		}
		return out, nil
	}
	if len(ids) == 0 {
		return out, nil
	}
	tickets, err := bq.TicketsByIDs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("load %d tickets: %w", len(ids), err)
	}
	return f.TicketsOf(ctx, tickets, nil)
}

// TicketsOf is Tickets for tickets already read, keyed by id, with their
// participants (ParticipantsOfTickets) when already read too, nil
// otherwise: a list that read its tickets (ticket list) need not read
// them again by id.
func (f *Facts) TicketsOf(ctx context.Context, tickets map[int64]model.Ticket, parts map[int64][]model.Participant) (map[int64]*TicketView, error) {
	out := make(map[int64]*TicketView, len(tickets))
	bq, ok := f.Q.(batchQuerier)
	if !ok {
		return nil, fmt.Errorf("ticket views: %T offers no batch queries", f.Q)
	}
	if len(tickets) == 0 {
		return out, nil
	}
	tids := make([]int64, 0, len(tickets))
	var orgIDs []int64
	for id, t := range tickets {
		tids = append(tids, id)
		if t.OrgID != 0 {
			orgIDs = append(orgIDs, t.OrgID)
		}
	}
	if parts == nil {
		var err error
		if parts, err = bq.ParticipantsOfTickets(ctx, tids); err != nil {
			return nil, fmt.Errorf("participants of %d tickets: %w", len(tids), err)
		}
	}
	followAll := map[int64][]model.Membership{}
	if len(orgIDs) > 0 {
		var err error
		if followAll, err = bq.FollowAllMembersOfOrgs(ctx, orgIDs); err != nil { // N5
			return nil, fmt.Errorf("follow-all members of %d organisations: %w", len(orgIDs), err)
		}
	}
	var uids []int64
	for _, t := range tickets {
		uids = append(uids, t.RequesterID)
		if t.AssigneeID != 0 {
			uids = append(uids, t.AssigneeID)
		}
		for _, p := range parts[t.ID] {
			uids = append(uids, p.UserID)
		}
		if t.OrgID != 0 {
			for _, m := range followAll[t.OrgID] {
				uids = append(uids, m.UserID)
			}
		}
	}
	users, err := f.Q.UsersByIDs(ctx, uids)
	if err != nil {
		return nil, fmt.Errorf("load users of %d tickets: %w", len(tickets), err)
	}
	people, err := f.People(ctx, users)
	if err != nil {
		return nil, err
	}
	for id, t := range tickets {
		v := &TicketView{Ticket: t, People: map[string]policy.Person{}, Users: map[int64]model.User{}}
		v.Facts = policy.TicketFacts{ID: t.ID, OrgID: t.OrgID, CCs: map[string]bool{}, Followers: map[string]bool{}}
		if t.OrgID != 0 {
			if o, ok, err := f.Org(ctx, t.OrgID); err != nil {
				return nil, err
			} else if ok {
				v.Org = &o
				v.Facts.OrgSlug, v.Facts.OrgAccess, v.Facts.CCAdders = o.Slug, o.Access, o.CCAdders
			}
		}
		// The same people as loadPeople: requester, assignee, participants,
		// follow-all members; users that no longer exist are left out.
		add := func(uid int64) {
			if u, ok := users[uid]; ok {
				v.Users[uid] = u
				v.People[u.Email] = people[u.Email]
			}
		}
		add(t.RequesterID)
		if t.AssigneeID != 0 {
			add(t.AssigneeID)
		}
		for _, p := range parts[id] {
			add(p.UserID)
		}
		var fa []model.Membership
		if t.OrgID != 0 {
			fa = followAll[t.OrgID]
		}
		for _, m := range fa {
			add(m.UserID)
		}
		v.Facts.Requester = v.Users[t.RequesterID].Email
		v.Facts.Assignee = v.Users[t.AssigneeID].Email
		for _, p := range parts[id] {
			e := v.Users[p.UserID].Email
			if p.Role == model.ParticipantCC {
				v.Facts.CCs[e] = true
			} else {
				v.Facts.Followers[e] = true
			}
		}
		for _, m := range fa {
			v.Facts.Followers[v.Users[m.UserID].Email] = true
		}
		out[id] = v
	}
	return out, nil
}

// PeopleByEmail is Person for several addresses at once, keyed by the
// normalised address: a user and their memberships, or, for an address
// that is not a user yet, the memberships O3 would give it now.
func (f *Facts) PeopleByEmail(ctx context.Context, emails []string) (map[string]policy.Person, error) {
	out := make(map[string]policy.Person, len(emails))
	bq, ok := f.Q.(batchQuerier)
	if !ok {
		for _, e := range emails {
			p, _, err := f.Person(ctx, e)
			if err != nil {
				return nil, err
			}
			out[p.Email] = p
		}
		return out, nil
	}
	if len(emails) == 0 {
		return out, nil
	}
	byEmail, err := bq.UsersByEmails(ctx, emails)
	if err != nil {
		return nil, fmt.Errorf("look up %d users: %w", len(emails), err)
	}
	byID := make(map[int64]model.User, len(byEmail))
	for _, u := range byEmail {
		byID[u.ID] = u
	}
	people, err := f.People(ctx, byID)
	if err != nil {
		return nil, err
	}
	ix, err := f.Domains(ctx)
	if err != nil {
		return nil, err
	}
	for _, e := range emails {
		e = model.NormalizeEmail(e)
		if u, ok := byEmail[e]; ok {
			out[e] = people[u.Email]
		} else {
			out[e] = policy.Person{Email: e, Memberships: ix.DerivedMemberships(e)}
		}
	}
	return out, nil
}
