package access

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
)

// An access change judged by its scope (issue 20): what an admin act may
// alter is named up front (its Scope), the facts in that scope are read
// before and after the act (Capture), and only the rights they can decide
// are judged (Bounded). The answer equals Diff of two full snapshots
// (TakeSnapshot), which the tests check on random worlds; its cost follows
// the tickets of the organisations touched and the people linked to them,
// not the size of the store.
//
// Why the scope is enough: policy.Rights decides what a person may do on a
// ticket from the person's staff role (R1), whether they are its requester
// (R2) or a CC (R3), and their membership of the ticket's organisation with
// that organisation's setting (R4, A1–A4). Membership of another
// organisation gives nothing (R5) and following grants nothing (A4). So a
// change of one organisation's setting or memberships can only alter the
// rights of its members (before or after) on its tickets, and a change of
// one person's role or memberships only that person's rights.
//
// Tickets are first judged by class: for one person, every ticket of one
// organisation on which they are neither requester nor CC has the same
// facts as far as that person is concerned, so policy.Rights judges the
// class once before and once after; only when the two differ are the
// class's tickets listed, and then policy.Rights judges each (person,
// ticket) pair on its own. Tickets on which the person is requester or CC
// are always judged one by one. So a change that alters nothing costs a
// few judgements per person, and one that alters much costs what its
// answer lists.

// setQuerier is what *store.Store and *store.Tx offer to read sets of
// tickets by organisation and by person.
type setQuerier interface {
	batchQuerier
	TicketRefsOfOrgs(ctx context.Context, orgIDs []int64) ([]store.TicketRef, error)
	CCsOfOrgTickets(ctx context.Context, orgIDs []int64) ([]store.TicketCC, error)
	TicketRefsOfRequesters(ctx context.Context, userIDs []int64) ([]store.TicketRef, error)
	TicketCCsOfUsers(ctx context.Context, userIDs []int64) ([]store.TicketCC, error)
}

// Scope names what an access change may alter.
type Scope struct {
	// Orgs are organisations whose setting (A1), domains or memberships
	// (A2, O4) change: their tickets are judged for everyone who is a
	// member before or after. Such a change must create no user and
	// change no staff role; name those people in People.
	Orgs []int64
	// People are addresses whose own facts change (a staff role, R1;
	// their memberships; a user created, O3): every ticket is judged for
	// them.
	People []string
}

// Capture is the facts of a Scope at one moment.
type Capture struct {
	scope   Scope
	orgs    map[int64]model.Organisation         // every organisation
	members map[int64]map[int64]model.Membership // Scope.Orgs' memberships, by organisation, then user
	users   map[int64]model.User                 // those members, and the People who are users
	people  map[string]int64                     // the People who are users, by address
	ms      map[int64][]model.Membership         // their memberships
}

// Scope returns the scope the capture was taken of.
func (c *Capture) Scope() Scope { return c.scope }

// Capture reads the facts of scope now, in a constant number of queries
// (per organisation of the scope).
func (f *Facts) Capture(ctx context.Context, scope Scope) (*Capture, error) {
	sq, ok := f.Q.(setQuerier)
	if !ok {
		return nil, fmt.Errorf("capture access facts: %T offers no set queries", f.Q)
	}
	c := &Capture{scope: normalScope(scope), orgs: map[int64]model.Organisation{},
		members: map[int64]map[int64]model.Membership{}, users: map[int64]model.User{}, people: map[string]int64{}}
	orgs, err := f.Q.ListOrgs(ctx)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	for _, o := range orgs {
		c.orgs[o.ID] = o
	}
	var uids []int64
	for _, id := range c.scope.Orgs {
		ms, err := f.Q.MembershipsOfOrg(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("members of organisation %d: %w", id, err)
		}
		c.members[id] = make(map[int64]model.Membership, len(ms))
		for _, m := range ms {
			c.members[id][m.UserID] = m
			uids = append(uids, m.UserID)
		}
	}
	if len(uids) > 0 {
		if c.users, err = f.Q.UsersByIDs(ctx, uids); err != nil {
			return nil, fmt.Errorf("load %d members: %w", len(uids), err)
		}
	}
	if len(c.scope.People) == 0 {
		return c, nil
	}
	byEmail, err := sq.UsersByEmails(ctx, c.scope.People)
	if err != nil {
		return nil, fmt.Errorf("look up %d users: %w", len(c.scope.People), err)
	}
	var pids []int64
	for e, u := range byEmail {
		c.people[e], c.users[u.ID] = u.ID, u
		pids = append(pids, u.ID)
	}
	if len(pids) > 0 {
		if c.ms, err = f.Q.MembershipsOfUsers(ctx, pids); err != nil {
			return nil, fmt.Errorf("memberships of %d users: %w", len(pids), err)
		}
	}
	return c, nil
}

