package outbound

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
)

// ReasonNoLongerVisible is recorded on a row whose recipient lost sight of
// the ticket between queueing and sending (N1, R1–R5).
const ReasonNoLongerVisible = "recipient may no longer see the ticket"

// The other reasons the send-time check records on a row it stops.
const (
	ReasonOwnAddress     = "B2: never sent to one of the helpdesk's own addresses"
	ReasonBouncing       = "B3: the address is bouncing"
	ReasonNoteToNonStaff = "R7: an internal note goes to staff only"
	ReasonNoTicket       = "the ticket no longer exists"
	ReasonTicketless     = "only notices (I6, I9) and sign-in links (W1) go without a ticket"
)

// maxFactsAge bounds how old the facts a row is checked against may be.
// A batch's tickets and recipients are read in a few statements when it is
// claimed (one batch ahead of the sends); rows checked more than
// maxFactsAge later (a slow or rate-limited relay) read them again.
const maxFactsAge = time.Second

// checkCache is what the send-time check reads, shared by the goroutines
// delivering one batch: rows of one ticket (a comment to five people) share
// one load, and the loads of a batch are read together.
type checkCache struct {
	st  *store.Store
	mu  sync.Mutex
	gen *factsGen
}

// factsGen is one reading of the facts: loaded in bulk for a batch, or
// lazily, ticket by ticket, once the previous one is older than maxFactsAge.
type factsGen struct {
	at        time.Time
	factsOnce sync.Once
	facts     *access.Facts // organisations loaded: read only, shared
	factsErr  error
	mu        sync.Mutex
	tickets   map[int64]*ticketEntry
	people    map[string]*personEntry // recipients not among their ticket's people
}

type ticketEntry struct {
	once sync.Once
	v    *access.TicketView
	err  error
}

type personEntry struct {
	once sync.Once
	p    policy.Person
	err  error
}

func newGen(st *store.Store) *factsGen {
	return &factsGen{at: time.Now(), facts: access.NewFacts(st), tickets: map[int64]*ticketEntry{}, people: map[string]*personEntry{}}
}

// newCheckCache reads in bulk what the send-time check of rows needs: their
// tickets with the people around them, and the recipients who are not among
// those people. A failed read is logged; the rows then read one by one.
func (w *Worker) newCheckCache(ctx context.Context, rows []model.OutboxMessage) *checkCache {
	g := newGen(w.o.Store)
	c := &checkCache{st: w.o.Store, gen: g}
	if err := g.loadOrgs(ctx); err != nil {
		w.loadFailed(ctx, err)
		return c
	}
	var ids []int64
	for _, r := range rows {
		if r.TicketID != 0 {
			if _, ok := g.tickets[r.TicketID]; !ok {
				g.tickets[r.TicketID] = nil
				ids = append(ids, r.TicketID)
			}
		}
	}
	views, err := g.facts.Tickets(ctx, ids)
	if err != nil {
		w.loadFailed(ctx, err)
		clear(g.tickets)
		return c
	}
	var emails []string
	for _, r := range rows {
		if r.TicketID != 0 {
			e := g.tickets[r.TicketID]
			if e == nil {
				e = &ticketEntry{}
				v, ok := views[r.TicketID]
				e.once.Do(func() {
					if e.v = v; !ok {
						e.err = fmt.Errorf("load ticket %d: %w", r.TicketID, store.ErrNotFound)
					}
				})
				g.tickets[r.TicketID] = e
			}
			if e.v == nil {
				continue // ReasonNoTicket: the person is not needed
			}
			if _, ok := e.v.People[model.NormalizeEmail(r.To)]; ok {
				continue
			}
		}
		emails = append(emails, r.To)
	}
	people, err := g.facts.PeopleByEmail(ctx, emails)
	if err != nil {
		w.loadFailed(ctx, err)
		return c
	}
	for e, p := range people {
		pe := &personEntry{}
		pe.once.Do(func() { pe.p = p })
		g.people[e] = pe
	}
	return c
}

func (w *Worker) loadFailed(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return // shutting down: the batch is given back
	}
	w.stats.storeErrors.Add(1)
	w.log.Error("outbound: reading the facts of a batch failed; its rows read them one by one", "err", err)
}

func (g *factsGen) loadOrgs(ctx context.Context) error {
	g.factsOnce.Do(func() { g.factsErr = g.facts.LoadOrgs(ctx) })
	return g.factsErr
}

// current returns the facts to check a row against now.
func (c *checkCache) current() *factsGen {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.gen.at) > maxFactsAge {
		c.gen = newGen(c.st)
	}
	return c.gen
}

func (g *factsGen) ticket(ctx context.Context, id int64) (*access.TicketView, error) {
	g.mu.Lock()
	e, ok := g.tickets[id]
	if !ok || e == nil {
		e = &ticketEntry{}
		g.tickets[id] = e
	}
	g.mu.Unlock()
	e.once.Do(func() {
		if e.err = g.loadOrgs(ctx); e.err == nil {
			e.v, e.err = g.facts.Ticket(ctx, id)
		}
	})
	return e.v, e.err
}

func (g *factsGen) person(ctx context.Context, email string) (policy.Person, error) {
	g.mu.Lock()
	e, ok := g.people[email]
	if !ok {
		e = &personEntry{}
		g.people[email] = e
	}
	g.mu.Unlock()
	e.once.Do(func() {
		if e.err = g.loadOrgs(ctx); e.err == nil {
			e.p, _, e.err = g.facts.Person(ctx, email)
		}
	})
	return e.p, e.err
}

// withhold is the send-time check: it returns why row must not be sent
// now, or "". The queue applied the same rules when the row was written;
// they are applied again because time has passed (someone was removed as
// CC, an organisation's access changed, an address started bouncing) and
// because a row that should never have been queued must still not leave:
//   - B2: never to the helpdesk's own addresses;
//   - B3: never to an address marked bouncing;
//   - R7, N2: an internal note only to staff, whoever the row names;
//   - N1, R1–R5: only to someone who may see the ticket now
//     (policy.MaySend); the I5 and I6 notices name nothing hidden.
func (w *Worker) withhold(ctx context.Context, c *checkCache, row model.OutboxMessage) (string, error) {
	to := model.NormalizeEmail(row.To)
	if w.o.Addresses.IsOwn(to) {
		return ReasonOwnAddress, nil
	}
	g := c.current()
	var v *access.TicketView
	if row.TicketID != 0 {
		var err error
		v, err = g.ticket(ctx, row.TicketID)
		if errors.Is(err, store.ErrNotFound) {
			return ReasonNoTicket, nil
		} else if err != nil {
			return "", err
		}
	}
	p, known := policy.Person{}, false
	if v != nil {
		p, known = v.People[to]
	}
	if !known {
		var err error
		if p, err = g.person(ctx, to); err != nil {
			return "", err
		}
	}
	switch {
	case p.Bouncing:
		return ReasonBouncing, nil
	case row.Kind == model.KindNote && !policy.CanSeeInternal(p):
		return ReasonNoteToNonStaff, nil
	case v == nil && row.Kind != model.KindNotice && row.Kind != model.KindSignIn:
		return ReasonTicketless, nil
	case v != nil && !policy.MaySend(p, v.Facts, row.Kind):
		return ReasonNoLongerVisible, nil
	}
	return "", nil
}
