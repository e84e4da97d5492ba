package imapsource

import (
	"bytes"
	"cmp"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cpuReading is the CPU time spent so far by this process and by the whole
// machine, busy and idle, read from getrusage and /proc/stat.
type cpuReading struct {
	self, busy, idle  time.Duration
	postgres, dovecot time.Duration // this process's PostgreSQL and Dovecot, with their reaped children
	family            time.Duration // every process this one started, and theirs: PostgreSQL, Dovecot
}

// cpuUse is the CPU time spent between two readings: by this process, by
// everything else on the machine, and idle; postgres and dovecot are the
// part of others spent by the servers this process started, family all
// of what those servers spent.
type cpuUse struct {
	self, others, idle time.Duration
	postgres, dovecot  time.Duration
	family             time.Duration
}

func (r cpuReading) since(old cpuReading) cpuUse {
	self := r.self - old.self
	return cpuUse{self: self, others: r.busy - old.busy - self, idle: r.idle - old.idle,
		postgres: r.postgres - old.postgres, dovecot: r.dovecot - old.dovecot, family: r.family - old.family}
}

// all is the CPU spent by this process and the servers it started: the
// benchmark's cost with every process counted, and nobody else's.
func (u cpuUse) all() time.Duration { return u.self + u.family }

// dovecotPrograms are the process names of a Dovecot instance.
var dovecotPrograms = map[string]bool{"dovecot": true, "imap": true, "imap-login": true, "auth": true,
	"log": true, "config": true, "anvil": true, "stats": true}

// procStat is what readProgramCPU needs of one /proc/PID/stat.
type procStat struct {
	ppid int
	comm string
	cpu  time.Duration // user and system, with the reaped children's
}

// readProgramCPU adds to r the CPU time of the processes this process
// started and theirs (its test PostgreSQL and Dovecot; not the other
// PostgreSQL servers a shared machine runs), from /proc/PID/stat. A
// process that exited unreaped between two readings is missed;
// PostgreSQL's postmaster and Dovecot's master reap theirs.
func readProgramCPU(r *cpuReading) {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	procs := map[int]procStat{}
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if ps, ok := readProcStat(pid); ok {
			procs[pid] = ps
		}
	}
	self := os.Getpid()
	for pid, ps := range procs {
		if pid == self || !descends(procs, pid, self) {
			continue
		}
		r.family += ps.cpu
		switch {
		case ps.comm == "postgres":
			r.postgres += ps.cpu
		case dovecotPrograms[ps.comm]:
			r.dovecot += ps.cpu
		}
	}
}

// readProcStat reads one process's parent, name and CPU time.
func readProcStat(pid int) (procStat, bool) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	// pid (comm) state ppid ...: comm may hold spaces, so cut at the last ')'.
	open, end := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if open < 0 || end < open {
		return procStat{}, false
	}
	fields := strings.Fields(string(stat[end+1:]))
	if len(fields) < 15 { // state is field 3, ppid 4; utime..cstime are 14..17
		return procStat{}, false
	}
	ps := procStat{comm: string(stat[open+1 : end])}
	ps.ppid, _ = strconv.Atoi(fields[1])
	tick := 10 * time.Millisecond
	for _, f := range fields[11:15] {
		v, _ := strconv.ParseInt(f, 10, 64)
		ps.cpu += time.Duration(v) * tick
	}
	return ps, true
}

// descends reports whether pid is a descendant of ancestor in procs.
func descends(procs map[int]procStat, pid, ancestor int) bool {
	for range 64 { // a bound against a cycle read across PID reuse
		ps, ok := procs[pid]
		if !ok || ps.ppid <= 1 {
			return false
		}
		if ps.ppid == ancestor {
			return true
		}
		pid = ps.ppid
	}
	return false
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
	readProgramCPU(&r)
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
	stopPerf := startPerf(tb, name)
	prefix := os.Getenv("HELPDESK_BENCH_CPUPROFILE")
	if prefix == "" {
		return stopPerf
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
		stopPerf()
	}
}

// startPerf, when HELPDESK_BENCH_PERF names a file prefix, records the
// whole machine with Linux perf (call graphs) into <prefix>-<name>.data
// until stop: PostgreSQL's and Dovecot's share of the gateway phase, which
// the Go profile cannot see. Read with
//
//	perf report -i <file> --sort comm,dso
func startPerf(tb testing.TB, name string) (stop func()) {
	prefix := os.Getenv("HELPDESK_BENCH_PERF")
	if prefix == "" {
		return func() {}
	}
	cmd := exec.Command("perf", "record", "-a", "-g", "-q", "-o", fmt.Sprintf("%s-%s.data", prefix, name))
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start perf: %v", err)
	}
	time.Sleep(500 * time.Millisecond) // perf is recording
	return func() {
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
	}
}