func normalScope(s Scope) Scope {
	out := Scope{Orgs: slices.Compact(slices.Sorted(slices.Values(s.Orgs)))}
	for _, e := range s.People {
		out.People = append(out.People, model.NormalizeEmail(e))
	}
	out.People = slices.Compact(slices.Sorted(slices.Values(out.People)))
	return out
}

// Bounded is the impact of the change between two captures of one scope:
// the rights gained and lost, as Diff of two full snapshots would report
// them. A person whose rights change alike on every ticket of an
// organisation they are not named on is judged once for the class; when
// the classes together stand for more than flatLimit (person, ticket)
// pairs, they are kept as classes (Impact.GainedClasses, LostClasses)
// instead of being listed pair by pair (issue 20: BIG's 5,000 members
// gaining view of its 50,000 tickets are 250 million pairs).
func (f *Facts) Bounded(ctx context.Context, before, after *Capture) (Impact, error) {
	sq, ok := f.Q.(setQuerier)
	if !ok {
		return Impact{}, fmt.Errorf("judge access change: %T offers no set queries", f.Q)
	}
	j := &judgement{b: before, a: after, before: Snapshot{}, after: Snapshot{}, classes: map[classKey]*classJudgement{}}
	if err := j.inOrgs(ctx, sq); err != nil {
		return Impact{}, err
	}
	if err := j.ofPeople(ctx, sq); err != nil {
		return Impact{}, err
	}
	return j.impact(flatLimit), nil
}

// flatLimit is how many (person, ticket) pairs an impact's classes may
// stand for and still be listed pair by pair.
const flatLimit = 200_000

// judgement collects, for the rights that differ, their value before and
// after the change, as two partial snapshots, and the classes judged as a
// whole.
type judgement struct {
	b, a          *Capture
	before, after Snapshot
	classes       map[classKey]*classJudgement
}

// classKey names a person's class of tickets: those of one organisation
// they are not named on.
type classKey struct {
	email string
	org   int64
}

// classJudgement is a person's rights on a class before and after.
type classJudgement struct {
	rb, ra  Right
	tickets []store.TicketRef // the organisation's tickets, shared
	named   []int64           // of them, those the person is named on: judged one by one
}

// impact is the judgement as an Impact: the classes listed pair by pair
// when they stand for limit pairs at most, else kept as classes.
func (j *judgement) impact(limit int) Impact {
	total := 0
	for _, c := range j.classes {
		total += len(c.tickets) - len(c.named)
	}
	if total <= limit {
		for k, c := range j.classes {
			for _, t := range c.tickets {
				if !slices.Contains(c.named, t.ID) {
					j.record(Key{Email: k.email, Ticket: t.ID}, c.rb, c.ra)
				}
			}
		}
		return Diff(j.before, j.after)
	}
	im := Diff(j.before, j.after)
	for k, c := range j.classes {
		slug := j.b.orgs[k.org].Slug
		if slug == "" {
			slug = j.a.orgs[k.org].Slug
		}
		cc := ClassChange{Email: k.email, Org: slug, Tickets: len(c.tickets) - len(c.named), orgID: k.org, all: c.tickets, named: c.named}
		if cc.Tickets == 0 {
			continue
		}
		add := func(to *[]ClassChange, right string) { x := cc; x.Right = right; *to = append(*to, x) }
		if c.ra.View && !c.rb.View {
			add(&im.GainedClasses, "view")
		}
		if c.ra.Comment && !c.rb.Comment {
			add(&im.GainedClasses, "comment")
		}
		if c.rb.View && !c.ra.View {
			add(&im.LostClasses, "view")
		}
		if c.rb.Comment && !c.ra.Comment {
			add(&im.LostClasses, "comment")
		}
	}
	sortClasses(im.GainedClasses)
	sortClasses(im.LostClasses)
	return im
}

// side is one person at one moment; ok is false when they were not a user
// then (a snapshot holds users only).
type side struct {
	p  policy.Person
	ok bool
}

