package imapsource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/helpdesk-gw/helpdesk/store"
)

// Poller reads one mailbox into the pipeline until its context ends.
type Poller struct {
	opts Options
	m    Mailbox
	log  *slog.Logger

	validity uint32             // UIDVALIDITY of the folder being read
	suspects map[suspectKey]int // failed fetches per message (suspects.go)
}

// New checks the options and returns a Poller.
func New(opts Options) (*Poller, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	log := opts.Logger.With("mailbox", opts.Mailbox.Name)
	return &Poller{opts: opts, m: opts.Mailbox, log: log}, nil
}

// Name is the mailbox's label.
func (p *Poller) Name() string { return p.m.Name }

// Run polls until ctx ends, then returns nil. It waits for the mailbox's
// lease, reads the mailbox while it holds it, and waits again if it loses
// it; it gives the lease up when it stops.
func (p *Poller) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		if !p.waitLease(ctx) {
			break
		}
		lctx, cancel := context.WithCancelCause(ctx)
		done := make(chan struct{})
		go func() { defer close(done); p.keepLease(lctx, cancel) }()
		p.serve(lctx)
		cancel(nil)
		<-done
		if cause := context.Cause(lctx); errors.Is(cause, store.ErrLeaseLost) {
			p.log.Warn("lease on the mailbox lost to another process; waiting to take it back", "err", cause)
		}
	}
	if p.opts.noRelease {
		return nil
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_ = p.opts.Store.ReleaseLease(rctx, p.m.Name, p.opts.Holder)
	return nil
}

// waitLease waits until this process holds the mailbox's lease; false when
// ctx ended first.
func (p *Poller) waitLease(ctx context.Context) bool {
	told := false
	for {
		ok, err := p.opts.Store.AcquireLease(ctx, p.m.Name, p.opts.Holder, p.opts.LeaseTTL)
		switch {
		case ok:
			if told {
				p.log.Info("took over the mailbox's lease")
			}
			return true
		case err != nil && ctx.Err() == nil:
			p.log.Warn("cannot take the mailbox's lease: database unavailable?", "err", err)
			p.opts.Metrics.error(p.m.Name, "store")
		case !told && err == nil:
			p.log.Info("another process polls this mailbox; standing by", "lease_ttl", p.opts.LeaseTTL)
			told = true
		}
		if sleep(ctx, p.opts.LeaseTTL/3) != nil {
			return false
		}
	}
}

// keepLease renews the lease every third of its life; it cancels ctx when
// the lease is taken over, or cannot be renewed before it expires.
func (p *Poller) keepLease(ctx context.Context, cancel context.CancelCauseFunc) {
	every := p.opts.LeaseTTL / 3
	deadline := time.Now().Add(p.opts.LeaseTTL)
	for sleep(ctx, every) == nil {
		ok, err := p.opts.Store.AcquireLease(ctx, p.m.Name, p.opts.Holder, p.opts.LeaseTTL)
		switch {
		case ok:
			deadline = time.Now().Add(p.opts.LeaseTTL)
		case err == nil:
			cancel(store.ErrLeaseLost)
			return
		case time.Now().Add(every).After(deadline):
			p.log.Warn("cannot renew the mailbox's lease before it expires; pausing", "err", err)
			cancel(store.ErrLeaseLost)
			return
		}
	}
}

// serve runs sessions until ctx ends, with a backoff after each failure.
func (p *Poller) serve(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		progressed, err := p.session(ctx)
		if ctx.Err() != nil {
			return
		}
		if progressed {
			failures = 0
		}
		if progressed && errors.Is(err, errSignInAgain) {
			p.log.Debug("the session's OAuth token expired: signing in again with a renewed one")
			continue
		}
		failures++
		delay := p.failed(err, failures)
		if p.opts.Retrying != nil {
			p.opts.Retrying(err, failures, delay)
		}
		if sleep(ctx, delay) != nil {
			return
		}
	}
}

