package access

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
)

// Facts turns store rows into the plain structs the policy judges. It is
// shared by the pipeline and the admin commands (ticket access, previews).
type Facts struct {
	Q     store.Querier
	orgs  []model.Organisation
	orgAt map[int64]int // index in orgs by id
}

// NewFacts returns a Facts reading through q (a *store.Store or *store.Tx).
func NewFacts(q store.Querier) *Facts { return &Facts{Q: q} }

// Orgs returns every organisation with its domains, loaded once.
func (f *Facts) Orgs(ctx context.Context) ([]model.Organisation, error) {
	if f.orgs == nil {
		orgs, err := f.Q.ListOrgs(ctx)
		if err != nil {
			return nil, fmt.Errorf("list organisations: %w", err)
		}
		f.setOrgs(orgs)
	}
	return f.orgs, nil
}

// setOrgs keeps orgs as the loaded organisations, indexed by id.
func (f *Facts) setOrgs(orgs []model.Organisation) {
	f.orgs, f.orgAt = orgs, make(map[int64]int, len(orgs))
	for i := range orgs {
		f.orgAt[orgs[i].ID] = i
	}
}

// Domains returns the index of the loaded organisations' domains (O3).
// A deferred transaction hands the same list of organisations to each
// message of a batch until one changes; the index of the last list is
// kept for all of them, so that it is built once a batch, not once a
// message.
func (f *Facts) Domains(ctx context.Context) (*policy.DomainIndex, error) {
	orgs, err := f.Orgs(ctx)
	if err != nil {
		return nil, err
	}
	return lastIndex.of(orgs), nil
}

// domainIndexCache holds the index of the last list of organisations
// indexed, which is known by the address of its first element and its
// length: cached lists are read-only, a changed list is a new one.
type domainIndexCache struct {
	mu    sync.Mutex
	first *model.Organisation
	n     int
	ix    *policy.DomainIndex
}

var lastIndex domainIndexCache

func (c *domainIndexCache) of(orgs []model.Organisation) *policy.DomainIndex {
	if len(orgs) == 0 {
		return policy.NewDomainIndex(orgs)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ix == nil || c.first != &orgs[0] || c.n != len(orgs) {
		c.first, c.n, c.ix = &orgs[0], len(orgs), policy.NewDomainIndex(orgs)
	}
	return c.ix
}

// Org returns the organisation with id from the loaded list.
func (f *Facts) Org(ctx context.Context, id int64) (model.Organisation, bool, error) {
	orgs, err := f.Orgs(ctx)
	if err != nil {
		return model.Organisation{}, false, err
	}
	// by id, not a scan: a list of 50,000 tickets looks up an organisation
	// for each membership of each person, among 2,000
	if i, ok := f.orgAt[id]; ok {
		return orgs[i], true, nil
	}
	return model.Organisation{}, false, nil
}

// Person builds the policy's view of email: the user and their memberships,
// or, for an address that is not a user yet, the memberships O3 would give
// it now.
func (f *Facts) Person(ctx context.Context, email string) (policy.Person, *model.User, error) {
	email = model.NormalizeEmail(email)
	u, err := f.Q.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		ix, err := f.Domains(ctx)
		if err != nil {
			return policy.Person{}, nil, err
		}
		return policy.Person{Email: email, Memberships: ix.DerivedMemberships(email)}, nil, nil
	case err != nil:
		return policy.Person{}, nil, fmt.Errorf("look up user %s: %w", email, err)
	}
	p, err := f.PersonOf(ctx, u)
	return p, &u, err
}

// PersonOf builds the policy's view of an existing user (O3 memberships as
// stored, with their organisations' settings; O6 domain ages).
func (f *Facts) PersonOf(ctx context.Context, u model.User) (policy.Person, error) {
	ms, err := f.Q.MembershipsOfUser(ctx, u.ID)
	if err != nil {
		return policy.Person{}, fmt.Errorf("memberships of %s: %w", u.Email, err)
	}
	return f.personWith(ctx, u, ms)
}

// People builds the policy's view of several users at once, keyed by email.
func (f *Facts) People(ctx context.Context, users map[int64]model.User) (map[string]policy.Person, error) {
	ids := make([]int64, 0, len(users))
	for id := range users {
		ids = append(ids, id)
	}
	ms, err := f.Q.MembershipsOfUsers(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("memberships of %d users: %w", len(ids), err)
	}
	out := make(map[string]policy.Person, len(users))
	for id, u := range users {
		p, err := f.personWith(ctx, u, ms[id])
		if err != nil {
			return nil, err
		}
		out[u.Email] = p
	}
	return out, nil
}