// link is how a person is named on one ticket (R2, R3).
type link struct {
	ticket, org   int64
	requester, cc bool
}

// links are the tickets people are named on, by user, then ticket.
type links map[int64]map[int64]link

func (l links) add(uid, ticket, org int64, requester, cc bool) {
	if l[uid] == nil {
		l[uid] = map[int64]link{}
	}
	k := l[uid][ticket]
	k.ticket, k.org = ticket, org
	k.requester, k.cc = k.requester || requester, k.cc || cc
	l[uid][ticket] = k
}

// inOrgs judges the members (before or after) of the scope's
// organisations on those organisations' tickets.
func (j *judgement) inOrgs(ctx context.Context, sq setQuerier) error {
	ids := j.b.scope.Orgs
	if len(ids) == 0 {
		return nil
	}
	refs, err := sq.TicketRefsOfOrgs(ctx, ids)
	if err != nil {
		return err
	}
	ccs, err := sq.CCsOfOrgTickets(ctx, ids)
	if err != nil {
		return err
	}
	named := links{}
	byOrg := map[int64][]store.TicketRef{}
	for _, t := range refs {
		byOrg[t.OrgID] = append(byOrg[t.OrgID], t)
		named.add(t.RequesterID, t.ID, t.OrgID, true, false)
	}
	for _, c := range ccs {
		named.add(c.UserID, c.TicketID, c.OrgID, false, true)
	}
	for _, o := range ids {
		uids := slices.Sorted(maps.Keys(j.b.members[o]))
		uids = append(uids, slices.Sorted(maps.Keys(j.a.members[o]))...)
		for _, uid := range slices.Compact(slices.Sorted(slices.Values(uids))) {
			pb, pa := j.b.member(uid, o, j.a), j.a.member(uid, o, j.b)
			if !pb.ok && !pa.ok {
				continue
			}
			if j.plainChanged(pb, pa, o) {
				j.putClass(pb, pa, o, byOrg[o], named[uid])
			}
			for _, l := range named[uid] {
				if l.org == o { // on another organisation's tickets only that membership counts (R5)
					j.put(pb, pa, l)
				}
			}
		}
	}
	return nil
}

