package imapsource

import (
	"math/rand/v2"
	"time"
)

// Backoff is a retry schedule: Base doubling per failure up to Max, less a
// random part of at most Jitter (0..1) of it, so that pollers restarted
// together spread out.
type Backoff struct {
	Base   time.Duration
	Max    time.Duration
	Jitter float64
}

// Default schedules: after a connection or store failure, and after a
// refused login (which will not heal by retrying fast).
var (
	DefaultBackoff     = Backoff{Base: time.Second, Max: 2 * time.Minute, Jitter: 0.3}
	DefaultAuthBackoff = Backoff{Base: 30 * time.Second, Max: 15 * time.Minute, Jitter: 0.3}
)

// Delay is the pause before retry number failures (1 for the first), with
// r in [0, 1) choosing the jitter.
func (b Backoff) Delay(failures int, r float64) time.Duration {
	d := b.Base
	for i := 1; i < failures && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	return d - time.Duration(float64(d)*b.Jitter*r)
}

// next is Delay with a random jitter.
func (b Backoff) next(failures int) time.Duration { return b.Delay(failures, rand.Float64()) }
