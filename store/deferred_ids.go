package store

import (
	"context"
	"fmt"
)

// idPool hands out ids of one table taken in advance, so that a deferred
// row has its id before it is written.
type idPool struct {
	free []int64
	next int64 // SQLite: the next id, counted here (the transaction holds the write lock)
	grab int   // PostgreSQL: how many to take from the sequence next time
}

// Largest block of ids taken from a sequence at once; unused ones are
// skipped, as any rolled-back insert skips its id.
const maxIDBlock = 512

// newID returns the next id of table, taking a block from the database
// when none is left: nextval of the table's sequence on PostgreSQL (safe
// beside other processes), one more than the largest id ever used on
// SQLite, where the transaction holds the write lock.
func (t *Tx) newID(ctx context.Context, table string) (int64, error) {
	d := t.d
	p := d.ids[table]
	if p == nil {
		p = &idPool{grab: 16}
		d.ids[table] = p
		if t.backend == SQLite {
			var top, seq int64
			if err := d.raw.QueryRowxContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&top); err != nil {
				return 0, fmt.Errorf("next id of %s: %w", table, translate(err))
			}
			// AUTOINCREMENT never reuses an id, even of a deleted row.
			_ = d.raw.QueryRowxContext(ctx, `SELECT seq FROM sqlite_sequence WHERE name = ?`, table).Scan(&seq)
			p.next = max(top, seq) + 1
		}
	}
	if t.backend == SQLite {
		id := p.next
		p.next++
		return id, nil
	}
	if len(p.free) == 0 {
		// The sequence is looked up once (a MATERIALIZED CTE), not once
		// per id: pg_get_serial_sequence opens the table each time.
		rows, err := d.raw.QueryxContext(ctx, `WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence($1, 'id')::regclass AS seq)
			SELECT nextval(s.seq) FROM s, generate_series(1, $2)`, table, p.grab)
		if err != nil {
			return 0, fmt.Errorf("take ids of %s: %w", table, translate(err))
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return 0, fmt.Errorf("take ids of %s: %w", table, translate(err))
			}
			p.free = append(p.free, id)
		}
		if err := rows.Close(); err != nil {
			return 0, fmt.Errorf("take ids of %s: %w", table, translate(err))
		}
		if len(p.free) == 0 {
			return 0, fmt.Errorf("take ids of %s: the sequence gave none", table)
		}
		p.grab = min(2*p.grab, maxIDBlock)
	}
	id := p.free[0]
	p.free = p.free[1:]
	return id, nil
}

// expectIDs sizes the next block of table's ids for n rows to come.
func (t *Tx) expectIDs(table string, n int) {
	if t.backend != Postgres || n <= 0 {
		return
	}
	p := t.d.ids[table]
	if p == nil {
		p = &idPool{}
		t.d.ids[table] = p
	}
	p.grab = min(max(n, 16), maxIDBlock)
}
