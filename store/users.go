package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/jmoiron/sqlx"
)

func scanUser(r rowScanner) (model.User, error) {
	var u model.User
	err := r.Scan(&u.ID, &u.Email, &u.Name, &u.StaffRole, (*nullID)(&u.DefaultOrgID),
		&u.Registered, &u.Bouncing, &u.Notify, (*dbTime)(&u.CreatedAt))
	return u, err
}

// CreateUser stores a new user (email lower-cased) and sets u.ID. An email
// already known is ErrDuplicate.
func (q *queries) CreateUser(ctx context.Context, u *model.User) error {
	u.Email = model.NormalizeEmail(u.Email)
	q.stamp(&u.CreatedAt)
	id, err := q.insertRow(ctx, "insert user "+u.Email, "users", userInsertCols, userValues(u))
	if err != nil {
		return err
	}
	u.ID = id
	return nil
}

// UpdateUser stores u's name, staff role, default organisation, registered
// and bouncing flags, and notify setting (N7).
func (q *queries) UpdateUser(ctx context.Context, u *model.User) error {
	return q.execOne(ctx, fmt.Sprintf("update user %d", u.ID),
		`UPDATE users SET name = ?, staff_role = ?, default_org_id = ?, registered = ?, bouncing = ?, notify = ? WHERE id = ?`,
		u.Name, string(u.StaffRole), nullID(u.DefaultOrgID), u.Registered, u.Bouncing, string(u.Notify.Or()), u.ID)
}

// SetBouncing marks the user with that email as bouncing or not (B3).
func (q *queries) SetBouncing(ctx context.Context, email string, bouncing bool) error {
	email = model.NormalizeEmail(email)
	return q.execOne(ctx, "set bouncing of "+email,
		`UPDATE users SET bouncing = ? WHERE email = ?`, bouncing, email)
}

// UserByEmail returns the user with that email (any case), or ErrNotFound.
func (q *queries) UserByEmail(ctx context.Context, email string) (model.User, error) {
	email = model.NormalizeEmail(email)
	return getOne(ctx, q, "get user "+email, scanUser,
		`SELECT `+userCols+` FROM users WHERE email = ?`, email)
}

// UserByID returns the user with that id, or ErrNotFound.
func (q *queries) UserByID(ctx context.Context, id int64) (model.User, error) {
	return getOne(ctx, q, fmt.Sprintf("get user %d", id), scanUser,
		`SELECT `+userCols+` FROM users WHERE id = ?`, id)
}

// idChunk bounds the ids of one IN (…) list.
const idChunk = 500

// UsersByIDs returns the users with those ids, by id; unknown ids are absent.
func (q *queries) UsersByIDs(ctx context.Context, ids []int64) (map[int64]model.User, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	out := make(map[int64]model.User, len(ids))
	for chunk := range slices.Chunk(ids, idChunk) {
		query, args, err := sqlx.In(`SELECT `+userCols+` FROM users WHERE id IN (?)`, chunk)
		if err != nil {
			return nil, fmt.Errorf("get users by id: %w", err)
		}
		users, err := getAll(ctx, q, "get users by id", scanUser, query, args...)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			out[u.ID] = u
		}
	}
	return out, nil
}

// ListUsers returns every user, ordered by id.
func (q *queries) ListUsers(ctx context.Context) ([]model.User, error) {
	return getAll(ctx, q, "list users", scanUser, `SELECT `+userCols+` FROM users ORDER BY id`)
}

// ListStaff returns the users with a staff role, ordered by id.
func (q *queries) ListStaff(ctx context.Context) ([]model.User, error) {
	return getAll(ctx, q, "list staff", scanUser,
		`SELECT `+userCols+` FROM users WHERE staff_role <> '' ORDER BY id`)
}

// CountStaff counts the users with exactly that staff role, or with any
// staff role when role is RoleNone (0 means an empty store: S1's first owner).
func (q *queries) CountStaff(ctx context.Context, role model.StaffRole) (int, error) {
	if role == model.RoleNone {
		return q.count(ctx, "count staff", `SELECT COUNT(*) FROM users WHERE staff_role <> ''`)
	}
	return q.count(ctx, "count staff", `SELECT COUNT(*) FROM users WHERE staff_role = ?`, string(role))
}

// ListBouncing returns the users marked bouncing (B3), by email.
func (q *queries) ListBouncing(ctx context.Context) ([]model.User, error) {
	return getAll(ctx, q, "list bouncing users", scanUser, `SELECT `+userCols+` FROM users WHERE bouncing = ? ORDER BY email`, true)
}
