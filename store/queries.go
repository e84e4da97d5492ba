package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// queries holds every query method; *Store and *Tx embed it, so the same
// reads and writes run either alone or inside a transaction.
type queries struct {
	db      sqlx.ExtContext
	backend Backend
	clock   func() time.Time
	// atomic runs fn in one transaction: a new one for a Store, the
	// current one for a Tx.
	atomic func(ctx context.Context, fn func(q *queries) error) error
	// prepared are the store's statements prepared once a connection
	// (PostgreSQL); nil on SQLite.
	prepared *prepared
}

// rowScanner is what sql.Row, sql.Rows and their sqlx forms share.
type rowScanner interface {
	Scan(dest ...any) error
}

// now is the clock's time, as it will be stored.
func (q *queries) now() time.Time { return normTime(q.clock()) }

// stamp normalises *t for storage, setting it to now when zero.
func (q *queries) stamp(t *time.Time) {
	if t.IsZero() {
		*t = q.now()
		return
	}
	*t = normTime(*t)
}

// exec runs a statement and returns the number of rows it affected.
func (q *queries) exec(ctx context.Context, op, query string, args ...any) (int64, error) {
	res, err := q.db.ExecContext(ctx, q.db.Rebind(query), args...)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, translate(err))
	}
	return n, nil
}

// execOne runs a statement that must affect a row, else ErrNotFound.
func (q *queries) execOne(ctx context.Context, op, query string, args ...any) error {
	n, err := q.exec(ctx, op, query, args...)
	if err == nil && n == 0 {
		err = fmt.Errorf("%s: %w", op, ErrNotFound)
	}
	return err
}

// insert runs an INSERT … RETURNING id and returns the id.
func (q *queries) insert(ctx context.Context, op, query string, args ...any) (int64, error) {
	var id int64
	err := q.db.QueryRowxContext(ctx, q.db.Rebind(query+" RETURNING id"), args...).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, translate(err))
	}
	return id, nil
}

// getOne runs a query for one row and scans it; no row is ErrNotFound.
func getOne[T any](ctx context.Context, q *queries, op string, scan func(rowScanner) (T, error),
	query string, args ...any) (T, error) {
	v, err := scan(q.db.QueryRowxContext(ctx, q.db.Rebind(query), args...))
	if err != nil {
		return v, fmt.Errorf("%s: %w", op, translate(err))
	}
	return v, nil
}

// getAll runs a query and scans every row, in order.
func getAll[T any](ctx context.Context, q *queries, op string, scan func(rowScanner) (T, error),
	query string, args ...any) ([]T, error) {
	rows, err := q.db.QueryxContext(ctx, q.db.Rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, translate(err))
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, translate(err))
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, translate(err))
	}
	return out, nil
}

// scanValue scans a single-column row.
func scanValue[T any](r rowScanner) (T, error) {
	var v T
	err := r.Scan(&v)
	return v, err
}

// count runs a SELECT COUNT(*) query.
func (q *queries) count(ctx context.Context, op, query string, args ...any) (int, error) {
	var n sql.NullInt64
	err := q.db.QueryRowxContext(ctx, q.db.Rebind(query), args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, translate(err))
	}
	return int(n.Int64), nil
}
