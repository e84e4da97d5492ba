package imapsource

import (
	"testing"
	"time"
)

func TestBackoffSchedule(t *testing.T) {
	s := time.Second
	for _, tc := range []struct {
		b        Backoff
		failures int
		r        float64
		want     time.Duration
	}{
		{DefaultBackoff, 1, 0, 1 * s},
		{DefaultBackoff, 2, 0, 2 * s},
		{DefaultBackoff, 3, 0, 4 * s},
		{DefaultBackoff, 4, 0, 8 * s},
		{DefaultBackoff, 5, 0, 16 * s},
		{DefaultBackoff, 6, 0, 32 * s},
		{DefaultBackoff, 7, 0, 64 * s},
		{DefaultBackoff, 8, 0, 120 * s}, // capped
		{DefaultBackoff, 1000, 0, 120 * s},
		{DefaultBackoff, 1, 0.5, 850 * time.Millisecond},
		{DefaultBackoff, 8, 0.999, 120*s - time.Duration(float64(120*s)*0.3*0.999)},
		{DefaultAuthBackoff, 1, 0, 30 * s},
		{DefaultAuthBackoff, 2, 0, 60 * s},
		{DefaultAuthBackoff, 5, 0, 480 * s},
		{DefaultAuthBackoff, 6, 0, 900 * s},
		{DefaultAuthBackoff, 60, 0, 900 * s},
		{Backoff{}, 3, 0.5, 0}, // tests set zero timings
	} {
		if got := tc.b.Delay(tc.failures, tc.r); got != tc.want {
			t.Errorf("%+v.Delay(%d, %v) = %v, want %v", tc.b, tc.failures, tc.r, got, tc.want)
		}
	}
	// never below (1-Jitter) of the step, never above it
	for n := 1; n < 20; n++ {
		for i := 0; i < 50; i++ {
			d, hi := DefaultBackoff.next(n), DefaultBackoff.Delay(n, 0)
			if d > hi || d < time.Duration(float64(hi)*0.7) {
				t.Fatalf("next(%d) = %v outside [0.7, 1] × %v", n, d, hi)
			}
		}
	}
}
