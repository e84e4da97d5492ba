package policy

import (
	"sort"
	"strings"

	"github.com/helpdesk-gw/helpdesk/model"
)

// DomainIndex answers OrgsForEmail and DerivedMemberships for one list of
// organisations by looking the address's domain up, instead of comparing
// it with every domain of every organisation: with 2,000 organisations
// that comparison was a quarter of the CPU of ingesting a message (issue
// 20), and it grows with the number of organisations.
type DomainIndex struct {
	orgs  []model.Organisation
	exact map[string][]domainAt // by domain, in match form
	wild  map[string][]domainAt // "*.rest" patterns, by rest in match form
}

// domainAt is one domain of one organisation: the organisation's place in
// the list and the domain's place among its domains.
type domainAt struct{ org, pos int }

// NewDomainIndex indexes the domains of orgs, which it keeps and must not
// change afterwards.
func NewDomainIndex(orgs []model.Organisation) *DomainIndex {
	ix := &DomainIndex{orgs: orgs, exact: map[string][]domainAt{}, wild: map[string][]domainAt{}}
	for i, o := range orgs {
		for j, d := range o.Domains {
			p := matchForm(d.Name)
			if rest, ok := strings.CutPrefix(p, "*."); ok {
				ix.wild[rest] = append(ix.wild[rest], domainAt{i, j})
			} else {
				ix.exact[p] = append(ix.exact[p], domainAt{i, j})
			}
		}
	}
	return ix
}

// Orgs is the list the index was made of.
func (ix *DomainIndex) Orgs() []model.Organisation { return ix.orgs }

// OrgsForEmail is OrgsForEmail(email, ix.Orgs()): the same organisations,
// in the same order, each with the first of its domains that matches.
func (ix *DomainIndex) OrgsForEmail(email string) []DomainMatch {
	domain := model.EmailDomain(email)
	if domain == "" {
		return nil
	}
	domain = matchForm(domain)
	first := map[int]int{} // organisation → its first matching domain
	see := func(list []domainAt) {
		for _, at := range list {
			if p, ok := first[at.org]; !ok || at.pos < p {
				first[at.org] = at.pos
			}
		}
	}
	see(ix.exact[domain])
	// "*.rest" matches a domain that ends in ".rest" with a label before it
	for i := strings.IndexByte(domain, '.'); i >= 0; {
		if i > 0 {
			see(ix.wild[domain[i+1:]])
		}
		j := strings.IndexByte(domain[i+1:], '.')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	if len(first) == 0 {
		return nil
	}
	order := make([]int, 0, len(first))
	for o := range first {
		order = append(order, o)
	}
	sort.Ints(order)
	out := make([]DomainMatch, 0, len(order))
	for _, o := range order {
		out = append(out, DomainMatch{Org: ix.orgs[o], Since: ix.orgs[o].Domains[first[o]].AddedAt})
	}
	return out
}

// DerivedMemberships is DerivedMemberships(email, ix.Orgs()).
func (ix *DomainIndex) DerivedMemberships(email string) []Membership {
	return derived(ix.OrgsForEmail(email))
}
