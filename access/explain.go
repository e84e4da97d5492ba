package access

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
)

// Entry is one person who can see a ticket, and why.
type Entry struct {
	Email   string   `json:"email"`
	View    bool     `json:"view"`
	Comment bool     `json:"comment"`
	Rules   []string `json:"rules"`
	Why     string   `json:"why"`
}

// Explain lists everyone who can see ticket id, whether they can comment,
// and the rules that give it (R1–R4), oldest user first.
func (f *Facts) Explain(ctx context.Context, id int64) ([]Entry, error) {
	v, err := f.Ticket(ctx, id)
	if err != nil {
		return nil, err
	}
	people, plain, err := f.candidateSets(ctx, v, true)
	if err != nil {
		return nil, err
	}
	parts, err := f.Q.Participants(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("participants of ticket %d: %w", id, err)
	}
	type byUser struct {
		id int64
		e  Entry
	}
	var list []byUser
	for _, p := range people {
		d := policy.Rights(p, v.Facts)
		if !d.View {
			continue
		}
		why := d.Why
		for _, pt := range parts {
			if pt.UserID == p.UserID && pt.Role == model.ParticipantCC {
				by := v.Users[pt.AddedBy].Email
				if u, err := f.Q.UserByID(ctx, pt.AddedBy); err == nil {
					by = u.Email
				}
				if by == "" {
					by = "the system"
				}
				why = replaceRule(why, "R3 cc", fmt.Sprintf("R3 cc, added by %s on %s", by, pt.AddedAt.UTC().Format("2006-01-02 15:04")))
			}
		}
		list = append(list, byUser{p.UserID, Entry{Email: p.Email, View: d.View, Comment: d.Comment, Rules: d.Rules, Why: why}})
	}
	for _, m := range plain {
		list = append(list, byUser{m.id, Entry{Email: m.email, View: true, Comment: m.d.Comment, Rules: slices.Clone(m.d.Rules), Why: m.d.Why}})
	}
	slices.SortFunc(list, func(a, b byUser) int { return cmp.Compare(a.id, b.id) })
	out := make([]Entry, 0, len(list))
	for _, x := range list {
		out = append(out, x.e)
	}
	return out, nil
}

func replaceRule(why, old, repl string) string {
	for i := 0; i+len(old) <= len(why); i++ {
		if why[i:i+len(old)] == old {
			return why[:i] + repl + why[i+len(old):]
		}
	}
	return why
}

// candidates are the people who might see ticket v: staff, its requester,
// CCs and followers, and the members of its organisation, by user id.
func (f *Facts) candidates(ctx context.Context, v *TicketView) ([]policy.Person, error) {
	people, _, err := f.candidateSets(ctx, v, false)
	return people, err
}

// plainMember is a member of a ticket's organisation who is none of its
// people nor staff, with the decision their membership alone gives:
// policy.Rights reads nothing else of them for that ticket.
type plainMember struct {
	id    int64
	email string
	d     policy.Decision
}

