package policy

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
)

// TestO3_DomainIndexIsOrgsForEmail: on random organisations holding
// domains, subdomains, wildcards ("*.acme.com"), upper case and
// internationalised names, sometimes the same domain twice, the index
// finds for every address the organisations OrgsForEmail finds by going
// through them all, in the same order, with the same dates.
func TestO3_DomainIndexIsOrgsForEmail(t *testing.T) {
	names := []string{"acme.com", "ACME.com", "eu.acme.com", "*.acme.com", "*.eu.acme.com", "partner.example",
		"*.example", "bücher.example", "*.bücher.example", "xn--bcher-kva.example", "b.c", "*.c", "c"}
	addrs := []string{"ann@acme.com", "bob@eu.acme.com", "cy@x.eu.acme.com", "dee@ACME.COM", "eve@partner.example",
		"fay@bücher.example", "gus@shop.bücher.example", "hal@xn--bcher-kva.example", "ida@a.b.c", "jo@b.c", "kim@c",
		"lou@.c", "max@", "ned@other.org", "not-an-address"}
	for seed := range uint64(50) {
		r := rand.New(rand.NewPCG(seed, 3))
		var orgs []model.Organisation
		for i := range 1 + r.IntN(8) {
			o := model.Organisation{ID: int64(i + 1), Slug: fmt.Sprint("o", i)}
			for range r.IntN(4) {
				o.Domains = append(o.Domains, model.Domain{Name: names[r.IntN(len(names))],
					AddedAt: time.Date(2026, 1, 1+r.IntN(28), 0, 0, 0, 0, time.UTC)})
			}
			orgs = append(orgs, o)
		}
		ix := NewDomainIndex(orgs)
		for _, a := range addrs {
			want, got := OrgsForEmail(a, orgs), ix.OrgsForEmail(a)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d, %s: index %+v, scan %+v (orgs %+v)", seed, a, got, want, orgs)
			}
			if !reflect.DeepEqual(ix.DerivedMemberships(a), DerivedMemberships(a, orgs)) {
				t.Fatalf("seed %d, %s: derived memberships differ", seed, a)
			}
		}
	}
}
