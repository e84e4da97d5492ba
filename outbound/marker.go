package outbound

import "time"

// marker records sent rows in groups (group commit): while one UPDATE
// runs, the ids of messages accepted meanwhile queue up, and the next
// UPDATE marks them all. A row is marked within one store round trip of
// its "250 OK", so a crash resends at most the rows of that window.
type marker struct {
	w    *Worker
	ids  chan int64
	done chan struct{}
}

// maxMarkBatch bounds the ids of one UPDATE.
const maxMarkBatch = 500

func newMarker(w *Worker) *marker {
	m := &marker{w: w, ids: make(chan int64, 4*maxMarkBatch), done: make(chan struct{})}
	go m.run()
	return m
}

func (m *marker) sent(id int64) { m.ids <- id }

// close records what is left and returns when it is written.
func (m *marker) close() {
	close(m.ids)
	<-m.done
}

func (m *marker) run() {
	defer close(m.done)
	for id := range m.ids {
		batch := []int64{id}
	more:
		for len(batch) < maxMarkBatch {
			select {
			case id, ok := <-m.ids:
				if !ok {
					break more
				}
				batch = append(batch, id)
			default:
				break more
			}
		}
		m.write(batch)
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
