package outbound

import (
	"testing"
	"time"
)

// The whole default schedule, as a table: every attempt, no jitter.
func TestBackoffScheduleTable(t *testing.T) {
	b := DefaultBackoff()
	b.Jitter = 0
	want := []time.Duration{
		1 * time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute,
		32 * time.Minute, 64 * time.Minute, 128 * time.Minute, 4 * time.Hour, 4 * time.Hour,
		4 * time.Hour, 4 * time.Hour, 4 * time.Hour, 4 * time.Hour, 4 * time.Hour,
		4 * time.Hour, 4 * time.Hour, 4 * time.Hour, 4 * time.Hour,
	}
	var total time.Duration
	for i, w := range want {
		n := i + 1
		if got := b.Delay(n, 0.5); got != w {
			t.Errorf("attempt %d: delay %v, want %v", n, got, w)
		}
		if b.GivesUp(n) {
			t.Errorf("gives up after attempt %d, want 20", n)
		}
		total += w
	}
	if !b.GivesUp(20) || !b.GivesUp(21) {
		t.Error("does not give up after attempt 20")
	}
	if total != 48*time.Hour+15*time.Minute {
		t.Errorf("total time before giving up %v", total)
	}
}

// maddy's bug: a fractional factor applied to a truncated integer gave
// equal first delays. Here every step grows.
func TestBackoffFractionalFactorGrows(t *testing.T) {
	b := Backoff{First: 15 * time.Minute, Factor: 1.25, Max: 24 * time.Hour}
	want := []time.Duration{
		15 * time.Minute,
		18*time.Minute + 45*time.Second,
		23*time.Minute + 26*time.Second + 250*time.Millisecond,
		29*time.Minute + 17*time.Second + 812*time.Millisecond + 500*time.Microsecond,
	}
	for i, w := range want {
		if got := b.Delay(i+1, 0.5); got != w {
			t.Errorf("attempt %d: %v, want %v", i+1, got, w)
		}
	}
}

func TestBackoffJitterAndEdges(t *testing.T) {
	b := Backoff{First: 10 * time.Second, Factor: 2, Max: time.Minute, Jitter: 0.2}
	for _, c := range []struct {
		n    int
		u    float64
		want time.Duration
	}{
		{1, 0, 8 * time.Second},                            // -20%
		{1, 0.999999, 12*time.Second - 4*time.Microsecond}, // just under +20%
		{3, 0.5, 40 * time.Second},
		{4, 0.5, time.Minute}, // capped
		{4, 0, 48 * time.Second},
		{5000, 0.5, time.Minute}, // no overflow
		{0, 0.5, 10 * time.Second},
		{-3, 0.5, 10 * time.Second},
	} {
		if got := b.Delay(c.n, c.u); got != c.want {
			t.Errorf("Delay(%d, %v) = %v, want %v", c.n, c.u, got, c.want)
		}
	}
	zero := Backoff{} // tests set timings to zero: retry at once
	if zero.Delay(7, 0.3) != 0 || zero.GivesUp(1000) {
		t.Error("the zero Backoff should retry at once, forever")
	}
	if (Backoff{First: time.Hour, Factor: 10}).Delay(400, 0.5) <= 0 {
		t.Error("no Max: overflow must saturate, not wrap")
	}
}
