package access

import (
	"context"
	"errors"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
)

// Reads scoped to a viewer (issue 14, house style 14; W3, W5): what the
// portal and the console show one person. The store's prefilter fetches
// only rows the person may possibly see, and policy.Rights has the last
// word on each; the operator's unfiltered views (Explain, TakeSnapshot)
// stay apart. Use a fresh Facts for each request: it keeps the
// organisations it read.

// ErrNotVisible is the answer to a viewer asking for a ticket that does
// not exist or that they may not see: the same for both, so that the
// answer does not tell which (I6). It is a store.ErrNotFound.
var ErrNotVisible = fmt.Errorf("no such ticket for this viewer: %w", store.ErrNotFound)

// viewerQuerier is what *store.Store and *store.Tx offer for reads scoped
// to a viewer.
type viewerQuerier interface {
	VisibleTicketKeys(ctx context.Context, viewerID int64, f store.VisibleFilter, p store.TicketPage) ([]store.TicketCursor, error)
	CommentsInScope(ctx context.Context, ticketID int64, scope store.CommentScope) ([]model.Comment, error)
}

func (f *Facts) viewerQuerier() (viewerQuerier, error) {
	vq, ok := f.Q.(viewerQuerier)
	if !ok {
		return nil, fmt.Errorf("reads scoped to a viewer: %T cannot make them", f.Q)
	}
	return vq, nil
}

// TicketRow is one ticket of a viewer's list, with the viewer's rights on it.
type TicketRow struct {
	Ticket model.Ticket
	Org    *model.Organisation // nil: none
	Rights policy.Decision     // View is always true
	// Cursor places the row in its list: the After of a page that starts
	// after it.
	Cursor store.TicketCursor
}

// TicketList is one page of the tickets a viewer may see.
type TicketList struct {
	Tickets []TicketRow
	// Next is the After of the next page; nil on the last page.
	Next *store.TicketCursor
}

// VisibleTickets returns one page of the tickets viewer may see (R1–R5),
// narrowed by filter, in page's order, after page.After. Candidates come
// from the store's prefilter (store VisibleTicketKeys), their facts are
// read a batch at a time (Tickets), and a row is kept only when
// policy.Rights gives viewer View on it. When the judge refuses rows the
// prefilter offered, more are read, so that a page is short only at the
// end of the list; Next is then nil. A viewer who is not a user sees
// nothing (W2: they become one at their first sign-in).
func (f *Facts) VisibleTickets(ctx context.Context, viewer string, filter store.VisibleFilter, page store.TicketPage) (TicketList, error) {
	var list TicketList
	vq, err := f.viewerQuerier()
	if err != nil {
		return list, err
	}
	p, u, err := f.Person(ctx, viewer)
	if err != nil || u == nil {
		return list, err
	}
	limit := page.PageLimit()
	want := limit + 1 // one more tells whether there is a next page
	for len(list.Tickets) < want {
		batch := page
		batch.Limit = want - len(list.Tickets)
		keys, err := vq.VisibleTicketKeys(ctx, u.ID, filter, batch)
		if err != nil {
			return TicketList{}, fmt.Errorf("tickets visible to %s: %w", p.Email, err)
		}
		if err := f.judgeRows(ctx, p, keys, &list.Tickets); err != nil {
			return TicketList{}, err
		}
		if len(keys) < batch.PageLimit() {
			break // the prefilter has no more
		}
		page.After = keys[len(keys)-1]
	}
	if len(list.Tickets) > limit {
		list.Tickets = list.Tickets[:limit]
		next := list.Tickets[limit-1].Cursor
		list.Next = &next
	}
	return list, nil
}

// judgeRows loads the facts of the candidates keys in one batch and
// appends, in the order of keys, those p may view (policy.Rights).
func (f *Facts) judgeRows(ctx context.Context, p policy.Person, keys []store.TicketCursor, rows *[]TicketRow) error {
	if len(keys) == 0 {
		return nil
	}
	ids := make([]int64, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	views, err := f.Tickets(ctx, ids)
	if err != nil {
		return fmt.Errorf("facts of %d tickets visible to %s: %w", len(ids), p.Email, err)
	}
	for _, k := range keys {
		v, ok := views[k.ID]
		if !ok {
			continue // deleted since the prefilter read it
		}
		if d := policy.Rights(p, v.Facts); d.View {
			*rows = append(*rows, TicketRow{Ticket: v.Ticket, Org: v.Org, Rights: d, Cursor: k})
		}
	}
	return nil
}

// SeenTicket is a ticket as one viewer may see it.
type SeenTicket struct {
	Ticket model.Ticket
	Org    *model.Organisation // nil: none
	Rights policy.Decision     // View is always true; Comment says whether they may reply
	// Internal reports whether Comments include internal notes: true for
	// staff only (R7).
	Internal bool
	// Comments are oldest first, with their attachments' metadata: public
	// comments only unless Internal.
	Comments []model.Comment
}

// TicketAs returns ticket id as viewer may see it: with every comment and
// internal note for staff (R1, R7), with public comments only for anyone
// else (R7). A ticket viewer may not see (R5), a viewer who is not a user
// and a ticket that does not exist are all ErrNotVisible. Internal notes
// are not even read for a viewer who may not see them.
func (f *Facts) TicketAs(ctx context.Context, viewer string, id int64) (*SeenTicket, error) {
	vq, err := f.viewerQuerier()
	if err != nil {
		return nil, err
	}
	p, u, err := f.Person(ctx, viewer)
	if err != nil {
		return nil, err
	}
	notVisible := fmt.Errorf("ticket %d as %s: %w", id, p.Email, ErrNotVisible)
	if u == nil {
		return nil, notVisible
	}
	v, err := f.Ticket(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notVisible
	} else if err != nil {
		return nil, fmt.Errorf("ticket %d as %s: %w", id, p.Email, err)
	}
	d := policy.Rights(p, v.Facts)
	if !d.View {
		return nil, notVisible
	}
	seen := &SeenTicket{Ticket: v.Ticket, Org: v.Org, Rights: d, Internal: policy.CanSeeInternal(p)}
	scope := store.PublicOnly
	if seen.Internal {
		scope = store.WithInternal
	}
	cs, err := vq.CommentsInScope(ctx, id, scope)
	if err != nil {
		return nil, fmt.Errorf("comments of ticket %d as %s: %w", id, p.Email, err)
	}
	for _, c := range cs {
		// R7 once more, whatever the store returned.
		if seen.Internal || c.Visibility == model.VisibilityPublic {
			seen.Comments = append(seen.Comments, c)
		}
	}
	return seen, nil
}