// pgVolume reads, on the database at url, the WAL position and the size
// of each table with its indexes and TOAST, to report what a run wrote.
type pgVolume struct {
	wal    int64
	tables map[string]int64
}

func readPGVolume(b *testing.B, url string) pgVolume {
	b.Helper()
	db, err := sql.Open("postgres", url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	v := pgVolume{tables: map[string]int64{}}
	if err := db.QueryRow(`SELECT pg_current_wal_lsn() - '0/0'`).Scan(&v.wal); err != nil {
		b.Fatalf("read WAL position: %v", err)
	}
	rows, err := db.Query(`SELECT relname, pg_total_relation_size(relid) FROM pg_stat_user_tables`)
	if err != nil {
		b.Fatalf("read table sizes: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var size int64
		if err := rows.Scan(&name, &size); err != nil {
			b.Fatal(err)
		}
		v.tables[name] = size
	}
	return v
}

// report logs, per message, the WAL written since before and the largest
// tables' growth.
func (v pgVolume) report(b *testing.B, before pgVolume, n int) {
	type grew struct {
		name  string
		bytes int64
	}
	var gs []grew
	for name, size := range v.tables {
		if d := size - before.tables[name]; d > 0 {
			gs = append(gs, grew{name, d})
		}
	}
	slices.SortFunc(gs, func(a, b grew) int { return cmp.Compare(b.bytes, a.bytes) })
	var s strings.Builder
	for i, g := range gs {
		if i == 6 {
			break
		}
		fmt.Fprintf(&s, " %s %.1f KB;", g.name, float64(g.bytes)/float64(n)/1024)
	}
	b.Logf("PostgreSQL per message: WAL %.1f KB; tables with indexes and TOAST:%s", float64(v.wal-before.wal)/float64(n)/1024, s.String())
}

// tableWrites logs, per message, the rows each table took and the index
// entries they cost, the sequential scans of the run, and the scans of
// each index used: what PostgreSQL's share of the CPU was spent on.
func tableWrites(b *testing.B, url string, n int) {
	db, err := sql.Open("postgres", url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	time.Sleep(1500 * time.Millisecond) // backends report their counts at most once a second
	rows, err := db.Query(`SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd,
		(SELECT count(*) FROM pg_index i WHERE i.indrelid = t.relid) FROM pg_stat_user_tables t ORDER BY n_tup_ins + n_tup_upd DESC`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var s strings.Builder
	var entries float64
	for rows.Next() {
		var name string
		var ins, upd, hot, idx int64
		if err := rows.Scan(&name, &ins, &upd, &hot, &idx); err != nil {
			b.Fatal(err)
		}
		if ins+upd == 0 {
			continue
		}
		e := float64((ins+upd-hot)*idx) / float64(n)
		entries += e
		fmt.Fprintf(&s, "\n  %-20s ins %.2f upd %.2f hot %.2f indexes %d entries %.2f", name, float64(ins)/float64(n), float64(upd)/float64(n), float64(hot)/float64(n), idx, e)
	}
	b.Logf("rows a message:%s\n  index entries a message: %.1f", s.String(), entries)
	srows, err := db.Query(`SELECT relname, seq_scan, seq_tup_read FROM pg_stat_user_tables WHERE seq_scan > 0 ORDER BY seq_tup_read DESC`)
	if err != nil {
		b.Fatal(err)
	}
	defer srows.Close()
	for srows.Next() {
		var rel string
		var scans, read int64
		if err := srows.Scan(&rel, &scans, &read); err != nil {
			b.Fatal(err)
		}
		b.Logf("sequential scans of %s: %d, %d rows read", rel, scans, read)
	}
	irows, err := db.Query(`SELECT relname, indexrelname, idx_scan FROM pg_stat_user_indexes WHERE idx_scan > 0 ORDER BY relname, indexrelname`)
	if err != nil {
		b.Fatal(err)
	}
	defer irows.Close()
	s.Reset()
	for irows.Next() {
		var rel, idx string
		var scans int64
		if err := irows.Scan(&rel, &idx, &scans); err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(&s, "\n  %s.%s %d", rel, idx, scans)
	}
	b.Logf("index scans:%s", s.String())
}