// ofPeople judges the scope's people on every ticket.
func (j *judgement) ofPeople(ctx context.Context, sq setQuerier) error {
	type person struct{ pb, pa side }
	var people []person
	var uids []int64
	for _, e := range j.b.scope.People {
		pb, pa := j.b.person(e), j.a.person(e)
		if !pb.ok && !pa.ok {
			continue
		}
		people = append(people, person{pb, pa})
		uids = append(uids, max(pb.p.UserID, pa.p.UserID))
	}
	if len(people) == 0 {
		return nil
	}
	reqs, err := sq.TicketRefsOfRequesters(ctx, uids)
	if err != nil {
		return err
	}
	ccs, err := sq.TicketCCsOfUsers(ctx, uids)
	if err != nil {
		return err
	}
	named := links{}
	for _, t := range reqs {
		named.add(t.RequesterID, t.ID, t.OrgID, true, false)
	}
	for _, c := range ccs {
		named.add(c.UserID, c.TicketID, c.OrgID, false, true)
	}
	orgs := append(slices.Collect(maps.Keys(j.b.orgs)), slices.Collect(maps.Keys(j.a.orgs))...)
	orgs = slices.Compact(slices.Sorted(slices.Values(append(orgs, 0))))
	changed := map[int64][]int{} // organisation → people whose plain class there changed
	for i, p := range people {
		for _, o := range orgs {
			if j.plainChanged(p.pb, p.pa, o) {
				changed[o] = append(changed[o], i)
			}
		}
		for _, l := range named[uids[i]] {
			j.put(p.pb, p.pa, l)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	refs, err := sq.TicketRefsOfOrgs(ctx, slices.Sorted(maps.Keys(changed)))
	if err != nil {
		return err
	}
	byOrg := map[int64][]store.TicketRef{}
	for _, t := range refs {
		byOrg[t.OrgID] = append(byOrg[t.OrgID], t)
	}
	for o, is := range changed {
		for _, i := range is {
			j.putClass(people[i].pb, people[i].pa, o, byOrg[o], named[uids[i]])
		}
	}
	return nil
}

// plainChanged reports whether the person's rights on the tickets of
// organisation o they are not named on differ before and after.
func (j *judgement) plainChanged(pb, pa side, o int64) bool {
	l := link{org: o}
	return rightOf(pb, j.b.facts(l, pb.p.Email)) != rightOf(pa, j.a.facts(l, pa.p.Email))
}

// putClass records the person's rights before and after on every ticket
// of tickets they are not named on, as one class: the facts of those
// tickets are the same as far as the person is concerned (policy.Rights
// reads no ticket's id), so one judgement stands for them all.
func (j *judgement) putClass(pb, pa side, o int64, tickets []store.TicketRef, named map[int64]link) {
	email := pb.p.Email
	if !pb.ok {
		email = pa.p.Email
	}
	l := link{org: o}
	c := &classJudgement{rb: rightOf(pb, j.b.facts(l, email)), ra: rightOf(pa, j.a.facts(l, email)), tickets: tickets}
	for id, nl := range named {
		if nl.org == o {
			c.named = append(c.named, id)
		}
	}
	j.classes[classKey{email, o}] = c
}

// put judges the person on one ticket before and after and records the
// rights when they differ.
func (j *judgement) put(pb, pa side, l link) {
	email := pb.p.Email
	if !pb.ok {
		email = pa.p.Email
	}
	j.record(Key{Email: email, Ticket: l.ticket}, rightOf(pb, j.b.facts(l, email)), rightOf(pa, j.a.facts(l, email)))
}

// record keeps rights before and after on one ticket when they differ.
func (j *judgement) record(k Key, rb, ra Right) {
	if rb == ra {
		return
	}
	if rb.View {
		j.before[k] = rb
	}
	if ra.View {
		j.after[k] = ra
	}
}

// rightOf is policy.Rights as a snapshot records it.
func rightOf(s side, t policy.TicketFacts) Right {
	if !s.ok {
		return Right{}
	}
	if d := policy.Rights(s.p, t); d.View {
		return Right{View: true, Comment: d.Comment}
	}
	return Right{}
}

// facts are the facts of a ticket as far as the person with email is
// concerned: its organisation, and whether they are its requester or a CC.
func (c *Capture) facts(l link, email string) policy.TicketFacts {
	t := policy.TicketFacts{ID: l.ticket, OrgID: l.org}
	if o, ok := c.orgs[l.org]; ok {
		t.OrgSlug, t.OrgAccess, t.CCAdders = o.Slug, o.Access, o.CCAdders
	}
	if l.requester {
		t.Requester = email
	}
	if l.cc {
		t.CCs = map[string]bool{email: true}
	}
	return t
}

// member is user uid at the capture's moment with their membership of o
// only (R5: no other membership counts on o's tickets). A member seen only
// in the other capture was the same user here, unless they are one of the
// scope's people and were not a user yet.
func (c *Capture) member(uid, o int64, other *Capture) side {
	u, ok := c.users[uid]
	if !ok {
		if u, ok = other.users[uid]; !ok || slices.Contains(c.scope.People, u.Email) {
			return side{}
		}
	}
	p := personBase(u)
	if m, ok := c.members[o][uid]; ok {
		if org, ok := c.orgs[o]; ok {
			p.Memberships = append(p.Memberships, membershipIn(org, m))
		}
	}
	return side{p: p, ok: true}
}

// person is one of the scope's people at the capture's moment, with all
// their memberships.
func (c *Capture) person(email string) side {
	uid, ok := c.people[email]
	if !ok {
		return side{p: policy.Person{Email: email}}
	}
	p := personBase(c.users[uid])
	for _, m := range c.ms[uid] {
		if org, ok := c.orgs[m.OrgID]; ok {
			p.Memberships = append(p.Memberships, membershipIn(org, m))
		}
	}
	return side{p: p, ok: true}
}

// personBase is the policy's view of u without memberships, as PersonOf
// builds it.
func personBase(u model.User) policy.Person {
	return policy.Person{Email: u.Email, UserID: u.ID, Name: u.Name, Role: u.StaffRole,
		Registered: u.Registered, Bouncing: u.Bouncing, DefaultOrg: u.DefaultOrgID, Notify: u.Notify}
}

// membershipIn is m as PersonOf builds it, without DomainSince (O6 only:
// no right depends on it).
func membershipIn(o model.Organisation, m model.Membership) policy.Membership {
	return policy.Membership{OrgID: o.ID, Slug: o.Slug, OrgAccess: o.Access, Access: m.Access,
		FollowAll: m.FollowAll, Source: m.Source, Intake: o.Intake, Since: m.CreatedAt}
}
