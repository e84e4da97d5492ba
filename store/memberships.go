package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"

	"github.com/helpdesk-gw/helpdesk/model"
)

func scanMembership(r rowScanner) (model.Membership, error) {
	var m model.Membership
	err := r.Scan(&m.UserID, &m.OrgID, &m.Access, &m.FollowAll, &m.Source, (*dbTime)(&m.CreatedAt))
	return m, err
}

// UpsertMembership creates the membership of m.UserID in m.OrgID, or updates
// its access, follow-all flag and source; CreatedAt is kept from the first
// time. An empty access is "own" (A2).
func (q *queries) UpsertMembership(ctx context.Context, m model.Membership) error {
	if m.Access == "" {
		m.Access = model.MemberAccessOwn
	}
	q.stamp(&m.CreatedAt)
	_, err := q.execRow(ctx, fmt.Sprintf("set membership of user %d in organisation %d", m.UserID, m.OrgID),
		"memberships", membershipCols, membershipUpsert, membershipValues(m))
	return err
}

// DeleteMembership removes a user from an organisation; ErrNotFound if the
// user was not a member.
func (q *queries) DeleteMembership(ctx context.Context, userID, orgID int64) error {
	return q.execOne(ctx, fmt.Sprintf("delete membership of user %d in organisation %d", userID, orgID),
		`DELETE FROM memberships WHERE user_id = ? AND org_id = ?`, userID, orgID)
}

// MembershipsOfUser returns a user's memberships, ordered by organisation id.
func (q *queries) MembershipsOfUser(ctx context.Context, userID int64) ([]model.Membership, error) {
	return getAll(ctx, q, fmt.Sprintf("list memberships of user %d", userID), scanMembership,
		`SELECT `+membershipCols+` FROM memberships WHERE user_id = ? ORDER BY org_id`, userID)
}

// MembershipsOfOrg returns an organisation's memberships, ordered by user id.
func (q *queries) MembershipsOfOrg(ctx context.Context, orgID int64) ([]model.Membership, error) {
	return getAll(ctx, q, fmt.Sprintf("list memberships of organisation %d", orgID), scanMembership,
		`SELECT `+membershipCols+` FROM memberships WHERE org_id = ? ORDER BY user_id`, orgID)
}

// MembershipsOfOrgWithAccess is MembershipsOfOrg limited to the
// memberships with that access (A2): who may see an organisation's
// tickets they are not named on, without reading its every member (issue
// 20: BIG's 5,000 own members, read for each batch of its new tickets).
func (q *queries) MembershipsOfOrgWithAccess(ctx context.Context, orgID int64, access model.MemberAccess) ([]model.Membership, error) {
	return getAll(ctx, q, fmt.Sprintf("list %s memberships of organisation %d", access, orgID), scanMembership,
		`SELECT `+membershipCols+` FROM memberships WHERE org_id = ? AND access = ? ORDER BY user_id`, orgID, string(access))
}

// membershipsOfOrgWithAccessOr is MembershipsOfOrgWithAccess with the
// memberships of users as well, whatever their access, ordered by user id
// (a deferred transaction applies its pending upserts to those).
func (q *queries) membershipsOfOrgWithAccessOr(ctx context.Context, orgID int64, access model.MemberAccess, users []int64) ([]model.Membership, error) {
	if len(users) == 0 {
		return q.MembershipsOfOrgWithAccess(ctx, orgID, access)
	}
	users = slices.Compact(slices.Sorted(slices.Values(users)))
	if len(users) > idChunk {
		return q.MembershipsOfOrg(ctx, orgID)
	}
	op := fmt.Sprintf("list %s memberships of organisation %d", access, orgID)
	query, args, err := sqlx.In(`SELECT `+membershipCols+` FROM memberships
		WHERE org_id = ? AND (access = ? OR user_id IN (?)) ORDER BY user_id`, orgID, string(access), users)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return getAll(ctx, q, op, scanMembership, query, args...)
}

// MembershipsOfUsers returns the memberships of several users at once,
// keyed by user, each list ordered by organisation.
func (q *queries) MembershipsOfUsers(ctx context.Context, ids []int64) (map[int64][]model.Membership, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	out := make(map[int64][]model.Membership, len(ids))
	for chunk := range slices.Chunk(ids, idChunk) {
		query, args, err := sqlx.In(`SELECT `+membershipCols+` FROM memberships WHERE user_id IN (?) ORDER BY user_id, org_id`, chunk)
		if err != nil {
			return nil, fmt.Errorf("list memberships of users: %w", err)
		}
		ms, err := getAll(ctx, q, "list memberships of users", scanMembership, query, args...)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			out[m.UserID] = append(out[m.UserID], m)
		}
	}
	return out, nil
}

// FollowAllMembersOfOrg returns the memberships of orgID that follow every
// ticket of the organisation (N5: follow_all with access org), by user.
func (q *queries) FollowAllMembersOfOrg(ctx context.Context, orgID int64) ([]model.Membership, error) {
	return getAll(ctx, q, fmt.Sprintf("list follow-all members of organisation %d", orgID), scanMembership,
		`SELECT `+membershipCols+` FROM memberships WHERE org_id = ? AND follow_all AND access = 'org' ORDER BY user_id`, orgID)
}

// ListMemberships returns every membership, ordered by user, then organisation.
func (q *queries) ListMemberships(ctx context.Context) ([]model.Membership, error) {
	return getAll(ctx, q, "list memberships", scanMembership,
		`SELECT `+membershipCols+` FROM memberships ORDER BY user_id, org_id`)
}
