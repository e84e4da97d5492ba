package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// flagKind is the type of a command's flag.
type flagKind int

// The kinds of flags.
const (
	flagString flagKind = iota // --name VALUE
	flagList                   // --domain VALUE, repeatable
	flagInt                    // --ticket N
	flagBool                   // --force
)

// flagSpec declares one flag: usage and help are printed from it, and the
// command's FlagSet is built from it.
type flagSpec struct {
	Name  string // without dashes: "domain"
	Value string // what the value looks like in the synopsis ("D", "own|view|comment"); none for a bool
	Help  string // one line
	Kind  flagKind
	// Required flags are shown without brackets and checked before the
	// command runs (usage error, exit 2, when missing).
	Required bool
	// Excludes names a bool flag that may not be given together with this
	// one; the synopsis shows them as [--a|--b].
	Excludes string
	// Choices: the value must be one of those Value lists ("own|view|comment").
	Choices bool
}

// synopsis is the flag as the usage line shows it.
func (f flagSpec) synopsis() string {
	s := "--" + f.Name
	if f.Kind != flagBool {
		s += " " + f.Value
	}
	if f.Excludes != "" {
		s += "|--" + f.Excludes
	}
	switch {
	case f.Required && f.Kind == flagList:
		return s + " [" + s + " ...]"
	case f.Required:
		return s
	case f.Kind == flagList:
		return "[" + s + " ...]"
	}
	return "[" + s + "]"
}

// global holds the flags that may stand anywhere on the line (cli.md).
type global struct {
	db, config, as, reason string
	json, dryRun, yes      bool
}

// globalFlag is a flag that may stand anywhere on the line, and where its
// value goes.
type globalFlag struct {
	flagSpec
	str     func(g *global) *string
	boolean func(g *global) *bool
}

// globalFlags are declared here once; parseGlobal and help use them.
var globalFlags = []globalFlag{
	{flagSpec{Name: "db", Value: "URL", Help: "the store: postgres://…, sqlite:PATH or a path (HELPDESK_DB; default sqlite:helpdesk.db)"},
		func(g *global) *string { return &g.db }, nil},
	{flagSpec{Name: "config", Value: "FILE", Help: "the configuration file (HELPDESK_CONFIG)"},
		func(g *global) *string { return &g.config }, nil},
	{flagSpec{Name: "as", Value: "EMAIL", Help: "the staff member an admin action is done as (HELPDESK_AS; S2)"},
		func(g *global) *string { return &g.as }, nil},
	{flagSpec{Name: "reason", Value: "TEXT", Help: "why, kept in the audit log (S3)"},
		func(g *global) *string { return &g.reason }, nil},
	{flagSpec{Name: "json", Kind: flagBool, Help: "machine-readable output"},
		nil, func(g *global) *bool { return &g.json }},
	{flagSpec{Name: "dry-run", Kind: flagBool, Help: "print what a change or an ingest would do; change nothing"},
		nil, func(g *global) *bool { return &g.dryRun }},
	{flagSpec{Name: "yes", Kind: flagBool, Help: "confirm a change that gives more than confirm_over people new rights"},
		nil, func(g *global) *bool { return &g.yes }},
}

// findGlobal returns the global flag named name.
func findGlobal(name string) (globalFlag, bool) {
	for _, f := range globalFlags {
		if f.Name == name {
			return f, true
		}
	}
	return globalFlag{}, false
}

// parseGlobal takes the global flags out of args, wherever they stand
// before a "--".
func parseGlobal(args []string, getenv func(string) string) (global, []string, error) {
	g := global{db: getenv("HELPDESK_DB"), config: getenv("HELPDESK_CONFIG"), as: getenv("HELPDESK_AS")}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f, ok := findGlobal(name)
		if !strings.HasPrefix(a, "-") || !ok {
			rest = append(rest, a)
			continue
		}
		if f.Kind != flagBool {
			if !hasValue {
				if i+1 >= len(args) {
					return g, nil, usagef("flag --%s needs a value", name)
				}
				i++
				value = args[i]
			}
			*f.str(&g) = value
			continue
		}
		b := true
		if hasValue {
			var err error
			if b, err = strconv.ParseBool(value); err != nil {
				return g, nil, usagef("flag --%s: %q is not true or false", name, value)
			}
		}
		*f.boolean(&g) = b
	}
	return g, rest, nil
}

