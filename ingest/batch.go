package ingest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/helpdesk-gw/helpdesk/autoreply"
	"github.com/helpdesk-gw/helpdesk/message"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/ticket"
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
	if err := p.refreshIntake(ctx); err != nil {
		return nil, err
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

// batchOnce runs the whole batch in one transaction. The messages are
// hashed and parsed first, on every CPU, outside the transaction; the
// transaction defers its writes (store.Tx.Defer) and reads what the batch
// will look up with a few queries (store.Tx.Prefetch), so that a message
// costs few round trips to the database, not one per row.
func (p *Pipeline) batchOnce(ctx context.Context, ins []Input, also func(ctx context.Context, tx *store.Tx) error) ([]Result, error) {
	pres := p.prepare(ins)
	now := p.opts.Clock().UTC()
	pf := prefetchOf(pres, now)
	var results []Result
	err := p.opts.Store.InTx(ctx, func(tx *store.Tx) (err error) {
		results = make([]Result, 0, len(ins)) // InTx may run this again
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("internal error: %v", r)
				p.log.Error("ingest panic in batch", "panic", r, "stack", string(debug.Stack()))
			}
		}()
		tx.Defer()
		if err := tx.Prefetch(ctx, pf); err != nil {
			return err
		}
		for i, in := range ins {
			r := p.newRun(tx, in, pres[i].hash)
			if pres[i].ok {
				r.pre = pres[i]
			}
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

// parsed is a message hashed and parsed ahead of its transaction.
type parsed struct {
	raw  []byte // the message it was made from
	hash string
	msg  *message.Message
	err  error
	ok   bool // parsed: false when the pipeline does not parse it, or the parser panicked
	// class is what B1/B3 make of it (autoreply.Classify), when classified
	class      autoreply.Classification
	classified bool
	// reply is what the sender wrote (message.Reply), when replied
	reply   string
	replied bool
}

// Prepare does ahead of IngestBatch, on half the CPUs, the work of its
// messages that needs no store (hashing, parsing, classifying, trimming
// quotes), and keeps it in ins, so that IngestBatch(ins) need not do it
// again. It writes nothing. The IMAP poller calls it for the next batch
// while the current one is recorded. An Input must not change between
// Prepare and IngestBatch.
func (p *Pipeline) Prepare(ins []Input) {
	// Half the CPUs: the rest of the process, and the database, are busy
	// recording the batch before this one (the poller calls Prepare while
	// it commits); taking every CPU would slow that, the critical path.
	for i, pr := range p.prepareOn(ins, max(1, runtime.GOMAXPROCS(0)/2)) {
		ins[i].pre = pr
	}
}

// prepare hashes and parses the messages of a batch on every CPU, or
// takes what Prepare did for them.
func (p *Pipeline) prepare(ins []Input) []*parsed {
	return p.prepareOn(ins, runtime.GOMAXPROCS(0))
}

// prepareOn is prepare on that many goroutines.
func (p *Pipeline) prepareOn(ins []Input, workers int) []*parsed {
	out := make([]*parsed, len(ins))
	todo := false
	for i, in := range ins {
		if in.pre != nil && in.pre.of(in.Raw) {
			out[i] = in.pre
		} else {
			todo = true
		}
	}
	if !todo {
		return out
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, len(ins)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < len(ins); i = int(next.Add(1)) - 1 {
				if out[i] == nil {
					out[i] = p.prepareOne(ins[i])
				}
			}
		}()
	}
	wg.Wait()
	return out
}

// prepareOne hashes a message and parses it when the pipeline would. A
// parser panic leaves it unparsed: the transaction parses it again and
// records what happens, as for a single message.
func (p *Pipeline) prepareOne(in Input) (pr *parsed) {
	pr = &parsed{hash: hashOf(in.Raw), raw: in.Raw}
	max := p.maxBytes(in)
	if in.Failed != "" || in.Size > int64(len(in.Raw)) || (max > 0 && int64(len(in.Raw)) > max) {
		return pr
	}
	defer func() {
		if recover() != nil {
			pr.msg, pr.err, pr.ok = nil, nil, false
		}
	}()
	pr.msg, pr.err = message.Parse(in.Raw, p.opts.Parse)
	pr.ok = true
	if pr.err == nil && pr.msg != nil {
		pr.class, pr.classified = autoreply.ClassifyParsed(headerOf(pr.msg), rawBody(in.Raw), parsedOf(pr.msg), ""), true
		pr.reply, pr.replied = pr.msg.Reply(), true
	}
	return pr
}

// of reports whether pr was made from raw (the same bytes in memory).
func (pr *parsed) of(raw []byte) bool {
	return len(pr.raw) == len(raw) && (len(raw) == 0 || &pr.raw[0] == &raw[0])
}

// prefetchOf lists what the batch will look up.
func prefetchOf(pres []*parsed, now time.Time) store.Prefetch {
	pf := store.Prefetch{Messages: len(pres), AutomaticSince: now.Add(-ticket.AckWindow), CommentsSince: now.Add(-loopWindow)}
	for _, pr := range pres {
		pf.Hashes = append(pf.Hashes, pr.hash)
		m := pr.msg
		if m == nil {
			continue
		}
		if m.MessageID != "" {
			pf.Senders = append(pf.Senders, store.MessageFrom{MessageID: m.MessageID, From: m.From.Email})
			pf.MessageIDs = append(pf.MessageIDs, m.MessageID)
		}
		pf.MessageIDs = append(pf.MessageIDs, m.InReplyTo...)
		pf.MessageIDs = append(pf.MessageIDs, m.References...)
		pf.Emails = append(pf.Emails, m.From.Email)
		for _, list := range [][]message.Address{m.ReplyTo, m.To, m.Cc} {
			for _, a := range list {
				pf.Emails = append(pf.Emails, a.Email)
			}
		}
	}
	return pf
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