// candidateSets is candidates; with split, the members who see the
// ticket only by their membership (plainMember) are judged once per kind
// of membership and returned apart, without their other memberships
// being read: a ticket of an organisation whose 5,000 members all see it
// read and judged 5,000 people for each new ticket's notification (issue
// 20).
func (f *Facts) candidateSets(ctx context.Context, v *TicketView, split bool) ([]policy.Person, []plainMember, error) {
	ids := map[int64]bool{}
	for id := range v.Users {
		ids[id] = true
	}
	staff, err := f.Q.ListStaff(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("list staff: %w", err)
	}
	for _, s := range staff {
		ids[s.ID] = true
	}
	var members []model.Membership
	if v.Ticket.OrgID != 0 {
		ms, err := f.seeingMembers(ctx, v)
		if err != nil {
			return nil, nil, fmt.Errorf("members of organisation %d: %w", v.Ticket.OrgID, err)
		}
		for _, m := range ms {
			if split && v.Org != nil && !ids[m.UserID] {
				members = append(members, m)
			} else {
				ids[m.UserID] = true
			}
		}
	}
	var list []int64
	for id := range ids {
		list = append(list, id)
	}
	sort.Slice(list, func(i, j int) bool { return list[i] < list[j] })
	all := slices.Clone(list)
	for _, m := range members {
		all = append(all, m.UserID)
	}
	users, err := f.Q.UsersByIDs(ctx, all)
	if err != nil {
		return nil, nil, fmt.Errorf("load users: %w", err)
	}
	named := make(map[int64]model.User, len(list))
	for _, id := range list {
		if u, ok := users[id]; ok {
			named[id] = u
		}
	}
	people, err := f.People(ctx, named) // memberships in one query per chunk, not one per person
	if err != nil {
		return nil, nil, err
	}
	var out []policy.Person
	for _, id := range list {
		if u, ok := named[id]; ok {
			out = append(out, people[u.Email])
		}
	}
	var plain []plainMember
	decided := map[memberKind]policy.Decision{}
	for _, m := range members {
		u, ok := users[m.UserID]
		if !ok {
			continue
		}
		k := memberKind{m.Access, m.FollowAll, m.Source}
		d, ok := decided[k]
		if !ok {
			// as Rights judges a person named nowhere on the ticket and not
			// staff, whose membership of its organisation is m
			p := policy.Person{UserID: m.UserID, Memberships: []policy.Membership{membershipIn(*v.Org, m)}}
			d = policy.Rights(p, v.Facts)
			decided[k] = d
		}
		if d.View {
			plain = append(plain, plainMember{id: m.UserID, email: u.Email, d: d})
		}
	}
	return out, plain, nil
}

// memberKind is what policy.Rights reads of a membership besides its
// organisation: BIG's 5,000 members are a few kinds (Rights reads no
// member's id or date).
type memberKind struct {
	access    model.MemberAccess
	followAll bool
	source    model.MembershipSource
}

// memberKinds are every kind of membership.
var memberKinds = func() []memberKind {
	var out []memberKind
	for _, a := range []model.MemberAccess{model.MemberAccessOwn, model.MemberAccessOrg} {
		for _, fa := range []bool{false, true} {
			for _, src := range []model.MembershipSource{model.SourceDomain, model.SourceAdmin} {
				out = append(out, memberKind{a, fa, src})
			}
		}
	}
	return out
}()

// seeingMembers are the members of ticket v's organisation whose
// membership alone lets them see it (R4 with A1–A3, membershipSees), read
// by access: in an organisation whose access is own only its A2 org
// members, not its every member (issue 20: BIG's 5,000 own members were
// read for each batch of its new tickets, the staff's notification
// explaining who may see each).
func (f *Facts) seeingMembers(ctx context.Context, v *TicketView) ([]model.Membership, error) {
	if v.Org == nil { // an organisation that no longer exists: every member, as before
		return f.Q.MembershipsOfOrg(ctx, v.Ticket.OrgID)
	}
	sees := map[memberKind]bool{}
	byAccess := map[model.MemberAccess]bool{}
	for _, k := range memberKinds {
		m := model.Membership{OrgID: v.Org.ID, Access: k.access, FollowAll: k.followAll, Source: k.source}
		sees[k] = membershipSees(*v.Org, m)
		if sees[k] {
			byAccess[k.access] = true
		}
	}
	var ms []model.Membership
	var err error
	switch len(byAccess) {
	case 0:
		return nil, nil
	case 1:
		for a := range byAccess {
			ms, err = f.Q.MembershipsOfOrgWithAccess(ctx, v.Ticket.OrgID, a)
		}
	default:
		ms, err = f.Q.MembershipsOfOrg(ctx, v.Ticket.OrgID)
	}
	if err != nil {
		return nil, err
	}
	var out []model.Membership
	for _, m := range ms {
		see, ok := sees[memberKind{m.Access, m.FollowAll, m.Source}]
		if !ok { // a kind memberKinds does not list: judged as it is
			see = membershipSees(*v.Org, m)
		}
		if see {
			out = append(out, m)
		}
	}
	return out, nil
}

