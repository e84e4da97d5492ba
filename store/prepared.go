package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/jmoiron/sqlx"
)

// prepared holds the statements a store runs over and over with different
// values: the deferred writes' multi-row INSERTs and their UPDATEs. On
// PostgreSQL a statement sent unprepared is parsed and planned each time,
// and planning a multi-row INSERT substitutes and copies every value of
// it (a raw message's bytes among them): a third of the database's time
// on the benchmark's mix (issue 20.6). Prepared once per connection, the
// server plans it a few times, then keeps a generic plan. SQLite runs
// them unprepared, as before.
type prepared struct {
	db *sqlx.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// stmt returns the statement of query, prepared on the pool the first
// time it is asked for.
func (p *prepared) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.m[query]; ok {
		return s, nil
	}
	s, err := p.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, translate(err)
	}
	if p.m == nil {
		p.m = map[string]*sql.Stmt{}
	}
	p.m[query] = s
	return s, nil
}

// close closes every statement.
func (p *prepared) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, s := range p.m {
		errs = append(errs, s.Close())
	}
	p.m = nil
	return errors.Join(errs...)
}

// execPrepared runs query (written with ?) with args in the transaction:
// prepared on PostgreSQL, as is on SQLite.
func (t *Tx) execPrepared(ctx context.Context, query string, args ...any) (sql.Result, error) {
	query = t.tx.Rebind(query)
	if t.backend != Postgres || t.prepared == nil {
		return t.tx.ExecContext(ctx, query, args...)
	}
	s, err := t.prepared.stmt(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	return t.tx.StmtContext(ctx, s).ExecContext(ctx, args...)
}
