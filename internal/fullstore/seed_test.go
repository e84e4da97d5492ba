package fullstore_test

import (
	"context"
	"testing"

	"github.com/helpdesk-gw/helpdesk/internal/fullstore"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// TestSeedScaledShape fills both stores with the full shape divided by
// 500 and checks that every message had the outcome the generator meant,
// and that the store holds what was meant: the shape cannot change
// quietly when a rule does.
func TestSeedScaledShape(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		ctx := context.Background()
		clock := fullstore.NewClock(fullstore.Start)
		st := storetest.OpenWith(t, b, store.Options{Clock: clock.Now})
		sh := fullstore.Scaled(500)
		r, err := fullstore.Seed(ctx, st, clock, sh, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Wrong != 0 {
			t.Fatalf("%d messages had another outcome than meant: %v", r.Wrong, r.Examples)
		}
		if r.Outcomes[model.OutcomeCreated] != sh.Tickets || r.Tickets != sh.Tickets {
			t.Fatalf("outcomes %v, %d tickets; want %d created", r.Outcomes, r.Tickets, sh.Tickets)
		}
		ts, err := st.ListTickets(ctx, store.TicketFilter{})
		if err != nil {
			t.Fatal(err)
		}
		big, err := st.OrgBySlug(ctx, fullstore.BigSlug)
		if err != nil {
			t.Fatal(err)
		}
		inBig := 0
		for _, tk := range ts {
			if tk.OrgID == big.ID {
				inBig++
			}
		}
		if len(ts) != sh.Tickets || inBig != (sh.Tickets+sh.BigEvery-1)/sh.BigEvery {
			t.Fatalf("%d tickets, %d of big; want %d, %d", len(ts), inBig, sh.Tickets, (sh.Tickets+sh.BigEvery-1)/sh.BigEvery)
		}
		t.Logf("%+v", r)
	})
}