func (f *Facts) personWith(ctx context.Context, u model.User, ms []model.Membership) (policy.Person, error) {
	p := policy.Person{Email: u.Email, UserID: u.ID, Name: u.Name, Role: u.StaffRole,
		Registered: u.Registered, Bouncing: u.Bouncing, DefaultOrg: u.DefaultOrgID, Notify: u.Notify}
	domain := model.EmailDomain(u.Email)
	for _, m := range ms {
		o, ok, err := f.Org(ctx, m.OrgID)
		if err != nil {
			return policy.Person{}, err
		}
		if !ok {
			continue
		}
		pm := policy.Membership{OrgID: o.ID, Slug: o.Slug, OrgAccess: o.Access, Access: m.Access,
			FollowAll: m.FollowAll, Source: m.Source, Intake: o.Intake, Since: m.CreatedAt}
		for _, d := range o.Domains {
			if policy.DomainMatches(d.Name, domain) {
				pm.DomainSince = d.AddedAt
				break
			}
		}
		p.Memberships = append(p.Memberships, pm)
	}
	return p, nil
}

// TicketView is a ticket with everything the rules need about it.
type TicketView struct {
	Ticket model.Ticket
	Org    *model.Organisation
	Facts  policy.TicketFacts
	// People are the requester, assignee, CCs and followers (including the
	// organisation's follow-all members, N5), keyed by email.
	People map[string]policy.Person
	Users  map[int64]model.User
}

// Ticket loads a ticket and the people around it.
func (f *Facts) Ticket(ctx context.Context, id int64) (*TicketView, error) {
	t, err := f.Q.TicketByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load ticket %d: %w", id, err)
	}
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
	if err := f.loadPeople(ctx, v); err != nil {
		return nil, err
	}
	return v, nil
}

func (f *Facts) loadPeople(ctx context.Context, v *TicketView) error {
	parts, err := f.Q.Participants(ctx, v.Ticket.ID)
	if err != nil {
		return fmt.Errorf("participants of ticket %d: %w", v.Ticket.ID, err)
	}
	ids := []int64{v.Ticket.RequesterID}
	if v.Ticket.AssigneeID != 0 {
		ids = append(ids, v.Ticket.AssigneeID)
	}
	for _, p := range parts {
		ids = append(ids, p.UserID)
	}
	var followAll []int64
	if v.Ticket.OrgID != 0 {
		ms, err := f.Q.FollowAllMembersOfOrg(ctx, v.Ticket.OrgID) // N5
		if err != nil {
			return fmt.Errorf("follow-all members of organisation %d: %w", v.Ticket.OrgID, err)
		}
		for _, m := range ms {
			followAll = append(followAll, m.UserID)
			ids = append(ids, m.UserID)
		}
	}
	users, err := f.Q.UsersByIDs(ctx, ids)
	if err != nil {
		return fmt.Errorf("load users of ticket %d: %w", v.Ticket.ID, err)
	}
	v.Users = users
	if v.People, err = f.People(ctx, users); err != nil {
		return err
	}
	v.Facts.Requester = users[v.Ticket.RequesterID].Email
	v.Facts.Assignee = users[v.Ticket.AssigneeID].Email
	for _, p := range parts {
		e := users[p.UserID].Email
		if p.Role == model.ParticipantCC {
			v.Facts.CCs[e] = true
		} else {
			v.Facts.Followers[e] = true
		}
	}
	for _, id := range followAll {
		v.Facts.Followers[users[id].Email] = true
	}
	return nil
}

// NewTicketView is the view of a ticket created in this transaction, by
// requester: nobody else is on it yet but the organisation's follow-all
// members (N5), so only those are read.
func (f *Facts) NewTicketView(ctx context.Context, t model.Ticket, requester model.User, p policy.Person) (*TicketView, error) {
	v := &TicketView{Ticket: t, People: map[string]policy.Person{requester.Email: p}, Users: map[int64]model.User{requester.ID: requester}}
	v.Facts = policy.TicketFacts{ID: t.ID, OrgID: t.OrgID, Requester: requester.Email, CCs: map[string]bool{}, Followers: map[string]bool{}}
	if t.OrgID == 0 {
		return v, nil
	}
	o, ok, err := f.Org(ctx, t.OrgID)
	if err != nil || !ok {
		return v, err
	}
	v.Org = &o
	v.Facts.OrgSlug, v.Facts.OrgAccess, v.Facts.CCAdders = o.Slug, o.Access, o.CCAdders
	ms, err := f.Q.FollowAllMembersOfOrg(ctx, t.OrgID) // N5
	if err != nil || len(ms) == 0 {
		return v, err
	}
	ids := make([]int64, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.UserID)
	}
	users, err := f.Q.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("follow-all members of organisation %d: %w", t.OrgID, err)
	}
	people, err := f.People(ctx, users)
	if err != nil {
		return nil, err
	}
	for id, u := range users {
		v.Users[id] = u
		v.People[u.Email] = people[u.Email]
		v.Facts.Followers[u.Email] = true
	}
	return v, nil
}

// AddCC records in the view a CC added in this transaction, so that the
// view need not be loaded again (R3).
func (v *TicketView) AddCC(u model.User, p policy.Person) {
	v.Users[u.ID] = u
	v.People[u.Email] = p
	v.Facts.CCs[u.Email] = true
}

// Refresh reloads the people of a ticket after a change in this transaction.
func (f *Facts) Refresh(ctx context.Context, v *TicketView) (*TicketView, error) {
	return f.Ticket(ctx, v.Ticket.ID)
}
