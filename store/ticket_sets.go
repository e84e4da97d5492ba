package store

import (
	"cmp"
	"context"
	"slices"
)

// The reads of this file return sets of tickets by what decides who may
// see them (their organisation, requester and CCs), without the rest of
// each row: a preview of an access change judges the tickets of the
// organisations and people it touches, and no others (issue 20). Every
// lookup is served by an index: tickets_org, tickets_requester_updated,
// participants_user and the participants key.

// TicketRef is what a ticket's rights depend on besides its CCs: its id,
// its organisation (0: none) and its requester.
type TicketRef struct {
	ID, OrgID, RequesterID int64
}

// TicketCC is one CC of a ticket, with the ticket's organisation (0: none).
type TicketCC struct {
	TicketID, OrgID, UserID int64
}

func scanTicketRef(r rowScanner) (TicketRef, error) {
	var t TicketRef
	err := r.Scan(&t.ID, (*nullID)(&t.OrgID), &t.RequesterID)
	return t, err
}

func scanTicketCC(r rowScanner) (TicketCC, error) {
	var c TicketCC
	err := r.Scan(&c.TicketID, (*nullID)(&c.OrgID), &c.UserID)
	return c, err
}

// TicketRefsOfOrgs returns the tickets of those organisations, ordered by
// id; organisation 0 stands for the tickets without one.
func (q *queries) TicketRefsOfOrgs(ctx context.Context, orgIDs []int64) ([]TicketRef, error) {
	var out []TicketRef
	add := func(t TicketRef) { out = append(out, t) }
	ids := slices.DeleteFunc(slices.Clone(orgIDs), func(id int64) bool { return id == 0 })
	if len(ids) < len(orgIDs) {
		refs, err := getAll(ctx, q, "list tickets without organisation", scanTicketRef,
			`SELECT id, org_id, requester_id FROM tickets WHERE org_id IS NULL`)
		if err != nil {
			return nil, err
		}
		out = append(out, refs...)
	}
	if err := inChunks(ctx, q, "list tickets of organisations", scanTicketRef,
		`SELECT id, org_id, requester_id FROM tickets WHERE org_id IN (?)`, ids, add); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b TicketRef) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// CCsOfOrgTickets returns the CCs of the tickets of those organisations
// (R3), ordered by ticket, then user.
func (q *queries) CCsOfOrgTickets(ctx context.Context, orgIDs []int64) ([]TicketCC, error) {
	var out []TicketCC
	err := inChunks(ctx, q, "list CCs of organisations' tickets", scanTicketCC,
		`SELECT p.ticket_id, t.org_id, p.user_id FROM participants p JOIN tickets t ON t.id = p.ticket_id
		 WHERE t.org_id IN (?) AND p.role = 'cc'`,
		orgIDs, func(c TicketCC) { out = append(out, c) })
	sortCCs(out)
	return out, err
}

// TicketRefsOfRequesters returns the tickets those users requested (R2),
// ordered by id.
func (q *queries) TicketRefsOfRequesters(ctx context.Context, userIDs []int64) ([]TicketRef, error) {
	var out []TicketRef
	err := inChunks(ctx, q, "list tickets of requesters", scanTicketRef,
		`SELECT id, org_id, requester_id FROM tickets WHERE requester_id IN (?)`,
		userIDs, func(t TicketRef) { out = append(out, t) })
	slices.SortFunc(out, func(a, b TicketRef) int { return cmp.Compare(a.ID, b.ID) })
	return out, err
}

// TicketCCsOfUsers returns the tickets on which those users are CCs (R3),
// with each ticket's organisation, ordered by ticket, then user.
func (q *queries) TicketCCsOfUsers(ctx context.Context, userIDs []int64) ([]TicketCC, error) {
	var out []TicketCC
	err := inChunks(ctx, q, "list tickets of CCs", scanTicketCC,
		`SELECT p.ticket_id, t.org_id, p.user_id FROM participants p JOIN tickets t ON t.id = p.ticket_id
		 WHERE p.user_id IN (?) AND p.role = 'cc'`,
		userIDs, func(c TicketCC) { out = append(out, c) })
	sortCCs(out)
	return out, err
}

func sortCCs(cs []TicketCC) {
	slices.SortFunc(cs, func(a, b TicketCC) int {
		return cmp.Or(cmp.Compare(a.TicketID, b.TicketID), cmp.Compare(a.UserID, b.UserID))
	})
}