// multi is a flag that may be repeated.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// invocation is a command line parsed against its declaration: the
// positional arguments and the value of every declared flag.
type invocation struct {
	spec  *commandSpec
	pos   []string
	strs  map[string]*string
	lists map[string]*multi
	ints  map[string]*int64
	bools map[string]*bool
}

// str is the value of a string flag.
func (in *invocation) str(name string) string { return *lookup(in, in.strs, name) }

// list is the values of a repeatable flag, in the order given.
func (in *invocation) list(name string) []string { return *lookup(in, in.lists, name) }

// int is the value of an integer flag (0 when not given).
func (in *invocation) int(name string) int64 { return *lookup(in, in.ints, name) }

// on reports whether a bool flag was given.
func (in *invocation) on(name string) bool { return *lookup(in, in.bools, name) }

// lookup finds a flag's value; a handler asking for a flag its command does
// not declare is a bug in this program, caught by the tests that run it.
func lookup[T any](in *invocation, m map[string]*T, name string) *T {
	p, ok := m[name]
	if !ok {
		panic(fmt.Sprintf("helpdesk %s: flag --%s is not declared", in.spec.Words, name))
	}
	return p
}

// parseInvocation parses a command's arguments, flags and positionals in
// any order, against its declaration.
func parseInvocation(spec *commandSpec, args []string) (*invocation, error) {
	in := &invocation{spec: spec, strs: map[string]*string{}, lists: map[string]*multi{},
		ints: map[string]*int64{}, bools: map[string]*bool{}}
	fs := flag.NewFlagSet(spec.Words, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, f := range spec.Flags {
		switch f.Kind {
		case flagString:
			in.strs[f.Name] = fs.String(f.Name, "", f.Help)
		case flagList:
			in.lists[f.Name] = &multi{}
			fs.Var(in.lists[f.Name], f.Name, f.Help)
		case flagInt:
			in.ints[f.Name] = fs.Int64(f.Name, 0, f.Help)
		case flagBool:
			in.bools[f.Name] = fs.Bool(f.Name, false, f.Help)
		}
	}
	pos, err := parseMixed(fs, args)
	if err != nil {
		return nil, usagef("%s: %s (see 'helpdesk help %s')", spec.Words, flagProblem(err), spec.Words)
	}
	in.pos = pos
	return in, in.check(fs)
}

// check applies the declaration's counts, required flags and exclusions.
func (in *invocation) check(fs *flag.FlagSet) error {
	spec := in.spec
	min, max := spec.argCounts()
	if len(in.pos) < min || (max >= 0 && len(in.pos) > max) {
		return usagef("usage: %s", spec.usageLine())
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, f := range spec.Flags {
		if f.Required && !given[f.Name] {
			return usagef("%s: --%s is required (usage: %s)", spec.Words, f.Name, spec.usageLine())
		}
		if f.Excludes != "" && given[f.Name] && given[f.Excludes] {
			return usagef("%s: --%s and --%s exclude each other", spec.Words, f.Name, f.Excludes)
		}
		if v := fs.Lookup(f.Name).Value.String(); f.Choices && given[f.Name] && !slices.Contains(strings.Split(f.Value, "|"), v) {
			return usagef("%s: --%s must be %s, not %q", spec.Words, f.Name, oneOf(strings.Split(f.Value, "|")), v)
		}
	}
	return nil
}

// oneOf says "a, b or c".
func oneOf(alts []string) string {
	if len(alts) < 2 {
		return strings.Join(alts, "")
	}
	return strings.Join(alts[:len(alts)-1], ", ") + " or " + alts[len(alts)-1]
}

// flagProblem says what the flag package found wrong in words of this
// command line ("--bogus", not "-bogus").
func flagProblem(err error) string {
	msg := err.Error()
	for prefix, say := range map[string]string{
		"flag provided but not defined: -": "unknown flag --%s",
		"flag needs an argument: -":        "flag --%s needs a value",
	} {
		if name, ok := strings.CutPrefix(msg, prefix); ok {
			return fmt.Sprintf(say, strings.TrimLeft(name, "-"))
		}
	}
	return strings.Replace(msg, " -", " --", 1)
}

// parseMixed parses flags and positional arguments in any order.
func parseMixed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// wantsHelp reports whether args ask for the command's help (-h, --help)
// before any "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("%q is not an id", s)
	}
	return id, nil
}
