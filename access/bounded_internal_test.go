package access

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// An impact kept as classes is the same impact as listed pair by pair:
// Expand gives the pairs, and the counts agree with those of the pairs,
// on random judgements (people with classes on a few organisations, some
// tickets named, some pairs judged one by one).
func TestImpactClassesAreThePairs(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 7))
		newJ := func() *judgement {
			r := rand.New(rand.NewPCG(seed, 7))
			c := &Capture{orgs: map[int64]model.Organisation{}}
			j := &judgement{b: c, a: c, before: Snapshot{}, after: Snapshot{}, classes: map[classKey]*classJudgement{}}
			tickets := map[int64][]store.TicketRef{}
			next := int64(1)
			for o := int64(1); o <= 3; o++ {
				c.orgs[o] = model.Organisation{ID: o, Slug: fmt.Sprintf("org%d", o)}
				for range r.IntN(6) {
					tickets[o] = append(tickets[o], store.TicketRef{ID: next, OrgID: o})
					next++
				}
			}
			rights := []Right{{}, {View: true}, {View: true, Comment: true}}
			for p := range 4 {
				email := fmt.Sprintf("p%d@x.example", p)
				for o := int64(1); o <= 3; o++ {
					if r.IntN(2) == 0 {
						continue
					}
					cj := &classJudgement{rb: rights[r.IntN(3)], ra: rights[r.IntN(3)], tickets: tickets[o]}
					for _, t := range tickets[o] {
						if r.IntN(4) == 0 {
							cj.named = append(cj.named, t.ID)
							j.record(Key{Email: email, Ticket: t.ID}, rights[r.IntN(3)], rights[r.IntN(3)])
						}
					}
					j.classes[classKey{email, o}] = cj
				}
			}
			return j
		}
		_ = r
		flat, kept := newJ().impact(1<<30), newJ().impact(-1)
		exp := kept.Expand()
		if !reflect.DeepEqual(nonNil(exp.Gained), nonNil(flat.Gained)) || !reflect.DeepEqual(nonNil(exp.Lost), nonNil(flat.Lost)) {
			t.Fatalf("seed %d: classes expand to\n%v\n%v\nwant\n%v\n%v", seed, exp.Gained, exp.Lost, flat.Gained, flat.Lost)
		}
		got := []int{kept.GainedPeople(), kept.GainedTickets(), kept.LostPeople(), kept.LostTickets()}
		want := []int{People(flat.Gained), Tickets(flat.Gained), People(flat.Lost), Tickets(flat.Lost)}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: counts %v, want %v (classes %+v / %+v)", seed, got, want, kept.GainedClasses, kept.LostClasses)
		}
		if fc := []int{flat.GainedPeople(), flat.GainedTickets(), flat.LostPeople(), flat.LostTickets()}; !reflect.DeepEqual(fc, want) {
			t.Fatalf("seed %d: counts of the flat impact %v, want %v", seed, fc, want)
		}
	}
}

func nonNil(cs []Change) []Change {
	if cs == nil {
		return []Change{}
	}
	return cs
}