// failed logs a session's error once, counts it, and returns the pause
// before the next attempt.
func (p *Poller) failed(err error, failures int) time.Duration {
	kind, delay := "imap", p.opts.Backoff.next(failures)
	log := p.log.With("err", err, "retry_in", delay.Round(time.Millisecond), "failures", failures)
	switch {
	case errors.Is(err, errAuth) && p.m.Token != nil:
		kind, delay = "auth", p.opts.AuthBackoff.next(failures)
		p.log.Error("IMAP server refused the OAuth token, a renewed one too: "+p.m.Token.Hint(),
			"err", err, "retry_in", delay.Round(time.Second), "failures", failures)
	case errors.Is(err, errAuth):
		kind, delay = "auth", p.opts.AuthBackoff.next(failures)
		p.log.Error("IMAP login refused: check the user name and password (or token) of this mailbox",
			"err", err, "retry_in", delay.Round(time.Second), "failures", failures)
	case errors.Is(err, errToken):
		kind, delay = "token", p.opts.AuthBackoff.next(failures)
		p.log.Error("cannot obtain an OAuth token for this mailbox: the token endpoint refused the client or cannot be reached",
			"err", err, "retry_in", delay.Round(time.Second), "failures", failures)
	case errors.Is(err, errStore):
		kind = "store"
		log.Warn("database unavailable: pausing this mailbox; nothing is marked read until it is back")
	case errors.Is(err, store.ErrLeaseLost):
		kind = "lease"
		log.Warn("lease lost while reading")
	case errors.Is(err, errTimeout):
		kind = "timeout"
		log.Warn("IMAP server too slow: reconnecting")
	case errors.Is(err, errConnect):
		kind = "connect"
		log.Warn("cannot reach the IMAP server")
	default:
		log.Warn("IMAP session ended: reconnecting")
	}
	p.opts.Metrics.error(p.m.Name, kind)
	return delay
}

// session connects, then reads the mailbox and waits for more, until an
// error; progressed reports whether it read the mailbox at least once.
func (p *Poller) session(ctx context.Context) (progressed bool, err error) {
	cn, err := dial(ctx, p.m)
	if err != nil {
		if !errors.Is(err, errAuth) && !errors.Is(err, errToken) {
			err = fmt.Errorf("%w: %w", errConnect, err)
		}
		return false, err
	}
	defer cn.close()
	p.prepare(cn)
	for {
		if err := p.pass(ctx, cn); err != nil {
			return progressed, err
		}
		progressed = true
		p.opts.Metrics.polled(p.m.Name, p.opts.Clock())
		if p.opts.Passed != nil {
			p.opts.Passed()
		}
		if err := p.wait(ctx, cn); err != nil {
			return progressed, err
		}
		// after a pass at least, so that a session always reads once
		if cn.signInAgain(time.Now()) {
			return progressed, errSignInAgain
		}
	}
}

var (
	errConnect = errors.New("connect")
	// errSignInAgain ends a session whose OAuth token expired.
	errSignInAgain = errors.New("the session's OAuth token expired")
)

// prepare creates the destination folders; one that exists already is fine,
// and one that cannot be made shows up when a message is moved there.
func (p *Poller) prepare(cn *conn) {
	folders := []string{p.m.Failed}
	if p.m.Mark == MarkMove {
		folders = append(folders, p.m.Processed)
	}
	for _, f := range folders {
		_ = cn.guard("create "+f, cn.c.Create(f, nil).Wait)
	}
}

// wait returns when new mail may have arrived: the server said so under
// IDLE, or the poll interval passed.
func (p *Poller) wait(ctx context.Context, cn *conn) error {
	caps, err := cn.caps()
	if err != nil {
		return err
	}
	every := p.m.PollInterval
	if !cn.expires.IsZero() {
		every = max(min(every, time.Until(cn.expires)), 0)
	}
	if !p.m.IDLE || !caps.Has(imap.CapIdle) && !caps.Has(imap.CapIMAP4rev2) {
		if err := sleep(ctx, every); err != nil {
			return err
		}
		return cn.guard("noop", cn.c.Noop().Wait)
	}
	var idle interface {
		Close() error
		Wait() error
	}
	if err := cn.guard("idle", func() error {
		cmd, err := cn.c.Idle()
		idle = cmd
		return err
	}); err != nil {
		return err
	}
	t := time.NewTimer(every)
	defer t.Stop()
	select {
	case <-cn.wake:
	case <-t.C:
	case <-ctx.Done():
	case <-cn.c.Closed():
	}
	return cn.guard("end idle", func() error {
		if err := idle.Close(); err != nil {
			return err
		}
		return idle.Wait()
	})
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
