package imapsource

import (
	"bytes"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cpuReading is the CPU time spent so far by this process and by the whole
// machine, busy and idle, read from getrusage and /proc/stat.
type cpuReading struct {
	self, busy, idle time.Duration
}

// cpuUse is the CPU time spent between two readings: by this process, by
// everything else on the machine, and idle.
type cpuUse struct {
	self, others, idle time.Duration
}

func (r cpuReading) since(old cpuReading) cpuUse {
	self := r.self - old.self
	return cpuUse{self: self, others: r.busy - old.busy - self, idle: r.idle - old.idle}
}

// readCPU reads the CPU time spent so far; on a system without /proc/stat
// the machine's figures stay zero.
func readCPU(tb testing.TB) cpuReading {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	r := cpuReading{self: time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return r
	}
	line, _, _ := bytes.Cut(stat, []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) < 5 || fields[0] != "cpu" {
		return r
	}
	// user nice system idle iowait irq softirq steal, in clock ticks of 1/100 s.
	tick := 10 * time.Millisecond
	for i, f := range fields[1:] {
		if i >= 8 {
			break
		}
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return r
		}
		if i == 3 || i == 4 {
			r.idle += time.Duration(v) * tick
		} else {
			r.busy += time.Duration(v) * tick
		}
	}
	return r
}

// startGatewayProfile starts a CPU profile of the gateway's part of a
// benchmark when HELPDESK_BENCH_CPUPROFILE names a file prefix (the
// profile goes to prefix-name.prof); the returned function stops it.
func startGatewayProfile(tb testing.TB, name string) (stop func()) {
	prefix := os.Getenv("HELPDESK_BENCH_CPUPROFILE")
	if prefix == "" {
		return func() {}
	}
	f, err := os.Create(fmt.Sprintf("%s-%s.prof", prefix, name))
	if err != nil {
		tb.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		tb.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
