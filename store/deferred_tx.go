package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/helpdesk-gw/helpdesk/model"
)

// The methods below are the query methods of the same names, answered
// from the caches and pending rows once Defer was called (deferred.go),
// and passed through otherwise. Each keeps its original's contract.

func notFound(op string) error { return fmt.Errorf("%s: %w", op, ErrNotFound) }

// direct is the query methods on the transaction itself, past the flushing
// wrapper: for a read whose answer the pending rows cannot change, or
// that the caller completes with them. It saves a flush.
func (t *Tx) direct() *queries {
	q := t.queries
	q.db = t.d.raw
	return &q
}

// pendingRaw is the first pending raw message that match accepts, or nil.
func (d *deferred) pendingRaw(match func(*model.RawMessage) bool) *model.RawMessage {
	for _, p := range d.pRaws {
		if match(p) {
			return p
		}
	}
	return nil
}

// rawLookup runs a raw-message lookup on the database and completes it
// with the pending rows (the first by id wins). While outcomes of rows
// already written wait (pRawUpdates), it flushes instead.
func (t *Tx) rawLookup(ctx context.Context, lookup func(q *queries) (model.RawMessage, error),
	match func(*model.RawMessage) bool) (*model.RawMessage, error) {
	if len(t.d.pRawUpdates) > 0 {
		m, err := lookup(&t.queries)
		if err != nil {
			return nil, err
		}
		return t.d.known(m), nil
	}
	m, err := lookup(t.direct())
	var found *model.RawMessage
	switch {
	case err == nil:
		found = t.d.known(m)
	case !isNotFound(err):
		return nil, err
	}
	if p := t.d.pendingRaw(match); p != nil && (found == nil || p.ID < found.ID) {
		found = p
	}
	return found, nil
}

// ---- raw messages

// InsertRaw is queries.InsertRaw; deferred unless the message is stored in
// chunks.
func (t *Tx) InsertRaw(ctx context.Context, m *model.RawMessage) error {
	if t.d == nil || chunkCount(m.Raw) > 0 {
		return t.queries.InsertRaw(ctx, m)
	}
	t.newRaw(m)
	id, err := t.newID(ctx, "raw_messages")
	if err != nil {
		return fmt.Errorf("insert raw message %s: %w", m.MessageID, err)
	}
	m.ID = id
	c := *m
	c.Rules = slices.Clone(m.Rules)
	t.d.pRaws = append(t.d.pRaws, &c)
	t.d.rawsByID[id] = &c
	t.d.rawChanged(&c)
	return nil
}

// rawChanged brings the raw-message caches in step with c, inserted or
// given an outcome in this transaction.
func (d *deferred) rawChanged(c *model.RawMessage) {
	if e, ok := d.rawBySHA[c.SHA256]; ok && e == nil && c.DuplicateOf == 0 {
		d.rawBySHA[c.SHA256] = c
	}
	k := msgKey{c.MessageID, c.From}
	if e, ok := d.rawByMsg[k]; ok {
		decided := c.Outcome != model.OutcomeFailed && c.Outcome != model.OutcomeDuplicate
		switch {
		case e == nil && decided:
			d.rawByMsg[k] = c
		case e != nil && e.ID == c.ID && !decided:
			delete(d.rawByMsg, k) // read again: an earlier row may qualify
		}
	}
}

// SetRawOutcome is queries.SetRawOutcome; deferred for a message inserted
// in this transaction.
func (t *Tx) SetRawOutcome(ctx context.Context, id int64, outcome model.Outcome, reason string,
	rules []string, ticketID int64) error {
	if t.d == nil || t.d.rawsByID[id] == nil {
		return t.queries.SetRawOutcome(ctx, id, outcome, reason, rules, ticketID)
	}
	c := t.d.rawsByID[id]
	c.Outcome, c.Reason, c.Rules, c.TicketID = outcome, reason, slices.Clone(rules), ticketID
	if !slices.Contains(t.d.pRaws, c) && !slices.Contains(t.d.pRawUpdates, id) {
		t.d.pRawUpdates = append(t.d.pRawUpdates, id)
	}
	t.d.rawChanged(c)
	return nil
}

// known returns the row of a cached raw message: the one of this
// transaction when it is one of them.
func (d *deferred) known(m model.RawMessage) *model.RawMessage {
	if c := d.rawsByID[m.ID]; c != nil {
		return c
	}
	return &m
}

func rawMeta(c *model.RawMessage) model.RawMessage {
	m := *c
	m.Raw = nil
	m.Rules = slices.Clone(c.Rules)
	return m
}

// RawMetaBySHA256 is queries.RawMetaBySHA256, cached once deferred.
func (t *Tx) RawMetaBySHA256(ctx context.Context, hash string) (model.RawMessage, error) {
	op := "get raw message by hash " + hash
	if t.d == nil {
		return t.queries.RawMetaBySHA256(ctx, hash)
	}
	if c, ok := t.d.rawBySHA[hash]; ok {
		if c == nil {
			return model.RawMessage{}, notFound(op)
		}
		return rawMeta(c), nil
	}
	c, err := t.rawLookup(ctx, func(q *queries) (model.RawMessage, error) { return q.RawMetaBySHA256(ctx, hash) },
		func(p *model.RawMessage) bool { return p.SHA256 == hash && p.DuplicateOf == 0 })
	if err != nil && !isNotFound(err) {
		return model.RawMessage{}, err
	}
	t.d.rawBySHA[hash] = c
	if c == nil {
		return model.RawMessage{}, notFound(op)
	}
	return rawMeta(c), nil
}