// membershipSees reports whether membership m alone lets its member see
// the tickets of organisation o they are neither requester nor CC of, as
// policy.Rights judges it (R4 with A1–A3). A member for whom it does not is
// no candidate on o's tickets beyond those they are named on, which the
// ticket's people already hold: in an organisation whose access is own,
// most members (issue 20: BIG's 5,000 were loaded and judged for every
// ticket page and every new ticket's notification to staff).
func membershipSees(o model.Organisation, m model.Membership) bool {
	p := policy.Person{UserID: m.UserID, Memberships: []policy.Membership{membershipIn(o, m)}}
	t := policy.TicketFacts{OrgID: o.ID, OrgSlug: o.Slug, OrgAccess: o.Access, CCAdders: o.CCAdders}
	return policy.Rights(p, t).View
}

// Right is one person's rights on one ticket.
type Right struct {
	View, Comment bool
}

// Key names a person and a ticket.
type Key struct {
	Email  string
	Ticket int64
}

// Snapshot is everyone's rights on every ticket at one moment.
type Snapshot map[Key]Right

// TakeSnapshot evaluates the rights of every candidate on every ticket.
// Its cost grows with tickets × people: admin acts judge their changes with
// Capture and Bounded instead, and the tests use TakeSnapshot as the
// reference those must equal.
func (f *Facts) TakeSnapshot(ctx context.Context) (Snapshot, error) {
	f.orgs = nil // memberships and settings may have changed in this transaction
	tickets, err := f.Q.ListTickets(ctx, store.TicketFilter{})
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	s := Snapshot{}
	for _, t := range tickets {
		v, err := f.Ticket(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		people, err := f.candidates(ctx, v)
		if err != nil {
			return nil, err
		}
		for _, p := range people {
			if d := policy.Rights(p, v.Facts); d.View {
				s[Key{p.Email, t.ID}] = Right{View: true, Comment: d.Comment}
			}
		}
	}
	return s, nil
}

// Change is one right gained or lost.
type Change struct {
	Email  string `json:"email"`
	Ticket int64  `json:"ticket"`
	Right  string `json:"right"` // "view" or "comment"
}

// Impact is what a change does to access (issue "access you can see").
// Gained and Lost list it pair by pair; a large change keeps part of it as
// classes (GainedClasses, LostClasses: one person, every ticket of one
// organisation they are not named on), so count with its methods, never
// with People or Tickets of Gained alone.
type Impact struct {
	Gained        []Change      `json:"gained"`
	Lost          []Change      `json:"lost"`
	GainedClasses []ClassChange `json:"gained_classes,omitempty"`
	LostClasses   []ClassChange `json:"lost_classes,omitempty"`
}

// ClassChange is one person gaining or losing one right on every ticket
// of an organisation on which they are neither requester nor CC: Tickets
// of them.
type ClassChange struct {
	Email   string `json:"email"`
	Org     string `json:"org"`
	Right   string `json:"right"` // "view" or "comment"
	Tickets int    `json:"tickets"`

	orgID int64
	all   []store.TicketRef // the organisation's tickets, shared between classes
	named []int64           // of them, those not in the class
}

// TicketIDs lists the class's tickets, by id.
func (c ClassChange) TicketIDs() []int64 {
	out := make([]int64, 0, c.Tickets)
	for _, t := range c.all {
		if !slices.Contains(c.named, t.ID) {
			out = append(out, t.ID)
		}
	}
	return out
}

// GainedPeople counts the people who gain a right.
func (im Impact) GainedPeople() int { return peopleOf(im.Gained, im.GainedClasses) }

// LostPeople counts the people who lose a right.
func (im Impact) LostPeople() int { return peopleOf(im.Lost, im.LostClasses) }

// GainedTickets counts the tickets on which someone gains a right.
func (im Impact) GainedTickets() int { return ticketsOf(im.Gained, im.GainedClasses) }

// LostTickets counts the tickets on which someone loses a right.
func (im Impact) LostTickets() int { return ticketsOf(im.Lost, im.LostClasses) }

// Expand returns the impact listed pair by pair, classes included (for
// tests and small changes: a large class stands for many pairs).
func (im Impact) Expand() Impact {
	out := Impact{Gained: slices.Clone(im.Gained), Lost: slices.Clone(im.Lost)}
	for _, c := range im.GainedClasses {
		for _, id := range c.TicketIDs() {
			out.Gained = append(out.Gained, Change{c.Email, id, c.Right})
		}
	}
	for _, c := range im.LostClasses {
		for _, id := range c.TicketIDs() {
			out.Lost = append(out.Lost, Change{c.Email, id, c.Right})
		}
	}
	sortChanges(out.Gained)
	sortChanges(out.Lost)
	return out
}

func peopleOf(cs []Change, classes []ClassChange) int {
	seen := map[string]bool{}
	for _, c := range cs {
		seen[c.Email] = true
	}
	for _, c := range classes {
		seen[c.Email] = true
	}
	return len(seen)
}

// ticketsOf counts distinct tickets: a ticket of a class's organisation is
// counted unless every class of that organisation leaves it out.
func ticketsOf(cs []Change, classes []ClassChange) int {
	seen := map[int64]bool{}
	for _, c := range cs {
		seen[c.Ticket] = true
	}
	type orgClasses struct {
		all    []store.TicketRef
		n      int // distinct people with a class there
		people map[string]bool
		left   map[int64]int // ticket → people whose class leaves it out
	}
	byOrg := map[int64]*orgClasses{}
	for _, c := range classes {
		o := byOrg[c.orgID]
		if o == nil {
			o = &orgClasses{all: c.all, people: map[string]bool{}, left: map[int64]int{}}
			byOrg[c.orgID] = o
		}
		if o.people[c.Email] { // the same person's view and comment classes name the same tickets
			continue
		}
		o.people[c.Email] = true
		o.n++
		for _, id := range c.named {
			o.left[id]++
		}
	}
	for _, o := range byOrg {
		for _, t := range o.all {
			if o.left[t.ID] < o.n {
				seen[t.ID] = true
			}
		}
	}
	return len(seen)
}

func sortClasses(cs []ClassChange) {
	slices.SortFunc(cs, func(a, b ClassChange) int {
		return cmp.Or(cmp.Compare(a.Email, b.Email), cmp.Compare(a.Org, b.Org), cmp.Compare(b.Right, a.Right))
	})
}

// People counts distinct people in a list of changes.
func People(cs []Change) int {
	seen := map[string]bool{}
	for _, c := range cs {
		seen[c.Email] = true
	}
	return len(seen)
}

// Tickets counts distinct tickets in a list of changes.
func Tickets(cs []Change) int {
	seen := map[int64]bool{}
	for _, c := range cs {
		seen[c.Ticket] = true
	}
	return len(seen)
}

// Diff compares two snapshots.
func Diff(before, after Snapshot) Impact {
	var im Impact
	for k, a := range after {
		b := before[k]
		if a.View && !b.View {
			im.Gained = append(im.Gained, Change{k.Email, k.Ticket, "view"})
		}
		if a.Comment && !b.Comment {
			im.Gained = append(im.Gained, Change{k.Email, k.Ticket, "comment"})
		}
	}
	for k, b := range before {
		a := after[k]
		if b.View && !a.View {
			im.Lost = append(im.Lost, Change{k.Email, k.Ticket, "view"})
		}
		if b.Comment && !a.Comment {
			im.Lost = append(im.Lost, Change{k.Email, k.Ticket, "comment"})
		}
	}
	sortChanges(im.Gained)
	sortChanges(im.Lost)
	return im
}

func sortChanges(cs []Change) {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Email != cs[j].Email {
			return cs[i].Email < cs[j].Email
		}
		if cs[i].Ticket != cs[j].Ticket {
			return cs[i].Ticket < cs[j].Ticket
		}
		return cs[i].Right > cs[j].Right
	})
}
