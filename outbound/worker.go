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

	mail "github.com/wneessen/go-mail"

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
	// Concurrency is how many goroutines deliver rows at once (send-time
	// check, build, send), each a few rows of a batch in turn: default the
	// Transport's Connections() when it has that method, else 4. The store
	// reads of the check are made for a whole batch before it is handed out,
	// so more goroutines than connections would only queue for one (each
	// hand-over of a connection between goroutines costs a wake-up).
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
	// Sleeping, when set, is called each time the worker goes to sleep
	// between two looks at the outbox, with how long it means to sleep:
	// until the next row is due, MaxWait at most; Wake ends the sleep
	// sooner. Tests wait for it instead of sleeping themselves; nil does
	// nothing. It runs on the claiming goroutine and must return quickly.
	Sleeping func(d time.Duration)
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
	held  atomic.Int64 // rows claimed and not yet done with
	marks *marker
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
		if p, ok := o.Transport.(interface{ Connections() int }); ok && p.Connections() > 0 {
			o.Concurrency = p.Connections()
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

// firstClaim is the size of the first claim after a quiet spell.
const firstClaim = 32

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
	w.marks = marks
	defer marks.close()
	// The hands live across batches; the claimer works one batch ahead of
	// them, so that neither the claim nor the reads of the send-time check
	// keep the relay waiting.
	jobs := make(chan job)
	var hands sync.WaitGroup
	for range w.o.Concurrency {
		hands.Go(func() {
			for j := range jobs {
				for _, row := range j.rows {
					w.deliver(ctx, sendCtx, j.cache, marks, row)
					w.done(1)
				}
			}
		})
	}
	defer hands.Wait()
	defer close(jobs)
	w.log.Info("outbound worker started", "batch", w.o.Batch, "concurrency", w.o.Concurrency)
	batches := make(chan batch)
	go w.claimer(ctx, batches)
	for b := range batches {
		w.handOut(ctx, jobs, b)
	}
	w.log.Info("outbound worker stopping", "in_flight", w.stats.inFlight.Load())
	return nil
}

// batch is one claim: its rows, and what their send-time check reads.
type batch struct {
	rows  []model.OutboxMessage
	cache *checkCache
}

// job is a few rows of a batch handed to one goroutine, which delivers
// them in turn, with its batch's cache. Handing over rows a few at a time
// spares a wake-up of two goroutines a row.
type job struct {
	rows  []prepared
	cache *checkCache
}

// prepared is a row with its message, built while the goroutines send the
// rows handed out before it, or why it cannot make one (a permanent
// failure, recorded if the send-time check lets the row through).
type prepared struct {
	row model.OutboxMessage
	msg *mail.Msg
	err error
}

func (w *Worker) prepare(row model.OutboxMessage) prepared {
	from := w.o.Addresses.Support()
	if base := w.o.Addresses.ReplyBase(row.ReplyTo); base != "" {
		from = base // I10: notifications come From the intake address the ticket came in on
	}
	msg, err := BuildMessage(row, Envelope{From: from, HelpdeskName: w.o.HelpdeskName,
		ReturnPath: w.o.Addresses.BounceAddress(row.ID), Date: w.o.Clock()})
	return prepared{row: row, msg: msg, err: err}
}

// maxJobRows bounds the rows of one job.
const maxJobRows = 8

// claimer claims batches and passes them on until ctx ends, then closes
// batches. It claims the next batch as soon as the previous one is taken
// (when it was full), else sleeps until the next row is due, a Wake, or
// MaxWait. A batch not taken when ctx ends is given back.
func (w *Worker) claimer(ctx context.Context, batches chan<- batch) {
	defer close(batches)
	// After a quiet spell the first claim is small, so that the relay gets
	// its first rows at once; the claims double up to Batch while they come
	// back full, each made while the previous one is sent.
	first := min(w.o.Batch, firstClaim)
	want := first
	for ctx.Err() == nil {
		// Not ctx: a claim cut short by the stop may still commit and
		// return nothing, and its rows would stay hidden for the lease
		// (5 minutes by default); finished, they are given back below.
		cctx, cancel := w.storeCtx()
		rows, err := w.o.Store.ClaimOutbox(cctx, w.o.Clock(), want, w.o.Lease)
		cancel()
		if ctx.Err() != nil {
			w.held.Add(int64(len(rows)))
			w.giveBack(rows)
			break
		}
		if err != nil {
			w.stats.storeErrors.Add(1)
			w.log.Error("outbound claim failed; trying again", "err", err)
		}
		if len(rows) > 0 {
			w.stats.claimed.Add(uint64(len(rows)))
			w.held.Add(int64(len(rows)))
			b := batch{rows: rows, cache: w.newCheckCache(ctx, rows)}
			select {
			case batches <- b:
			case <-ctx.Done():
				w.giveBack(rows)
				return
			}
		}
		if len(rows) >= want && err == nil {
			want = min(2*want, w.o.Batch)
			continue // more may be due at once
		}
		want = first
		w.sleep(ctx, len(rows) == 0 || err != nil)
	}
}

// handOut builds the messages of b's rows and hands them to the
// goroutines, a few at a time (spread over all of them when the batch is
// small); rows not handed out when ctx ends are given back. A goroutine
// that finds ctx ended gives back the rows of its job it has not started.
func (w *Worker) handOut(ctx context.Context, jobs chan<- job, b batch) {
	n := min(maxJobRows, (len(b.rows)+w.o.Concurrency-1)/w.o.Concurrency)
	for i := 0; i < len(b.rows); i += n {
		if ctx.Err() == nil {
			chunk := b.rows[i:min(i+n, len(b.rows))]
			j := job{rows: make([]prepared, len(chunk)), cache: b.cache}
			for k, row := range chunk {
				j.rows[k] = w.prepare(row)
			}
			select {
			case jobs <- j:
				continue
			case <-ctx.Done():
			}
		}
		w.giveBack(b.rows[i:])
		return
	}
}

// giveBack releases rows that were claimed but are not to be attempted.
func (w *Worker) giveBack(rows []model.OutboxMessage) {
	for _, r := range rows {
		w.release(r)
	}
	w.done(len(rows))
}

// done counts n claimed rows as finished with; when none is left in hand,
// the sent marks pending are written at once.
func (w *Worker) done(n int) {
	if w.held.Add(-int64(n)) == 0 {
		w.marks.flush()
	}
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
	if w.o.Sleeping != nil {
		w.o.Sleeping(d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-w.wake:
	case <-t.C:
	}
}

// deliver makes one attempt at row: the send-time check, the message, the
// send, and the row's new state.
func (w *Worker) deliver(ctx, sendCtx context.Context, cache *checkCache, marks *marker, p prepared) {
	row := p.row
	if ctx.Err() != nil {
		w.release(row)
		return
	}
	w.stats.inFlight.Add(1)
	defer w.stats.inFlight.Add(-1)
	log := w.log.With("outbox_id", row.ID, "attempt", row.Attempts, "ticket", row.TicketID, "kind", string(row.Kind))
	why, err := w.withhold(sendCtx, cache, row)
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
	msg, err := p.msg, p.err
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
