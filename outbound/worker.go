package outbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/threading"
)

// Options configure a Worker. Store, Transport and Addresses are required;
// zero values of the rest take the defaults named.
type Options struct {
	Store     *store.Store
	Transport Transport           // a *Sender, or a Dir
	Addresses threading.Addresses // From (the support address), VERP return paths, own addresses (B2)
	// HelpdeskName is the display name of the helpdesk ("Support"), used
	// when a row has none and on Reply-To.
	HelpdeskName string
	// Batch is how many rows one claim takes (default 500: a round loads
	// each ticket once for all its rows).
	Batch int
	// Concurrency is how many rows are in hand at once (send-time check,
	// build, send): default 4 more than the Transport's Connections() when
	// it has that method, else 4. Rows beyond the connections wait for one
	// with their check done, so the store's latency hides behind the relay's.
	Concurrency int
	// Lease is how long a claimed row stays hidden from other claimers: the
	// next attempt time written before the attempt (default 5 minutes; it
	// must outlast a send, Grace included).
	Lease time.Duration
	// Backoff is the retry schedule of temporary failures; nil means
	// DefaultBackoff(). Tests set its durations to zero.
	Backoff *Backoff
	// Grace is how long sends in flight may finish once Run's context ends
	// (default 15 s); then they are cut and their rows given back.
	Grace time.Duration
	// MaxWait is the longest sleep between two looks at the outbox, for
	// rows queued by other processes, which cannot Wake this one
	// (default 30 s).
	MaxWait time.Duration
	Logger  *slog.Logger
	Clock   func() time.Time // default time.Now
	Random  func() float64   // jitter, in [0, 1); default math/rand/v2
}

// Stats are the Worker's counters since New, for /metrics.
type Stats struct {
	Claimed     uint64 // rows claimed (attempts started)
	Sent        uint64 // accepted by the relay
	Retried     uint64 // temporary failures, rescheduled
	Failed      uint64 // permanent failures, and rows given up after Backoff.MaxAttempts
	Withheld    uint64 // stopped by the send-time check (B2, B3, N1, N2, R7), marked failed
	Released    uint64 // claimed but not attempted (shutdown), given back
	StoreErrors uint64 // store calls that failed (a round skipped, a mark retried)
	InFlight    int64  // sends in progress now
}

// Worker delivers the outbox. Run it once per process; several processes
// may run one each against one PostgreSQL store.
type Worker struct {
	o     Options
	log   *slog.Logger
	wake  chan struct{}
	stats struct {
		claimed, sent, retried, failed, withheld, released, storeErrors atomic.Uint64
		inFlight                                                        atomic.Int64
	}
}

// New checks o and returns a Worker.
func New(o Options) (*Worker, error) {
	if o.Store == nil || o.Transport == nil || o.Addresses.Signer == nil || o.Addresses.Domain == "" {
		return nil, errors.New("outbound: Store, Transport and Addresses are required")
	}
	if o.HelpdeskName == "" {
		o.HelpdeskName = "Support"
	}
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
		if p, ok := o.Transport.(interface{ Connections() int }); ok {
			o.Concurrency = p.Connections() + 4
		}
	}
	if o.Lease <= 0 {
		o.Lease = 5 * time.Minute
	}
	if o.Backoff == nil {
		b := DefaultBackoff()
		o.Backoff = &b
	}
	if o.Grace <= 0 {
		o.Grace = 15 * time.Second
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Random == nil {
		o.Random = rand.Float64
	}
	return &Worker{o: o, log: o.Logger, wake: make(chan struct{}, 1)}, nil
}

// Wake tells the worker that rows were queued; it never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Stats returns the counters.
func (w *Worker) Stats() Stats {
	s := &w.stats
	return Stats{Claimed: s.claimed.Load(), Sent: s.sent.Load(), Retried: s.retried.Load(), Failed: s.failed.Load(),
		Withheld: s.withheld.Load(), Released: s.released.Load(), StoreErrors: s.storeErrors.Load(), InFlight: s.inFlight.Load()}
}

