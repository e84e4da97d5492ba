package store

import (
	"context"
	"slices"
	"strings"

	"github.com/helpdesk-gw/helpdesk/model"
)

// prefetchFollowAll reads, in one query per chunk of organisations, the
// A2 org members, and so the follow-all members (N5), of every
// organisation the batch may open or touch a ticket of: those of the tickets it names, those its known
// addresses are members of, and those whose domains match its addresses
// (O3 gives a new sender those). Otherwise the first message of each
// organisation read them alone, waiting for the rows being written: on
// the full store of issue 20, 6,086 queries for 10,000 messages, and
// 2,240 more for the org members. An organisation it leaves out is read
// on a miss, as before.
func (t *Tx) prefetchFollowAll(ctx context.Context, tickets []int64, emails []string) error {
	d := t.d
	if len(d.pMemberships) > 0 { // the database alone would not say
		return nil
	}
	want := map[int64]bool{}
	for _, id := range tickets {
		if tk := d.tickets[id]; tk != nil && tk.OrgID != 0 {
			want[tk.OrgID] = true
		}
	}
	byDomain := map[string][]int64{} // a wildcard's orgs under the domain it covers: a superset does no harm
	for _, o := range d.orgs {
		for _, dm := range o.Domains {
			name := strings.TrimPrefix(dm.Name, "*.")
			byDomain[name] = append(byDomain[name], o.ID)
		}
	}
	for _, e := range emails {
		if u := d.users[e]; u != nil {
			for _, m := range d.memberships[u.ID] {
				want[m.OrgID] = true
			}
		}
		at := strings.LastIndexByte(e, '@')
		if at < 0 {
			continue
		}
		for dom := e[at+1:]; dom != ""; {
			for _, id := range byDomain[dom] {
				want[id] = true
			}
			i := strings.IndexByte(dom, '.')
			if i < 0 {
				break
			}
			dom = dom[i+1:]
		}
	}
	var ids []int64
	for id := range want {
		_, follow := d.followAll[id]
		_, org := d.orgAccess[orgAccess{id, model.MemberAccessOrg}]
		if !follow || !org {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	// Follow-all members are A2 org members: one read gives both lists
	// (who may see a new ticket of an organisation whose access is own
	// is its org members, access.Facts.Explain).
	got := map[int64][]model.Membership{}
	err := inChunks(ctx, t.direct(), "list org members of organisations", scanMembership,
		`SELECT `+membershipCols+` FROM memberships WHERE org_id IN (?) AND access = 'org' ORDER BY org_id, user_id`,
		ids, func(m model.Membership) { got[m.OrgID] = append(got[m.OrgID], m) })
	if err != nil {
		return err
	}
	for _, id := range ids {
		members := got[id]
		follow := []model.Membership{}
		for _, m := range members {
			if m.FollowAll {
				follow = append(follow, m)
			}
		}
		d.followAll[id] = follow
		d.orgAccess[orgAccess{id, model.MemberAccessOrg}] = slices.Clip(members)
	}
	return nil
}
