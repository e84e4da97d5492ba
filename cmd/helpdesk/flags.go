package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// global holds the flags that may stand anywhere on the line (cli.md).
type global struct {
	db, config, as, reason string
	json, dryRun, yes      bool
}

// parseGlobal takes the global flags out of args, wherever they stand.
func parseGlobal(args []string, getenv func(string) string) (global, []string, error) {
	g := global{db: getenv("HELPDESK_DB"), config: getenv("HELPDESK_CONFIG"), as: getenv("HELPDESK_AS")}
	valued := map[string]*string{"db": &g.db, "config": &g.config, "as": &g.as, "reason": &g.reason}
	bools := map[string]*bool{"json": &g.json, "dry-run": &g.dryRun, "yes": &g.yes}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") {
			rest = append(rest, a)
			continue
		}
		if p, ok := valued[name]; ok {
			if !hasValue {
				if i+1 >= len(args) {
					return g, nil, fmt.Errorf("flag --%s needs a value", name)
				}
				i++
				value = args[i]
			}
			*p = value
			continue
		}
		if p, ok := bools[name]; ok {
			b := true
			if hasValue {
				var err error
				if b, err = strconv.ParseBool(value); err != nil {
					return g, nil, fmt.Errorf("flag --%s: %v", name, err)
				}
			}
			*p = b
			continue
		}
		rest = append(rest, a)
	}
	return g, rest, nil
}

// multi is a flag that may be repeated.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// newFlags returns a FlagSet for a sub-command that reports errors as usage.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseMixed parses flags and positional arguments in any order and checks
// the count of positionals.
func parseMixed(fs *flag.FlagSet, args []string, min, max int, what string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usagef("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) < min || (max >= 0 && len(pos) > max) {
		return nil, usagef("usage: helpdesk %s %s", fs.Name(), what)
	}
	return pos, nil
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("%q is not an id", s)
	}
	return id, nil
}