// RawByMessageID is queries.RawByMessageID, cached once deferred.
func (t *Tx) RawByMessageID(ctx context.Context, msgID, sender string) (model.RawMessage, error) {
	if t.d == nil {
		return t.queries.RawByMessageID(ctx, msgID, sender)
	}
	k := msgKey{msgID, sender}
	if c, ok := t.d.rawByMsg[k]; ok {
		if c == nil {
			return model.RawMessage{}, notFound("get raw message by Message-ID " + msgID)
		}
		return rawMeta(c), nil
	}
	c, err := t.rawLookup(ctx, func(q *queries) (model.RawMessage, error) { return q.RawByMessageID(ctx, msgID, sender) },
		func(p *model.RawMessage) bool {
			return p.MessageID == msgID && p.From == sender && p.Outcome != model.OutcomeFailed && p.Outcome != model.OutcomeDuplicate
		})
	if err != nil && !isNotFound(err) {
		return model.RawMessage{}, err
	}
	t.d.rawByMsg[k] = c
	if c == nil {
		return model.RawMessage{}, notFound("get raw message by Message-ID " + msgID)
	}
	return rawMeta(c), nil
}

func isNotFound(err error) bool { return err != nil && errors.Is(err, ErrNotFound) }

// ---- users

// UserByEmail is queries.UserByEmail, cached once deferred.
func (t *Tx) UserByEmail(ctx context.Context, email string) (model.User, error) {
	if t.d == nil {
		return t.queries.UserByEmail(ctx, email)
	}
	email = model.NormalizeEmail(email)
	if u, ok := t.d.users[email]; ok {
		if u == nil {
			return model.User{}, notFound("get user " + email)
		}
		return *u, nil
	}
	u, err := t.direct().UserByEmail(ctx, email) // every pending user is cached
	switch {
	case err == nil:
		t.d.userLoaded(u)
	case isNotFound(err):
		t.d.users[email] = nil
	}
	return u, err
}

func (d *deferred) userLoaded(u model.User) {
	c := u
	d.users[u.Email] = &c
	d.usersByID[u.ID] = u
}

// UserByID is queries.UserByID, cached once deferred.
func (t *Tx) UserByID(ctx context.Context, id int64) (model.User, error) {
	if t.d == nil {
		return t.queries.UserByID(ctx, id)
	}
	if u, ok := t.d.usersByID[id]; ok {
		return u, nil
	}
	u, err := t.direct().UserByID(ctx, id)
	if err == nil {
		t.d.userLoaded(u)
	}
	return u, err
}

