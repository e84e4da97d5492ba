package store

import (
	"context"

	"github.com/helpdesk-gw/helpdesk/model"
)

// Querier is the read side of the store, served both by *Store (outside a
// transaction) and by *Tx (inside one), so that code which only reads, such
// as access explanations, works in either.
type Querier interface {
	ListOrgs(ctx context.Context) ([]model.Organisation, error)
	OrgBySlug(ctx context.Context, slug string) (model.Organisation, error)
	UserByEmail(ctx context.Context, email string) (model.User, error)
	UserByID(ctx context.Context, id int64) (model.User, error)
	UsersByIDs(ctx context.Context, ids []int64) (map[int64]model.User, error)
	ListUsers(ctx context.Context) ([]model.User, error)
	ListStaff(ctx context.Context) ([]model.User, error)
	MembershipsOfUser(ctx context.Context, userID int64) ([]model.Membership, error)
	MembershipsOfOrg(ctx context.Context, orgID int64) ([]model.Membership, error)
	MembershipsOfOrgWithAccess(ctx context.Context, orgID int64, access model.MemberAccess) ([]model.Membership, error)
	MembershipsOfUsers(ctx context.Context, ids []int64) (map[int64][]model.Membership, error)
	FollowAllMembersOfOrg(ctx context.Context, orgID int64) ([]model.Membership, error)
	TicketByID(ctx context.Context, id int64) (model.Ticket, error)
	ListTickets(ctx context.Context, f TicketFilter) ([]model.Ticket, error)
	Participants(ctx context.Context, ticketID int64) ([]model.Participant, error)
}

var (
	_ Querier = (*Store)(nil)
	_ Querier = (*Tx)(nil)
)
