package outbound

import (
	"math"
	"time"
)

// Backoff is the retry schedule of temporary failures. The pause after
// failed attempt n (1-based) is First·Factor^(n-1), at most Max, then
// spread by ±Jitter (a fraction) so that rows failed together are not
// retried together. The power is taken in floating point on the whole
// duration, never on a truncated integer (maddy computed
// time.Duration(math.Pow(1.25, n)), which truncates to 1, 1, 1, 1, 2 …:
// its first four retries were all alike). After MaxAttempts attempts a
// row is failed for good.
type Backoff struct {
	First       time.Duration
	Factor      float64
	Max         time.Duration
	Jitter      float64 // 0 ≤ Jitter < 1
	MaxAttempts int     // 0: never give up
}

// DefaultBackoff retries after 1, 2, 4 … minutes, at most 4 hours apart,
// ±20%, and gives up after 20 attempts: about 48 hours after the
// first attempt, close to the usual 2 to 5 days of MTA queues.
func DefaultBackoff() Backoff {
	return Backoff{First: time.Minute, Factor: 2, Max: 4 * time.Hour, Jitter: 0.2, MaxAttempts: 20}
}

// Delay is the pause after failed attempt n; u, in [0, 1), draws the
// jitter (0.5 means none).
func (b Backoff) Delay(n int, u float64) time.Duration {
	if n < 1 {
		n = 1
	}
	factor := b.Factor
	if factor < 1 {
		factor = 1
	}
	d := float64(b.First) * math.Pow(factor, float64(n-1))
	if b.Max > 0 && (d > float64(b.Max) || math.IsInf(d, 0) || math.IsNaN(d)) {
		d = float64(b.Max)
	}
	d *= 1 + b.Jitter*(2*u-1)
	if d > math.MaxInt64 || math.IsInf(d, 0) {
		return time.Duration(math.MaxInt64)
	}
	if d < 0 {
		return 0
	}
	return time.Duration(d)
}

// GivesUp reports whether a row that failed its attempt n is failed for
// good.
func (b Backoff) GivesUp(n int) bool { return b.MaxAttempts > 0 && n >= b.MaxAttempts }
