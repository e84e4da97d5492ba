package outbound

import (
	"slices"
	"sync"
	"time"
)

// marker records sent rows in groups (group commit): while one UPDATE
// runs, and for at most markEvery after it began, the ids of messages
// accepted meanwhile queue up, and the next UPDATE marks them all. A row is
// marked within markEvery plus one store round trip of its "250 OK" (at
// once when the worker has no other row in hand), so a crash resends at
// most the rows of that window.
type marker struct {
	w       *Worker
	mu      sync.Mutex
	pending []int64
	closed  bool
	idle    bool          // the worker holds no rows: write what is pending now
	signal  chan struct{} // 1 buffered: ids are pending, or closed
	done    chan struct{}
}

// maxMarkBatch bounds the ids of one UPDATE.
const maxMarkBatch = 500

// markEvery is the least time between the starts of two UPDATEs: the ids
// of messages accepted meanwhile wait for the next one, so that a busy
// worker marks tens of rows a statement, not one or two.
const markEvery = 5 * time.Millisecond

func newMarker(w *Worker) *marker {
	m := &marker{w: w, signal: make(chan struct{}, 1), done: make(chan struct{})}
	go m.run()
	return m
}

// sent queues id to be marked. It does not wait for the UPDATE, and only
// the first id of a group wakes the marker's goroutine.
func (m *marker) sent(id int64) {
	m.mu.Lock()
	m.pending = append(m.pending, id)
	first := len(m.pending) == 1
	m.mu.Unlock()
	if first {
		m.poke()
	}
}

func (m *marker) poke() {
	select {
	case m.signal <- struct{}{}:
	default:
	}
}

// flush tells the marker that no more rows are in hand for now, so that
// the pending ids need not wait for others.
func (m *marker) flush() {
	m.mu.Lock()
	m.idle = true
	m.mu.Unlock()
	m.poke()
}

// close records what is left and returns when it is written.
func (m *marker) close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.poke()
	<-m.done
}

// take removes and returns up to maxMarkBatch pending ids.
func (m *marker) take() []int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := min(len(m.pending), maxMarkBatch)
	batch := slices.Clone(m.pending[:n])
	m.idle = false
	m.pending = append(m.pending[:0], m.pending[n:]...)
	return batch
}

func (m *marker) run() {
	defer close(m.done)
	var last time.Time // when the last UPDATE started
	for {
		m.mu.Lock()
		n, closed := len(m.pending), m.closed
		m.mu.Unlock()
		if n == 0 {
			if closed {
				return
			}
			<-m.signal
			continue
		}
		if wait := markEvery - time.Since(last); wait > 0 && !closed && n < maxMarkBatch {
			// Linger: each UPDATE is a commit, and marking a row or two at
			// a time would cost the store more than the sends themselves.
			m.linger(wait)
		}
		batch := m.take()
		last = time.Now()
		m.write(batch)
	}
}

// linger waits d, or until close or flush is called.
func (m *marker) linger(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			return
		case <-m.signal: // close, flush, or a poke left from before the last take
			m.mu.Lock()
			now := m.closed || m.idle
			m.mu.Unlock()
			if now {
				return
			}
		}
	}
}

// write marks batch sent, trying again for about a minute (well inside
// the lease) before giving up: then the rows come back when their lease
// ends and are sent again, which the log says.
func (m *marker) write(batch []int64) {
	pause := 50 * time.Millisecond
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := m.w.storeCtx()
		err := m.w.o.Store.MarkSentMany(ctx, batch, m.w.o.Clock())
		cancel()
		if err == nil {
			return
		}
		m.w.stats.storeErrors.Add(1)
		if time.Now().After(deadline) {
			m.w.log.Error("sent rows not recorded; they will be sent again when their lease ends", "rows", len(batch), "first_outbox_id", batch[0], "err", err)
			return
		}
		m.w.log.Warn("recording sent rows failed; trying again", "rows", len(batch), "err", err)
		time.Sleep(pause)
		pause = min(2*pause, 5*time.Second)
	}
}
