package config

import (
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
)

// MemoryLimit is the memory_limit key: a soft limit, in bytes, on the
// memory the Go runtime of `helpdesk serve` uses (its heap, stacks and own
// structures), handed to runtime/debug.SetMemoryLimit. 0 is "off": no
// limit, the collector paced by GOGC alone.
//
// The collector lets the heap grow to about twice what is live before it
// runs. A 50 MB message keeps about 90 MB live while it is recorded (the
// fetched message and its decoded attachment), so without a limit the
// process grows by some 165 MB for it; with the default limit the
// collector runs as memory nears the limit instead, and the process grows
// by under 100 MB. The limit is soft: when more than it is live (several
// big messages at once, or messages well above the default
// max_message_bytes), the process takes what it needs and the collector
// uses at most about half the CPU meanwhile. Ordinary mail keeps about
// 10 MB live, and the limit changes nothing for it.
type MemoryLimit int64

// DefaultMemoryLimit is memory_limit's default: 100 MiB.
const DefaultMemoryLimit MemoryLimit = 100 << 20

// minMemoryLimit is the smallest limit accepted: below it the collector
// would run most of the time even when the gateway is idle.
const minMemoryLimit MemoryLimit = 32 << 20

var memoryUnits = []struct {
	suffix string
	shift  uint
}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}

// ParseMemoryLimit reads a memory limit written as GOMEMLIMIT is: a number
// of bytes with an optional unit B, KiB, MiB, GiB or TiB ("512MiB"), or
// "off" for none.
func ParseMemoryLimit(s string) (MemoryLimit, error) {
	s = strings.TrimSpace(s)
	if s == "off" {
		return 0, nil
	}
	num, shift := s, uint(0)
	for _, u := range memoryUnits {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, shift = strings.TrimSpace(n), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64>>shift { // 0 is refused: GOMEMLIMIT=0 is no memory at all, not none
		return 0, fmt.Errorf("want a size such as 100MiB or 1GiB (units B, KiB, MiB, GiB, TiB), or off; got %q", s)
	}
	return MemoryLimit(n << shift), nil
}

// UnmarshalTOML reads memory_limit from TOML: a number of bytes, or a
// string that ParseMemoryLimit reads ("256MiB", "off").
func (m *MemoryLimit) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case int64:
		if v <= 0 {
			return fmt.Errorf("want a size such as \"100MiB\", or \"off\"; got %d", v)
		}
		*m = MemoryLimit(v)
		return nil
	case string:
		l, err := ParseMemoryLimit(v)
		if err != nil {
			return err // the decoder names the key
		}
		*m = l
		return nil
	}
	return fmt.Errorf("want a size such as \"100MiB\", or \"off\"; got %v", v)
}

// MarshalText writes the limit as ParseMemoryLimit reads it, in the
// largest unit that divides it ("100MiB", "off").
func (m MemoryLimit) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// String writes the limit as ParseMemoryLimit reads it.
func (m MemoryLimit) String() string {
	if m <= 0 {
		return "off"
	}
	for _, u := range memoryUnits {
		if m%(1<<u.shift) == 0 {
			return strconv.FormatInt(int64(m)>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(m), 10) + "B"
}

// validate checks the limit: off, or at least minMemoryLimit.
func (m MemoryLimit) validate() error {
	if m < 0 || m > 0 && m < minMemoryLimit {
		return fmt.Errorf("want off or at least %s, such as %s; got %s", minMemoryLimit, DefaultMemoryLimit, MemoryLimit(max(m, 0)))
	}
	return nil
}

// The sources of the memory limit in force, as ApplyMemoryLimit reports them.
const (
	MemoryLimitFromConfig = "memory_limit" // the memory_limit key (or HELPDESK_MEMORY_LIMIT)
	MemoryLimitFromGo     = "GOMEMLIMIT"   // the Go runtime's own variable, which wins
)

// ApplyMemoryLimit sets the Go runtime's soft memory limit to memory_limit
// (runtime/debug.SetMemoryLimit; off removes any limit). When GOMEMLIMIT is
// set in the environment (getenv must read the process's own environment:
// the runtime read it at start-up), it wins and is left as it is. It
// returns the limit in force in bytes (0: none), where it comes from
// (MemoryLimitFromConfig or MemoryLimitFromGo), and a function that puts
// back the limit in force before; serve calls it when it returns, for the
// tests that run it inside their own process.
func (c Config) ApplyMemoryLimit(getenv func(string) string) (limit int64, source string, restore func()) {
	prev := debug.SetMemoryLimit(-1) // -1 reads it
	restore = func() { debug.SetMemoryLimit(prev) }
	if getenv("GOMEMLIMIT") != "" {
		if prev == math.MaxInt64 {
			prev = 0
		}
		return prev, MemoryLimitFromGo, func() {}
	}
	limit = int64(c.MemoryLimit)
	if limit <= 0 {
		debug.SetMemoryLimit(math.MaxInt64) // the runtime's "no limit"
		return 0, MemoryLimitFromConfig, restore
	}
	debug.SetMemoryLimit(limit)
	return limit, MemoryLimitFromConfig, restore
}
