package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/store"
)

// alsoError is an error of the caller's function run in a batch's
// transaction: it aborts the batch and is returned as it is.
type alsoError struct{ err error }

func (e alsoError) Error() string { return e.err.Error() }
func (e alsoError) Unwrap() error { return e.err }

// IngestBatch records several messages in one store transaction (group
// commit), then runs also(ctx, tx) in the same transaction, so that what
// the caller writes there (an IMAP checkpoint) commits with the messages or
// not at all. Results are in the order of ins; each is what Ingest would
// have returned for that message, in that order.
//
// When the batch cannot commit as a whole because processing one message
// failed (which Ingest records as failed) or raced with another process, it
// falls back to Ingest one message at a time and then runs also in a
// transaction of its own.
//
// An error means the store could not be reached, ctx ended, or also failed
// (its error is returned unwrapped for errors.Is). Then the batch was not
// committed, except in the fallback, where the messages before the one that
// failed may have been recorded: ingesting them again gives "duplicate".
// Dry runs are refused.
func (p *Pipeline) IngestBatch(ctx context.Context, ins []Input, also func(ctx context.Context, tx *store.Tx) error) ([]Result, error) {
	for _, in := range ins {
		if in.DryRun {
			return nil, errors.New("ingest batch: dry runs go one by one through Ingest")
		}
	}
	results, err := p.batchOnce(ctx, ins, also)
	if err == nil {
		return results, nil
	}
	var ae alsoError
	switch {
	case errors.As(err, &ae):
		return nil, fmt.Errorf("ingest batch: %w", ae.err)
	case ctx.Err() != nil:
		return nil, fmt.Errorf("ingest batch: %w", ctx.Err())
	case isStoreUnavailable(err):
		return nil, fmt.Errorf("ingest batch: %w", err)
	}
	p.log.Warn("batch not committed as a whole; ingesting its messages one by one", "messages", len(ins), "err", err)
	return p.oneByOne(ctx, ins, also)
}

// batchOnce runs the whole batch in one transaction.
func (p *Pipeline) batchOnce(ctx context.Context, ins []Input, also func(ctx context.Context, tx *store.Tx) error) ([]Result, error) {
	var results []Result
	err := p.opts.Store.InTx(ctx, func(tx *store.Tx) (err error) {
		results = make([]Result, 0, len(ins)) // InTx may run this again
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("internal error: %v", r)
				p.log.Error("ingest panic in batch", "panic", r, "stack", string(debug.Stack()))
			}
		}()
		for i, in := range ins {
			sum := sha256.Sum256(in.Raw)
			r := &run{p: p, tx: tx, facts: access.NewFacts(tx), in: in, hash: hex.EncodeToString(sum[:]), now: p.opts.Clock().UTC()}
			res, err := r.process(ctx)
			if err != nil {
				return fmt.Errorf("message %d of %d in batch: %w", i+1, len(ins), err)
			}
			results = append(results, res)
		}
		if also != nil {
			if err := also(ctx, tx); err != nil {
				return alsoError{err}
			}
		}
		return nil
	})
	return results, err
}

// oneByOne is the fallback of a batch that failed: every message in its own
// transaction, then also in one more.
func (p *Pipeline) oneByOne(ctx context.Context, ins []Input, also func(ctx context.Context, tx *store.Tx) error) ([]Result, error) {
	results := make([]Result, len(ins))
	for i, in := range ins {
		res, err := p.Ingest(ctx, in)
		if err != nil {
			return nil, err
		}
		results[i] = res
	}
	if also == nil {
		return results, nil
	}
	if err := p.opts.Store.InTx(ctx, func(tx *store.Tx) error { return also(ctx, tx) }); err != nil {
		return nil, fmt.Errorf("ingest batch: %w", err)
	}
	return results, nil
}
