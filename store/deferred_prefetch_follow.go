package store

import (
	"context"
	"strings"

	"github.com/helpdesk-gw/helpdesk/model"
)

// prefetchFollowAll reads, in one query per chunk of organisations, the
// follow-all members (N5) of every organisation the batch may open or
// touch a ticket of: those of the tickets it names, those its known
// addresses are members of, and those whose domains match its addresses
// (O3 gives a new sender those). Otherwise the first message of each
// organisation read them alone, waiting for the rows being written: on
// the full store of issue 20, 6,086 queries for 10,000 messages. An
// organisation it leaves out is read on a miss, as before.
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
		if _, ok := d.followAll[id]; !ok {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	got, err := t.direct().FollowAllMembersOfOrgs(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		ms := got[id]
		if ms == nil {
			ms = []model.Membership{}
		}
		d.followAll[id] = ms
	}
	return nil
}
