package store

import (
	"context"
	"database/sql"
	"errors"
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
//
// A statement is prepared in the background the first time it is asked
// for, on a connection of the pool as one comes free, and the caller runs
// it unprepared meanwhile: a transaction that waited for a second
// connection to prepare on could wait for ever once every connection of
// the pool is held by a transaction doing the same. Preparations run one
// at a time: a batch asks for a dozen at once, and each would open a
// connection (a new server process) that the pool then closes.
type prepared struct {
	db      *sqlx.DB
	ctx     context.Context // cancelled by close
	cancel  context.CancelFunc
	wg      sync.WaitGroup // the preparations under way
	one     chan struct{}  // held by the preparation running: one at a time
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	pending map[string]bool
	closed  bool
}

// newPrepared returns an empty set of statements of db.
func newPrepared(db *sqlx.DB) *prepared {
	ctx, cancel := context.WithCancel(context.Background())
	return &prepared{db: db, ctx: ctx, cancel: cancel, one: make(chan struct{}, 1),
		m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// stmt returns the statement of query, or nil when it is not prepared yet;
// the first call starts preparing it. A preparation that fails is tried
// again at the next call.
func (p *prepared) stmt(query string) *sql.Stmt {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.m[query]; s != nil || p.closed || p.pending[query] {
		return s
	}
	p.pending[query] = true
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		var s *sql.Stmt
		var err error
		select {
		case p.one <- struct{}{}: // one at a time: a batch wants a dozen at once, each on a connection
			s, err = p.db.PrepareContext(p.ctx, query)
			<-p.one
		case <-p.ctx.Done():
			err = p.ctx.Err()
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		delete(p.pending, query)
		switch {
		case err != nil:
		case p.closed:
			s.Close()
		default:
			p.m[query] = s
		}
	}()
	return nil
}

// wait waits for the preparations under way.
func (p *prepared) wait() { p.wg.Wait() }

// close stops the preparations under way and closes every statement.
func (p *prepared) close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.wg.Wait()
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
// prepared on PostgreSQL once it is, as is until then and on SQLite.
func (t *Tx) execPrepared(ctx context.Context, query string, args ...any) (sql.Result, error) {
	query = t.tx.Rebind(query)
	if t.prepared != nil {
		if s := t.prepared.stmt(query); s != nil {
			return t.tx.StmtContext(ctx, s).ExecContext(ctx, args...)
		}
	}
	return t.tx.ExecContext(ctx, query, args...)
}
