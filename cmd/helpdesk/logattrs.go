package main

import (
	"log/slog"
	"time"
)

// readableDurations is the slog ReplaceAttr that writes every duration as
// Go writes it ("15s", "2ms") in both log formats: the JSON handler would
// otherwise write nanoseconds (15000000000), which no operator reads.
// Durations rounded to the millisecond lose no information an operator
// wants; a value meant for machines is logged as an integer named *_ms.
func readableDurations(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		d := a.Value.Duration()
		if d > time.Millisecond {
			d = d.Round(time.Millisecond)
		}
		a.Value = slog.StringValue(d.String())
	}
	return a
}