// minWait keeps an empty claim from spinning on a row that another
// claimer holds locked.
const minWait = 10 * time.Millisecond

// Run delivers due rows until ctx ends: it claims a batch, sends it with
// Concurrency sends at once, and sleeps until the next row is due, Wake is
// called, or MaxWait passes. When ctx ends it claims nothing more, gives
// back rows not yet started, lets sends in flight finish for Grace, then
// cuts them (their rows are given back too), records what was sent, and
// returns nil. Store errors are logged and retried; they never end Run.
func (w *Worker) Run(ctx context.Context) error {
	sendCtx, cut := context.WithCancel(context.WithoutCancel(ctx))
	defer cut()
	stopGrace := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(w.o.Grace, cut)
		<-sendCtx.Done()
		t.Stop()
	})
	defer stopGrace()
	marks := newMarker(w)
	defer marks.close()
	// The hands live across rounds: the next batch is claimed as soon as
	// the last row of this one is taken, not when it is finished.
	jobs := make(chan job)
	var hands sync.WaitGroup
	for range w.o.Concurrency {
		hands.Go(func() {
			facts := &factsReader{access.NewFacts(w.o.Store)}
			for j := range jobs {
				w.deliver(ctx, sendCtx, facts, j.rc, marks, j.row)
			}
		})
	}
	defer hands.Wait()
	defer close(jobs)
	w.log.Info("outbound worker started", "batch", w.o.Batch, "concurrency", w.o.Concurrency)
	for ctx.Err() == nil {
		n, err := w.round(ctx, jobs)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			w.stats.storeErrors.Add(1)
			w.log.Error("outbound round failed; trying again", "err", err)
		}
		if n >= w.o.Batch && err == nil {
			continue // more may be due at once
		}
		w.sleep(ctx, n == 0 || err != nil)
	}
	w.log.Info("outbound worker stopping", "in_flight", w.stats.inFlight.Load())
	return nil
}

// job is one claimed row handed to a goroutine, with its round's cache.
type job struct {
	row model.OutboxMessage
	rc  *roundCache
}

// sleep waits until the next row is due (at least minWait when the last
// claim found nothing), a Wake, MaxWait, or the end of ctx.
func (w *Worker) sleep(ctx context.Context, idle bool) {
	d := w.o.MaxWait
	due, ok, err := w.o.Store.NextOutboxDue(ctx)
	if err != nil && ctx.Err() == nil {
		w.stats.storeErrors.Add(1)
		w.log.Error("outbound: next due row", "err", err)
	} else if ok {
		d = min(d, due.Sub(w.o.Clock()))
	}
	if idle {
		d = max(d, minWait)
	}
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-w.wake:
	case <-t.C:
	}
}

// round claims one batch and hands its rows out; it returns the rows
// claimed. Rows not handed out when ctx ends are given back.
func (w *Worker) round(ctx context.Context, jobs chan<- job) (int, error) {
	rows, err := w.o.Store.ClaimOutbox(ctx, w.o.Clock(), w.o.Batch, w.o.Lease)
	if err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		return 0, nil
	}
	w.stats.claimed.Add(uint64(len(rows)))
	rc := newRoundCache()
	for i, row := range rows {
		select {
		case jobs <- job{row: row, rc: rc}:
			continue
		case <-ctx.Done():
		}
		for _, r := range rows[i:] {
			w.release(r)
		}
		break
	}
	return len(rows), nil
}

