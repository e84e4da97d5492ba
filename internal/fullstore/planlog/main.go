// Command planlog summarises the plans a kept PostgreSQL server logged
// with auto_explain (storetest.KeptExplainEnv): one line per statement,
// with how often it ran, its total and slowest time, the most rows its
// plan returned and the scans it used, slowest in total first. It shows
// the plans of the full store (issue 20.3):
//
//	HELPDESK_KEPT_EXPLAIN=1 HELPDESK_FULL_STORE=1 go test -run '^$' -bench FullStore_IngestRate -benchtime 1x ./internal/fullstore
//	go run ./internal/fullstore/planlog -db full_v1_s1_direct /tmp/helpdesk-fullstore/server.log
package main

import (
	"bufio"
	"cmp"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var (
	entryStart = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[\d+\] (\S*) ?LOG:  duration: ([\d.]+) ms  plan:$`)
	params     = regexp.MustCompile(`\$\d+(, \$\d+)*`)
	rowsOfVals = regexp.MustCompile(`\(\$…\)(, \(\$…\))+`)
	scan       = regexp.MustCompile(`((?:Parallel )?(?:Index Only Scan|Index Scan|Seq Scan|Bitmap Index Scan|Bitmap Heap Scan)(?: using \S+)? on \S+)`)
	actualRows = regexp.MustCompile(`actual rows=(\d+)`)
)

// statement is what the log says of one statement, all its runs together.
type statement struct {
	text           string
	runs           int
	total, slowest float64 // ms
	rows           int
	scans          map[string]bool
}

func main() {
	db := flag.String("db", "", "only the statements of this database (the log line's prefix)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: planlog [-db NAME] SERVER.LOG")
		os.Exit(2)
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "planlog:", err)
		os.Exit(1)
	}
	defer f.Close()
	byText := map[string]*statement{}
	var cur *statement // the entry being read, nil outside one
	var body []string
	end := func() {
		if cur == nil {
			return
		}
		addEntry(byText, cur, body)
		cur, body = nil, nil
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := entryStart.FindStringSubmatch(line); m != nil {
			end()
			if *db == "" || m[1] == *db {
				ms, _ := strconv.ParseFloat(m[2], 64)
				cur = &statement{total: ms, slowest: ms}
			}
			continue
		}
		if cur != nil && strings.HasPrefix(line, "\t") {
			body = append(body, line)
		} else {
			end()
		}
	}
	end()
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "planlog: read log:", err)
		os.Exit(1)
	}
	if len(byText) == 0 {
		fmt.Fprintln(os.Stderr, "planlog: no plans in the log (was the server started with HELPDESK_KEPT_EXPLAIN=1, and is -db right?)")
		os.Exit(1)
	}
	list := make([]*statement, 0, len(byText))
	for _, s := range byText {
		list = append(list, s)
	}
	slices.SortFunc(list, func(a, b *statement) int { return cmp.Compare(b.total, a.total) })
	fmt.Println("| runs | total ms | slowest ms | most rows | statement | scans |")
	fmt.Println("|---:|---:|---:|---:|---|---|")
	for _, s := range list {
		scans := slices.Sorted(func(yield func(string) bool) {
			for k := range s.scans {
				if !yield(k) {
					return
				}
			}
		})
		sc := strings.Join(scans, "; ")
		if sc == "" {
			sc = "—"
		}
		fmt.Printf("| %d | %.0f | %.1f | %d | `%s` | %s |\n", s.runs, s.total, s.slowest, s.rows, s.text, sc)
	}
}

// addEntry adds one logged run, its time in e and its plan in body, to
// the statement it ran.
func addEntry(byText map[string]*statement, e *statement, body []string) {
	var text []string
	i := 0
	for ; i < len(body); i++ {
		l := strings.TrimSpace(body[i])
		if i == 0 {
			l = strings.TrimPrefix(l, "Query Text: ")
		} else if !strings.HasPrefix(body[i], "\t\t") && !strings.HasPrefix(body[i], "\t ") {
			break // the plan starts at the first line indented once
		}
		text = append(text, l)
	}
	q := strings.Join(strings.Fields(strings.Join(text, " ")), " ")
	q = rowsOfVals.ReplaceAllString(params.ReplaceAllString(q, "$…"), "($…), …")
	if strings.HasPrefix(q, "INSERT") {
		q, _, _ = strings.Cut(q, ") VALUES")
		q += ") VALUES …"
	}
	if len(q) > 200 {
		q = q[:200] + " …"
	}
	s := byText[q]
	if s == nil {
		s = &statement{text: q, scans: map[string]bool{}}
		byText[q] = s
	}
	s.runs++
	s.total += e.total
	s.slowest = max(s.slowest, e.slowest)
	plan := strings.Join(body[i:], "\n")
	for _, m := range scan.FindAllString(plan, -1) {
		s.scans[m] = true
	}
	if m := actualRows.FindStringSubmatch(plan); m != nil {
		n, _ := strconv.Atoi(m[1])
		s.rows = max(s.rows, n)
	}
}
