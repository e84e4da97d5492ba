package outbound

import (
	"context"
	"errors"
	"sync"

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
	ReasonTicketless     = "only the I6 notice goes without a ticket"
)

// factsReader is one goroutine's access.Facts: Facts caches the
// organisations without a lock, so goroutines do not share one.
type factsReader struct{ *access.Facts }

// roundCache shares the tickets loaded in one round between its
// goroutines: rows of one ticket (a comment to five people) load it once.
type roundCache struct {
	mu      sync.Mutex
	tickets map[int64]*ticketEntry
}

type ticketEntry struct {
	once sync.Once
	v    *access.TicketView
	err  error
}

func newRoundCache() *roundCache { return &roundCache{tickets: map[int64]*ticketEntry{}} }

func (rc *roundCache) ticket(ctx context.Context, f *factsReader, id int64) (*access.TicketView, error) {
	rc.mu.Lock()
	e, ok := rc.tickets[id]
	if !ok {
		e = &ticketEntry{}
		rc.tickets[id] = e
	}
	rc.mu.Unlock()
	e.once.Do(func() { e.v, e.err = f.Ticket(ctx, id) })
	return e.v, e.err
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
func (w *Worker) withhold(ctx context.Context, f *factsReader, rc *roundCache, row model.OutboxMessage) (string, error) {
	to := model.NormalizeEmail(row.To)
	if w.o.Addresses.IsOwn(to) {
		return ReasonOwnAddress, nil
	}
	var v *access.TicketView
	if row.TicketID != 0 {
		var err error
		v, err = rc.ticket(ctx, f, row.TicketID)
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
		if p, _, err = f.Person(ctx, to); err != nil {
			return "", err
		}
	}
	switch {
	case p.Bouncing:
		return ReasonBouncing, nil
	case row.Kind == model.KindNote && !policy.CanSeeInternal(p):
		return ReasonNoteToNonStaff, nil
	case v == nil && row.Kind != model.KindNotice:
		return ReasonTicketless, nil
	case v != nil && !policy.MaySend(p, v.Facts, row.Kind):
		return ReasonNoLongerVisible, nil
	}
	return "", nil
}