// deliver makes one attempt at row: the send-time check, the message, the
// send, and the row's new state.
func (w *Worker) deliver(ctx, sendCtx context.Context, facts *factsReader, rc *roundCache, marks *marker, row model.OutboxMessage) {
	if ctx.Err() != nil {
		w.release(row)
		return
	}
	w.stats.inFlight.Add(1)
	defer w.stats.inFlight.Add(-1)
	log := w.log.With("outbox_id", row.ID, "attempt", row.Attempts, "ticket", row.TicketID, "kind", string(row.Kind))
	why, err := w.withhold(sendCtx, facts, rc, row)
	if err != nil && sendCtx.Err() != nil {
		w.release(row)
		return
	}
	if err != nil {
		w.stats.storeErrors.Add(1)
		w.retry(log, row, fmt.Errorf("send-time check: %w", err))
		return
	}
	if why != "" {
		w.stats.withheld.Add(1)
		log.Info("notification withheld", "to", row.To, "why", why)
		w.fail(log, row, why)
		return
	}
	msg, err := BuildMessage(row, Envelope{From: w.o.Addresses.Support(), HelpdeskName: w.o.HelpdeskName,
		ReturnPath: w.o.Addresses.BounceAddress(row.ID), Date: w.o.Clock()})
	if err != nil {
		w.stats.failed.Add(1)
		log.Error("notification cannot be built", "to", row.To, "err", err)
		w.fail(log, row, "cannot build the message: "+err.Error())
		return
	}
	err = w.o.Transport.Send(sendCtx, msg)
	switch {
	case err == nil:
		w.stats.sent.Add(1)
		log.Info("notification sent", "to", row.To, "message_id", row.MessageID)
		marks.sent(row.ID)
	case IsPermanent(err):
		w.stats.failed.Add(1)
		log.Warn("notification refused", "to", row.To, "err", err)
		w.fail(log, row, err.Error())
	case sendCtx.Err() != nil:
		log.Warn("send cut at shutdown; row given back", "to", row.To, "err", err)
		w.release(row)
	default:
		w.retry(log, row, err)
	}
}

// storeTimeout bounds each bookkeeping write; they run on a context that
// outlives Run's, so that a shutdown still records what happened.
const storeTimeout = 10 * time.Second

func (w *Worker) storeCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), storeTimeout)
}

// retry reschedules row after a temporary failure, or fails it for good
// once the Backoff gives up.
func (w *Worker) retry(log *slog.Logger, row model.OutboxMessage, cause error) {
	if w.o.Backoff.GivesUp(row.Attempts) {
		w.stats.failed.Add(1)
		log.Warn("notification given up", "to", row.To, "err", cause)
		w.fail(log, row, fmt.Sprintf("gave up after %d attempts: %v", row.Attempts, cause))
		return
	}
	w.stats.retried.Add(1)
	next := w.o.Clock().Add(w.o.Backoff.Delay(row.Attempts, w.o.Random()))
	log.Info("notification delayed", "to", row.To, "err", cause, "next_attempt", next)
	ctx, cancel := w.storeCtx()
	defer cancel()
	if err := w.o.Store.Reschedule(ctx, row.ID, next, cause.Error()); err != nil {
		w.stats.storeErrors.Add(1)
		log.Error("reschedule failed; the lease will bring the row back", "err", err)
	}
}

func (w *Worker) fail(log *slog.Logger, row model.OutboxMessage, why string) {
	ctx, cancel := w.storeCtx()
	defer cancel()
	if err := w.o.Store.MarkFailed(ctx, row.ID, why); err != nil {
		w.stats.storeErrors.Add(1)
		log.Error("mark failed failed; the lease will bring the row back", "err", err)
	}
}

// release gives back a row that was claimed but not attempted.
func (w *Worker) release(row model.OutboxMessage) {
	w.stats.released.Add(1)
	ctx, cancel := w.storeCtx()
	defer cancel()
	if err := w.o.Store.ReleaseOutbox(ctx, row.ID, w.o.Clock()); err != nil {
		w.stats.storeErrors.Add(1)
		w.log.Error("release failed; the lease will bring the row back", "outbox_id", row.ID, "err", err)
	}
}
