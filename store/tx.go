package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jmoiron/sqlx"
)

// Tx is one transaction. It has every query method of Store; they run inside
// the transaction. A Tx is used by one goroutine only.
type Tx struct {
	queries
	tx *sqlx.Tx
	d  *deferred // set by Defer
}

// Retry limits of InTx on PostgreSQL.
const (
	maxTxAttempts   = 5                     // in all, for serialization failures and deadlocks
	maxUniqueRetry  = 1                     // extra attempts after a unique violation
	retryBaseDelay  = 5 * time.Millisecond  // grows linearly with the attempt, plus jitter
	retryDelayLimit = 50 * time.Millisecond // upper bound of one pause
)

// InTx runs fn in one transaction: it commits when fn returns nil and rolls
// back when fn returns an error or panics (the panic continues). On
// PostgreSQL the transaction is SERIALIZABLE, and the whole of fn is run
// again, a few times, after a serialization failure or deadlock, and once
// after a unique violation (a concurrent insert of the same row, which the
// next attempt sees); fn must therefore have no effect outside tx. On SQLite
// the transaction takes the write lock at BEGIN, so writers run one at a time.
// Inside fn, use tx, never the Store: a write through the Store would wait
// for the lock the transaction holds.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	uniqueRetries := 0
	for attempt := 1; ; attempt++ {
		err := s.runTx(ctx, fn)
		if err == nil || s.backend != Postgres || attempt >= maxTxAttempts {
			return err
		}
		switch pgCode(err) {
		case pgSerializationFailure, pgDeadlockDetected:
		case pgUniqueViolation:
			if uniqueRetries >= maxUniqueRetry {
				return err
			}
			uniqueRetries++
		default:
			return err
		}
		s.log.Debug("retrying transaction", "attempt", attempt, "err", err)
		if err := sleep(ctx, retryDelay(attempt)); err != nil {
			return err
		}
	}
}

// runTx runs fn in one transaction, once.
func (s *Store) runTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	var opts *sql.TxOptions
	if s.backend == Postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelSerializable}
	}
	stx, err := s.db.BeginTxx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", translate(err))
	}
	tx := &Tx{tx: stx, queries: s.queries}
	tx.queries.db = stx
	tx.queries.atomic = func(ctx context.Context, fn func(q *queries) error) error { return fn(&tx.queries) }
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = stx.Rollback()
		if tx.d != nil && tx.d.err != nil && !errors.Is(err, tx.d.err) {
			// a failed flush made what followed fail: report its cause
			return fmt.Errorf("%w (then: %v)", tx.d.err, err)
		}
		return err
	}
	if err := tx.Flush(ctx); err != nil {
		_ = stx.Rollback()
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("commit transaction: %w", translate(err))
	}
	return nil
}

func retryDelay(attempt int) time.Duration {
	d := time.Duration(attempt) * retryBaseDelay
	d += rand.N(retryBaseDelay)
	return min(d, retryDelayLimit)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// withoutParallelWorkers makes the rest of the transaction plan without
// parallel workers (PostgreSQL only): for reads by key or by page, whose
// workers cost more to start than they save.
func (t *Tx) withoutParallelWorkers(ctx context.Context) error {
	if _, err := t.tx.ExecContext(ctx, `SET LOCAL max_parallel_workers_per_gather = 0`); err != nil {
		return fmt.Errorf("plan without parallel workers: %w", translate(err))
	}
	return nil
}