// UsersByIDs is queries.UsersByIDs, cached once deferred.
func (t *Tx) UsersByIDs(ctx context.Context, ids []int64) (map[int64]model.User, error) {
	if t.d == nil {
		return t.queries.UsersByIDs(ctx, ids)
	}
	out := make(map[int64]model.User, len(ids))
	var missing []int64
	for _, id := range ids {
		if u, ok := t.d.usersByID[id]; ok {
			out[id] = u
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	got, err := t.direct().UsersByIDs(ctx, missing)
	if err != nil {
		return nil, err
	}
	for id, u := range got {
		t.d.userLoaded(u)
		out[id] = u
	}
	return out, nil
}

// CreateUser is queries.CreateUser, deferred.
func (t *Tx) CreateUser(ctx context.Context, u *model.User) error {
	if t.d == nil {
		return t.queries.CreateUser(ctx, u)
	}
	u.Email = model.NormalizeEmail(u.Email)
	op := "insert user " + u.Email
	if _, err := t.UserByEmail(ctx, u.Email); err == nil {
		return fmt.Errorf("%s: %w", op, ErrDuplicate)
	} else if !isNotFound(err) {
		return fmt.Errorf("%s: %w", op, err)
	}
	t.stamp(&u.CreatedAt)
	id, err := t.newID(ctx, "users")
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	u.ID = id
	c := *u
	t.d.pUsers = append(t.d.pUsers, &c)
	t.d.users[c.Email] = &c
	t.d.usersByID[id] = c
	t.d.memberships[id] = []model.Membership{}
	if c.StaffRole != "" {
		t.d.staff, t.d.staffKnown = nil, false
	}
	return nil
}

// UpdateUser is queries.UpdateUser; deferred for a user created in this
// transaction and not yet written.
func (t *Tx) UpdateUser(ctx context.Context, u *model.User) error {
	if t.d != nil {
		for _, p := range t.d.pUsers {
			if p.ID == u.ID {
				p.Name, p.StaffRole, p.DefaultOrgID, p.Registered, p.Bouncing, p.Notify = u.Name, u.StaffRole, u.DefaultOrgID, u.Registered, u.Bouncing, u.Notify
				t.d.usersByID[p.ID] = *p
				t.d.staff, t.d.staffKnown = nil, false
				return nil
			}
		}
	}
	return t.queries.UpdateUser(ctx, u)
}

// ListStaff is queries.ListStaff, cached once deferred: every message's
// notifications look up the staff (N7, and whether a recipient is
// staff), and a read that reached the database would flush the batch's
// pending rows each time. The staff change only through CreateUser and
// UpdateUser here, which drop the cache, or a direct write to users,
// which drops it too.
func (t *Tx) ListStaff(ctx context.Context) ([]model.User, error) {
	if t.d == nil {
		return t.queries.ListStaff(ctx)
	}
	if !t.d.staffKnown {
		staff, err := t.direct().ListStaff(ctx)
		if err != nil {
			return nil, err
		}
		for _, p := range t.d.pUsers { // written after the flush the direct read skipped
			if p.StaffRole != "" {
				staff = append(staff, *p)
			}
		}
		slices.SortFunc(staff, func(a, b model.User) int { return cmp.Compare(a.ID, b.ID) })
		t.d.staff, t.d.staffKnown = staff, true
	}
	return slices.Clone(t.d.staff), nil
}

// ---- memberships and organisations

// MembershipsOfUser is queries.MembershipsOfUser, cached once deferred.
func (t *Tx) MembershipsOfUser(ctx context.Context, userID int64) ([]model.Membership, error) {
	if t.d == nil {
		return t.queries.MembershipsOfUser(ctx, userID)
	}
	if ms, ok := t.d.memberships[userID]; ok {
		return slices.Clone(ms), nil
	}
	if err := t.loadMemberships(ctx, []int64{userID}); err != nil {
		return nil, err
	}
	return slices.Clone(t.d.memberships[userID]), nil
}

// MembershipsOfUsers is queries.MembershipsOfUsers, cached once deferred.
func (t *Tx) MembershipsOfUsers(ctx context.Context, ids []int64) (map[int64][]model.Membership, error) {
	if t.d == nil {
		return t.queries.MembershipsOfUsers(ctx, ids)
	}
	if err := t.loadMemberships(ctx, ids); err != nil {
		return nil, err
	}
	out := make(map[int64][]model.Membership, len(ids))
	for _, id := range ids {
		if ms := t.d.memberships[id]; len(ms) > 0 {
			out[id] = slices.Clone(ms)
		}
	}
	return out, nil
}

// loadMemberships fills the membership cache of the users it lacks.
func (t *Tx) loadMemberships(ctx context.Context, ids []int64) error {
	var missing []int64
	for _, id := range ids {
		if _, ok := t.d.memberships[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	got, err := t.direct().MembershipsOfUsers(ctx, missing)
	if err != nil {
		return err
	}
	for _, id := range missing {
		ms := append([]model.Membership{}, got[id]...)
		for _, p := range t.d.pMemberships { // complete with the pending upserts
			if p.UserID == id {
				ms, _ = upsertInto(ms, p)
			}
		}
		t.d.memberships[id] = ms
	}
	return nil
}

// FollowAllMembersOfOrg is queries.FollowAllMembersOfOrg, cached once
// deferred.
func (t *Tx) FollowAllMembersOfOrg(ctx context.Context, orgID int64) ([]model.Membership, error) {
	if t.d == nil {
		return t.queries.FollowAllMembersOfOrg(ctx, orgID)
	}
	if ms, ok := t.d.followAll[orgID]; ok {
		return slices.Clone(ms), nil
	}
	pending := false
	newUsersOnly := true // every pending upsert there is of a user not written yet: none is in the database
	var newUsers map[int64]bool
	for _, m := range t.d.pMemberships {
		if m.OrgID != orgID {
			continue
		}
		if newUsers == nil {
			newUsers = make(map[int64]bool, len(t.d.pUsers))
			for _, u := range t.d.pUsers {
				newUsers[u.ID] = true
			}
		}
		pending = true
		newUsersOnly = newUsersOnly && newUsers[m.UserID]
	}
	if pending && newUsersOnly {
		// the database's, and the new users' as upserted (issue 20: a
		// new sender of the organisation flushed the batch here once a
		// message; then its whole membership was read)
		ms, err := t.direct().FollowAllMembersOfOrg(ctx, orgID)
		if err != nil {
			return nil, err
		}
		for _, p := range t.d.pMemberships {
			if p.OrgID == orgID {
				ms = slices.DeleteFunc(ms, func(x model.Membership) bool { return x.UserID == p.UserID })
				if p.FollowAll && p.Access == model.MemberAccessOrg {
					ms = append(ms, p)
				}
			}
		}
		slices.SortFunc(ms, func(a, b model.Membership) int { return cmp.Compare(a.UserID, b.UserID) })
		t.d.followAll[orgID] = slices.Clone(ms)
		return ms, nil
	}
	if pending {
		// its whole membership, completed with the pending upserts, says
		// who follows all
		all, err := t.MembershipsOfOrg(ctx, orgID)
		if err != nil {
			return nil, err
		}
		ms := []model.Membership{}
		for _, m := range all {
			if m.FollowAll && m.Access == model.MemberAccessOrg {
				ms = append(ms, m)
			}
		}
		t.d.followAll[orgID] = slices.Clone(ms)
		return ms, nil
	}
	ms, err := t.direct().FollowAllMembersOfOrg(ctx, orgID)
	if err == nil {
		t.d.followAll[orgID] = slices.Clone(ms)
	}
	return ms, err
}

// UpsertMembership is queries.UpsertMembership, deferred.
func (t *Tx) UpsertMembership(ctx context.Context, m model.Membership) error {
	if t.d == nil {
		return t.queries.UpsertMembership(ctx, m)
	}
	d := t.d
	if m.Access == "" {
		m.Access = model.MemberAccessOwn
	}
	t.stamp(&m.CreatedAt)
	mine, known := d.memberships[m.UserID]
	if known {
		d.memberships[m.UserID], m = upsertInto(mine, m)
	}
	if list, ok := d.followAll[m.OrgID]; ok {
		i := slices.IndexFunc(list, func(x model.Membership) bool { return x.UserID == m.UserID })
		if i >= 0 {
			m.CreatedAt = list[i].CreatedAt
			list = slices.Delete(list, i, i+1)
		}
		switch {
		case !(m.FollowAll && m.Access == model.MemberAccessOrg):
			d.followAll[m.OrgID] = list
		case known || i >= 0:
			list = append(list, m)
			slices.SortFunc(list, func(a, b model.Membership) int { return cmp.Compare(a.UserID, b.UserID) })
			d.followAll[m.OrgID] = list
		default:
			delete(d.followAll, m.OrgID) // its first time is not known here: read again
		}
	}
	if list, ok := d.orgMembers[m.OrgID]; ok {
		d.orgMembers[m.OrgID] = upsertMember(list, m)
	}
	for _, a := range []model.MemberAccess{model.MemberAccessOwn, model.MemberAccessOrg} {
		k := orgAccess{m.OrgID, a}
		list, ok := d.orgAccess[k]
		if !ok {
			continue
		}
		i, found := slices.BinarySearchFunc(list, m.UserID, func(x model.Membership, id int64) int { return cmp.Compare(x.UserID, id) })
		switch {
		case found && m.Access == k.access:
			d.orgAccess[k] = upsertMember(list, m)
		case found:
			d.orgAccess[k] = slices.Delete(slices.Clone(list), i, i+1)
		case m.Access == k.access:
			delete(d.orgAccess, k) // a member whose access changed keeps the date they joined: read again
		}
	}
	d.pMemberships = append(d.pMemberships, m)
	return nil
}

// upsertMember applies an upsert of m to an organisation's memberships,
// ordered by user, as upsertInto does to a user's. It returns a new list
// and leaves ms as it was: MembershipsOfOrg hands the cached list out.
func upsertMember(ms []model.Membership, m model.Membership) []model.Membership {
	i, found := slices.BinarySearchFunc(ms, m.UserID, func(x model.Membership, id int64) int { return cmp.Compare(x.UserID, id) })
	if found {
		m.CreatedAt = ms[i].CreatedAt
		out := slices.Clone(ms)
		out[i] = m
		return out
	}
	return slices.Insert(slices.Clip(ms), i, m)
}

// MembershipsOfOrg is queries.MembershipsOfOrg, cached once deferred: a
// new ticket's notification to staff explains who may see it (N7), from
// the memberships of its organisation. Then the list is shared and must
// not be modified (copying BIG's 5,000 for each of its new tickets was
// most of what ingest spent more on the full store, issue 20).
func (t *Tx) MembershipsOfOrg(ctx context.Context, orgID int64) ([]model.Membership, error) {
	if t.d == nil {
		return t.queries.MembershipsOfOrg(ctx, orgID)
	}
	if ms, ok := t.d.orgMembers[orgID]; ok {
		return ms, nil
	}
	ms, err := t.direct().MembershipsOfOrg(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, p := range t.d.pMemberships { // complete with the pending upserts
		if p.OrgID == orgID {
			ms = upsertMember(ms, p)
		}
	}
	t.d.orgMembers[orgID] = slices.Clip(ms)
	return t.d.orgMembers[orgID], nil
}

// MembershipsOfOrgWithAccess is queries.MembershipsOfOrgWithAccess,
// cached once deferred, like MembershipsOfOrg: a new ticket's
// notification to staff explains who may see it. A miss reads the
// memberships with that access and those of the members the transaction
// has pending, so that a pending change of access is applied to the row
// it changes; the list is shared and must not be modified.
func (t *Tx) MembershipsOfOrgWithAccess(ctx context.Context, orgID int64, access model.MemberAccess) ([]model.Membership, error) {
	if t.d == nil {
		return t.queries.MembershipsOfOrgWithAccess(ctx, orgID, access)
	}
	k := orgAccess{orgID, access}
	if ms, ok := t.d.orgAccess[k]; ok {
		return ms, nil
	}
	var ms []model.Membership
	if all, ok := t.d.orgMembers[orgID]; ok {
		for _, m := range all {
			if m.Access == access {
				ms = append(ms, m)
			}
		}
	} else {
		var pendingUsers []int64
		for _, p := range t.d.pMemberships {
			if p.OrgID == orgID {
				pendingUsers = append(pendingUsers, p.UserID)
			}
		}
		var err error
		if ms, err = t.direct().membershipsOfOrgWithAccessOr(ctx, orgID, access, pendingUsers); err != nil {
			return nil, err
		}
		for _, p := range t.d.pMemberships {
			if p.OrgID == orgID {
				ms = upsertMember(ms, p)
			}
		}
		ms = slices.DeleteFunc(ms, func(m model.Membership) bool { return m.Access != access })
	}
	t.d.orgAccess[k] = slices.Clip(ms)
	return t.d.orgAccess[k], nil
}

// ListTeams is queries.ListTeams, cached once deferred (a new ticket is
// routed to a team, I10). Teams are never written deferred; a direct
// write to their tables drops every cache.
func (t *Tx) ListTeams(ctx context.Context) ([]model.Team, error) {
	if t.d == nil {
		return t.queries.ListTeams(ctx)
	}
	if !t.d.teamsKnown {
		teams, err := t.direct().ListTeams(ctx)
		if err != nil {
			return nil, err
		}
		t.d.teams, t.d.teamsKnown = teams, true
	}
	out := make([]model.Team, len(t.d.teams))
	for i, tm := range t.d.teams {
		out[i] = tm
		out[i].Members = slices.Clone(tm.Members)
		out[i].Addresses = slices.Clone(tm.Addresses)
		out[i].OrgIDs = slices.Clone(tm.OrgIDs)
	}
	return out, nil
}

// upsertInto applies an upsert of m to a user's memberships, ordered by
// organisation: a membership already there is replaced, keeping its
// CreatedAt (the first time). It returns the list and m as stored.
func upsertInto(ms []model.Membership, m model.Membership) ([]model.Membership, model.Membership) {
	if i := slices.IndexFunc(ms, func(x model.Membership) bool { return x.OrgID == m.OrgID }); i >= 0 {
		m.CreatedAt = ms[i].CreatedAt
		ms[i] = m
		return ms, m
	}
	ms = append(ms, m)
	slices.SortFunc(ms, func(a, b model.Membership) int { return cmp.Compare(a.OrgID, b.OrgID) })
	return ms, m
}

// ListOrgs is queries.ListOrgs, cached once deferred; then the list and
// its organisations' domains are shared and must not be modified.
func (t *Tx) ListOrgs(ctx context.Context) ([]model.Organisation, error) {
	if t.d == nil {
		return t.queries.ListOrgs(ctx)
	}
	if !t.d.orgsKnown {
		orgs, err := t.direct().ListOrgs(ctx) // never deferred
		if err != nil {
			return nil, err
		}
		for i := range orgs {
			orgs[i].Domains = slices.Clip(orgs[i].Domains)
		}
		t.d.orgs, t.d.orgsKnown = slices.Clip(orgs), true
	}
	// The cached list itself, read only: ingest reads the organisations
	// once a message, and copying 2,000 of them with their domains each
	// time was a quarter of its time (issue 20). Capacities are clipped,
	// so an append copies.
	return t.d.orgs, nil
}

// ---- tickets and participants

// CreateTicket is queries.CreateTicket, deferred.
func (t *Tx) CreateTicket(ctx context.Context, tk *model.Ticket) error {
	if t.d == nil {
		return t.queries.CreateTicket(ctx, tk)
	}
	t.newTicket(tk)
	id, err := t.newID(ctx, "tickets")
	if err != nil {
		return fmt.Errorf("insert ticket: %w", err)
	}
	tk.ID = id
	c := *tk
	t.d.pTickets = append(t.d.pTickets, &c)
	t.d.tickets[id] = &c
	t.d.partsOf[id] = []model.Participant{}
	t.d.ticketMsgs[id] = []msgRow{}
	t.d.recent[id] = &recentComments{} // a new ticket has no comments
	return nil
}

// UpdateTicket is queries.UpdateTicket; deferred for a ticket created in
// this transaction and not yet written, and for one the transaction read
// (a reply's ticket: its update no longer writes every pending row first
// and drops the cached tickets, issue 20.6). The cached row takes what
// the UPDATE writes and is written as it stands when the transaction
// flushes.
func (t *Tx) UpdateTicket(ctx context.Context, tk *model.Ticket) error {
	if t.d == nil {
		return t.queries.UpdateTicket(ctx, tk)
	}
	for _, p := range t.d.pTickets {
		if p.ID == tk.ID {
			tk.UpdatedAt = t.now()
			created := p.CreatedAt
			*p = *tk
			p.CreatedAt = created
			return nil
		}
	}
	c := t.d.tickets[tk.ID]
	if c == nil { // not read in this transaction, or known absent: as the database says
		return t.queries.UpdateTicket(ctx, tk)
	}
	tk.UpdatedAt = t.now()
	created, intake := c.CreatedAt, c.Intake
	*c = *tk
	c.CreatedAt, c.Intake = created, intake
	if !slices.Contains(t.d.pTicketUpdates, c) {
		t.d.pTicketUpdates = append(t.d.pTicketUpdates, c)
	}
	return nil
}

// TicketByID is queries.TicketByID, cached once deferred.
func (t *Tx) TicketByID(ctx context.Context, id int64) (model.Ticket, error) {
	if t.d == nil {
		return t.queries.TicketByID(ctx, id)
	}
	if tk, ok := t.d.tickets[id]; ok {
		if tk == nil {
			return model.Ticket{}, notFound(fmt.Sprintf("get ticket %d", id))
		}
		return *tk, nil
	}
	tk, err := t.direct().TicketByID(ctx, id) // every pending ticket is cached
	switch {
	case err == nil:
		c := tk
		t.d.tickets[id] = &c
	case isNotFound(err):
		t.d.tickets[id] = nil
	}
	return tk, err
}

// Participants is queries.Participants, cached once deferred.
func (t *Tx) Participants(ctx context.Context, ticketID int64) ([]model.Participant, error) {
	if t.d == nil {
		return t.queries.Participants(ctx, ticketID)
	}
	if ps, ok := t.d.partsOf[ticketID]; ok {
		return slices.Clone(ps), nil
	}
	ps, err := t.direct().Participants(ctx, ticketID) // pending ones are on cached tickets only
	if err == nil {
		t.d.partsOf[ticketID] = slices.Clone(ps)
	}
	return ps, err
}

// AddParticipant is queries.AddParticipant, deferred.
func (t *Tx) AddParticipant(ctx context.Context, p model.Participant) (bool, error) {
	if t.d == nil {
		return t.queries.AddParticipant(ctx, p)
	}
	t.stamp(&p.AddedAt)
	ps, err := t.Participants(ctx, p.TicketID)
	if err != nil {
		return false, err
	}
	if slices.ContainsFunc(ps, func(x model.Participant) bool { return x.UserID == p.UserID && x.Role == p.Role }) {
		return false, nil
	}
	ps = append(ps, p)
	slices.SortStableFunc(ps, func(a, b model.Participant) int {
		if c := a.AddedAt.Compare(b.AddedAt); c != 0 {
			return c
		}
		if c := cmp.Compare(a.UserID, b.UserID); c != 0 {
			return c
		}
		return cmp.Compare(string(a.Role), string(b.Role))
	})
	t.d.partsOf[p.TicketID] = ps
	t.d.pParts = append(t.d.pParts, p)
	return true, nil
}

// ---- comments, events, outbox

// AddComment is queries.AddComment; deferred unless an attachment is
// stored as a blob in chunks.
func (t *Tx) AddComment(ctx context.Context, c *model.Comment) error {
	if t.d == nil || slices.ContainsFunc(c.Attachments, func(a model.Attachment) bool { return a.RawPart == 0 && chunkCount(a.Content) > 0 }) {
		return t.queries.AddComment(ctx, c)
	}
	t.stamp(&c.CreatedAt)
	op := fmt.Sprintf("insert comment on ticket %d", c.TicketID)
	id, err := t.newID(ctx, "comments")
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	c.ID = id
	for i := range c.Attachments {
		a := &c.Attachments[i]
		a.CommentID = id
		if content, ok := attachmentBlob(a); ok && !t.d.blobSeen[a.SHA256] {
			t.d.blobSeen[a.SHA256] = true
			t.d.pBlobs = append(t.d.pBlobs, blobRow{a.SHA256, content})
		}
		if a.ID, err = t.newID(ctx, "attachments"); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		ac := *a
		ac.Content = nil
		t.d.pAttachments = append(t.d.pAttachments, &ac)
	}
	cp := *c
	cp.Attachments = nil
	t.d.pComments = append(t.d.pComments, &cp)
	if rc := t.d.recent[c.TicketID]; rc != nil {
		rc.list = append(rc.list, commentBy{c.AuthorID, c.CreatedAt})
	}
	return nil
}

// CountCommentsBySince is queries.CountCommentsBySince, completed with
// the pending comments once deferred.
func (t *Tx) CountCommentsBySince(ctx context.Context, ticketID, authorID int64, since time.Time) (int, error) {
	if t.d == nil {
		return t.queries.CountCommentsBySince(ctx, ticketID, authorID, since)
	}
	since = normTime(since)
	rc := t.d.recent[ticketID]
	if rc == nil || since.Before(rc.horizon) {
		lists, err := t.commentsSince(ctx, []int64{ticketID}, since)
		if err != nil {
			return 0, err
		}
		rc = &recentComments{horizon: since, list: lists[ticketID]}
		t.d.recent[ticketID] = rc
	}
	n := 0
	for _, c := range rc.list {
		if c.author == authorID && !c.at.Before(since) {
			n++
		}
	}
	return n, nil
}

// commentsSince lists, by ticket, the author and time of each comment on
// tickets since then: those in the database and those pending.
func (t *Tx) commentsSince(ctx context.Context, tickets []int64, since time.Time) (map[int64][]commentBy, error) {
	type row struct {
		ticket int64
		commentBy
	}
	out := map[int64][]commentBy{}
	for chunk := range slices.Chunk(tickets, idChunk) {
		query, args, err := sqlx.In(`SELECT ticket_id, author_id, created_at FROM comments WHERE ticket_id IN (?) AND created_at >= ?`,
			chunk, dbTime(since))
		if err != nil {
			return nil, fmt.Errorf("list recent comments: %w", err)
		}
		rows, err := getAll(ctx, t.direct(), "list recent comments", func(r rowScanner) (row, error) {
			var x row
			err := r.Scan(&x.ticket, &x.author, (*dbTime)(&x.at))
			return x, err
		}, query, args...)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.ticket] = append(out[r.ticket], r.commentBy)
		}
	}
	for _, c := range t.d.pComments {
		if slices.Contains(tickets, c.TicketID) && !c.CreatedAt.Before(since) {
			out[c.TicketID] = append(out[c.TicketID], commentBy{c.AuthorID, c.CreatedAt})
		}
	}
	return out, nil
}

// AddEvent is queries.AddEvent, deferred.
func (t *Tx) AddEvent(ctx context.Context, e *model.Event) error {
	if t.d == nil {
		return t.queries.AddEvent(ctx, e)
	}
	t.stamp(&e.At)
	id, err := t.newID(ctx, "events")
	if err != nil {
		return fmt.Errorf("insert %s event on ticket %d: %w", e.Kind, e.TicketID, err)
	}
	e.ID = id
	cp := *e
	t.d.pEvents = append(t.d.pEvents, &cp)
	return nil
}

// EnqueueOutbox is queries.EnqueueOutbox, deferred. A Message-ID already
// queued makes the flush fail (ErrDuplicate), not this call, unless it was
// queued in this transaction.
func (t *Tx) EnqueueOutbox(ctx context.Context, m *model.OutboxMessage) error {
	if t.d == nil {
		return t.queries.EnqueueOutbox(ctx, m)
	}
	t.outboxDefaults(m)
	op := fmt.Sprintf("queue %s to %s", m.Kind, m.To)
	if slices.ContainsFunc(t.d.pOutbox, func(x *model.OutboxMessage) bool { return x.MessageID == m.MessageID }) {
		return fmt.Errorf("%s: %w", op, ErrDuplicate)
	}
	id, err := t.newID(ctx, "outbox")
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	m.ID = id
	cp := *m
	cp.References = slices.Clone(m.References)
	t.d.pOutbox = append(t.d.pOutbox, &cp)
	if a := t.d.automatic[m.To]; a != nil && m.Kind.Automatic() {
		a.times = append(a.times, m.CreatedAt)
	}
	return nil
}

// CountAutomaticSince is queries.CountAutomaticSince, cached once deferred.
func (t *Tx) CountAutomaticSince(ctx context.Context, to string, since time.Time) (int, error) {
	if t.d == nil {
		return t.queries.CountAutomaticSince(ctx, to, since)
	}
	if since.IsZero() { // from the start, as the plain count
		since = time.Unix(0, 0)
	}
	to, since = model.NormalizeEmail(to), normTime(since)
	a := t.d.automatic[to]
	if a == nil || since.Before(a.horizon) {
		times, err := t.automaticTimes(ctx, []string{to}, since)
		if err != nil {
			return 0, err
		}
		a = &automaticMail{horizon: since, times: times[to]}
		t.d.automatic[to] = a
	}
	n := 0
	for _, at := range a.times {
		if !at.Before(since) {
			n++
		}
	}
	return n, nil
}

// automaticTimes lists the times of automatic mail queued to each of to
// since then.
func (t *Tx) automaticTimes(ctx context.Context, to []string, since time.Time) (map[string][]time.Time, error) {
	type row struct {
		to string
		at time.Time
	}
	out := map[string][]time.Time{}
	for chunk := range slices.Chunk(to, idChunk) {
		query, args, err := sqlx.In(`SELECT to_addr, created_at FROM outbox WHERE to_addr IN (?) AND created_at >= ?
			AND `+automaticKindsSQL, chunk, dbTime(since))
		if err != nil {
			return nil, fmt.Errorf("count automatic mail: %w", err)
		}
		rows, err := getAll(ctx, t.direct(), "count automatic mail", func(r rowScanner) (row, error) {
			var x row
			err := r.Scan(&x.to, (*dbTime)(&x.at))
			return x, err
		}, query, args...)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.to] = append(out[r.to], r.at)
		}
	}
	for _, m := range t.d.pOutbox { // complete with the pending rows
		if m.Kind.Automatic() && !m.CreatedAt.Before(since) && slices.Contains(to, m.To) {
			out[m.To] = append(out[m.To], m.CreatedAt)
		}
	}
	return out, nil
}

// ---- Message-IDs

// RecordMessageID is queries.RecordMessageID, deferred.
func (t *Tx) RecordMessageID(ctx context.Context, ticketID int64, msgID string, dir Direction,
	address string, outboxID int64) (bool, error) {
	if t.d == nil {
		return t.queries.RecordMessageID(ctx, ticketID, msgID, dir, address, outboxID)
	}
	address = model.NormalizeEmail(address)
	if err := t.loadMsgRows(ctx, []string{msgID}); err != nil {
		return false, err
	}
	if slices.ContainsFunc(t.d.msgRows[msgID], func(r msgRow) bool { return r.dir == dir && r.address == address }) {
		return false, nil
	}
	return true, t.addMsgRow(ctx, ticketID, msgID, dir, address, outboxID)
}

// RecordSentMessageID is queries.RecordSentMessageID, deferred.
func (t *Tx) RecordSentMessageID(ctx context.Context, ticketID int64, msgID, address string, outboxID int64) error {
	if t.d == nil {
		return t.queries.RecordSentMessageID(ctx, ticketID, msgID, address, outboxID)
	}
	return t.addMsgRow(ctx, ticketID, msgID, Outbound, model.NormalizeEmail(address), outboxID)
}

func (t *Tx) addMsgRow(ctx context.Context, ticketID int64, msgID string, dir Direction, address string, outboxID int64) error {
	id, err := t.newID(ctx, "message_ids")
	if err != nil {
		return fmt.Errorf("record %s message id %s: %w", dir, msgID, err)
	}
	r := t.newMsgRow(ticketID, msgID, dir, address, outboxID)
	r.id = id
	t.d.pMsgIDs = append(t.d.pMsgIDs, r)
	if rows, ok := t.d.msgRows[msgID]; ok {
		t.d.msgRows[msgID] = append(rows, r)
	}
	if rows, ok := t.d.ticketMsgs[ticketID]; ok && ticketID != 0 {
		t.d.ticketMsgs[ticketID] = append(rows, r)
	}
	return nil
}

func scanMsgRow(r rowScanner) (msgRow, error) {
	var m msgRow
	err := r.Scan(&m.id, (*nullID)(&m.ticketID), &m.msgID, &m.dir, &m.address, (*nullID)(&m.outboxID), (*dbTime)(&m.at))
	return m, err
}

// loadMsgRows fills the Message-ID cache of the ids it lacks.
func (t *Tx) loadMsgRows(ctx context.Context, ids []string) error {
	var missing []string
	for _, id := range ids {
		if _, ok := t.d.msgRows[id]; !ok && !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	for chunk := range slices.Chunk(missing, idChunk) {
		query, args, err := sqlx.In(`SELECT `+msgRowCols+` FROM message_ids WHERE message_id IN (?) ORDER BY id`, chunk)
		if err != nil {
			return fmt.Errorf("look up message ids: %w", err)
		}
		rows, err := getAll(ctx, t.direct(), "look up message ids", scanMsgRow, query, args...)
		if err != nil {
			return err
		}
		for _, id := range chunk {
			t.d.msgRows[id] = []msgRow{}
		}
		for _, r := range rows {
			t.d.msgRows[r.msgID] = append(t.d.msgRows[r.msgID], r)
		}
		for _, r := range t.d.pMsgIDs { // complete with the pending rows
			if rows, ok := t.d.msgRows[r.msgID]; ok && slices.Contains(chunk, r.msgID) {
				t.d.msgRows[r.msgID] = append(rows, r)
			}
		}
	}
	return nil
}

// OutboundByMessageID is queries.OutboundByMessageID, cached once
// deferred: a reply names the notification it answers (In-Reply-To),
// which Prefetch has read with the batch's other Message-IDs.
func (t *Tx) OutboundByMessageID(ctx context.Context, msgID string) (ticketID int64, address string, outboxID int64, err error) {
	if t.d == nil {
		return t.queries.OutboundByMessageID(ctx, msgID)
	}
	if err := t.loadMsgRows(ctx, []string{msgID}); err != nil {
		return 0, "", 0, err
	}
	for _, r := range t.d.msgRows[msgID] { // in id order: the first sent
		if r.dir == Outbound {
			return r.ticketID, r.address, r.outboxID, nil
		}
	}
	return 0, "", 0, notFound("look up outbound message id " + msgID)
}

// TicketByMessageIDs is queries.TicketByMessageIDs, cached once deferred.
func (t *Tx) TicketByMessageIDs(ctx context.Context, ids []string) (int64, error) {
	if t.d == nil {
		return t.queries.TicketByMessageIDs(ctx, ids)
	}
	if err := t.loadMsgRows(ctx, ids); err != nil {
		return 0, err
	}
	for _, id := range ids {
		for _, r := range t.d.msgRows[id] {
			if r.ticketID != 0 {
				return r.ticketID, nil
			}
		}
	}
	return 0, notFound("find ticket by message id")
}

// TicketMessageIDsFor is queries.TicketMessageIDsFor, cached once deferred.
func (t *Tx) TicketMessageIDsFor(ctx context.Context, ticketID int64, recipient string) ([]string, error) {
	if t.d == nil {
		return t.queries.TicketMessageIDsFor(ctx, ticketID, recipient)
	}
	rows, ok := t.d.ticketMsgs[ticketID]
	if !ok {
		var err error
		rows, err = getAll(ctx, t.direct(), fmt.Sprintf("list message ids of ticket %d", ticketID), scanMsgRow,
			`SELECT `+msgRowCols+` FROM message_ids WHERE ticket_id = ? ORDER BY id`, ticketID)
		if err != nil {
			return nil, err
		}
		for _, r := range t.d.pMsgIDs { // complete with the pending rows
			if r.ticketID == ticketID {
				rows = append(rows, r)
			}
		}
		t.d.ticketMsgs[ticketID] = rows
	}
	recipient = model.NormalizeEmail(recipient)
	var out []string
	for _, r := range rows {
		if (r.dir == Inbound || r.address == recipient) && !slices.Contains(out, r.msgID) {
			out = append(out, r.msgID)
		}
	}
	return out, nil
}
