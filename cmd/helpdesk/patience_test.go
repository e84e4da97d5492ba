package main

import (
	"time"
)

// patience is how long a test waits for an event (serve answering, a
// ticket, a notification, an exit) before it fails: a guard against a
// hang, never a measure. A busy machine is slow, not broken.
const patience = 2 * time.Minute

// longGrace gives serve a shutdown grace period far longer than patience
// (and the outbox lease that must be longer still): a serve that exits
// within patience of a SIGTERM stopped before its grace ran out, and no
// busy machine makes the grace run out under a test.
var longGrace = []string{"HELPDESK_SHUTDOWN_GRACE=10m", "HELPDESK_OUTBOX_LEASE=20m"}

// waitProgress waits until n() reaches want, however long the whole takes;
// it fails only when n() stays the same for patience (a hang) or serve
// exits.
func (p *proc) waitProgress(what string, want int, n func() int) {
	p.t.Helper()
	last, since := n(), time.Now()
	for last < want {
		select {
		case <-p.exited:
			p.t.Fatalf("waiting for %s: serve exited with %d at %d of %d", what, p.exitCode, last, want)
		case <-time.After(100 * time.Millisecond):
		}
		if got := n(); got != last {
			last, since = got, time.Now()
		} else if time.Since(since) > patience {
			p.t.Fatalf("waiting for %s: %d of %d, no progress for %s", what, last, want, patience)
		}
	}
}

// eventually waits until check returns nil: a state that follows an event
// the test saw by a moment (a count, a mark, the end of a pass). It fails
// the test with check's last error, and goes on, when patience passes
// first or serve exits.
func (p *proc) eventually(check func() error) {
	p.t.Helper()
	deadline := time.Now().Add(patience)
	for {
		err := check()
		if err == nil {
			return
		}
		select {
		case <-p.exited:
			p.t.Errorf("serve exited with %d: %v", p.exitCode, err)
			return
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.t.Errorf("not after %s: %v", patience, err)
			return
		}
	}
}
