package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// usageLine is the command's synopsis: "helpdesk org set SLUG [--name NAME] ...";
// arguments stand before the flags, unless they are a list.
func (c *commandSpec) usageLine() string {
	parts := []string{"helpdesk", c.Words}
	for _, f := range c.Flags {
		if f.Excludes == "" && c.excluded(f.Name) {
			continue // shown with the flag that excludes it
		}
		parts = append(parts, f.synopsis())
	}
	switch {
	case c.Args == "":
	case strings.Contains(c.Args, "..."): // "ingest [--mailbox NAME] [FILE ...]"
		parts = append(parts, c.Args)
	default: // "org add SLUG --domain D"
		parts = append(parts[:2], append([]string{c.Args}, parts[2:]...)...)
	}
	return strings.Join(parts, " ")
}

// excluded reports whether another flag of c names name in Excludes.
func (c *commandSpec) excluded(name string) bool {
	for _, f := range c.Flags {
		if f.Excludes == name {
			return true
		}
	}
	return false
}

// argCounts is the least and most positional arguments Args allows (-1: no
// limit): a WORD is one, [WORD] at most one more, "..." any number.
func (c *commandSpec) argCounts() (min, max int) {
	for _, tok := range strings.Fields(c.Args) {
		switch {
		case strings.Contains(tok, "..."):
			max = -1
		case strings.HasPrefix(tok, "["):
			if max >= 0 {
				max++
			}
		default:
			min++
			if max >= 0 {
				max++
			}
		}
	}
	return min, max
}

// words splits a command's name into its words.
func (c *commandSpec) words() []string { return strings.Fields(c.Words) }

// findCommand finds the command named by the first words of args: the
// longest declared name that they start with. n is the number of words
// used; nil when none matches.
func findCommand(args []string) (spec *commandSpec, n int) {
	for _, c := range commands {
		w := c.words()
		if len(w) > n && hasPrefix(args, w) {
			spec, n = c, len(w)
		}
	}
	return spec, n
}

// commandsUnder lists the commands whose names start with the words of
// prefix ("org", "org domain").
func commandsUnder(prefix []string) []*commandSpec {
	var out []*commandSpec
	for _, c := range commands {
		if w := c.words(); len(w) > len(prefix) && hasPrefix(w, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func hasPrefix(s, prefix []string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i, p := range prefix {
		if s[i] != p {
			return false
		}
	}
	return true
}

// group returns the longest leading words of args that name a group of
// commands ("org domain"), and the group's commands; nil when none.
func group(args []string) (string, []*commandSpec) {
	for n := len(args); n > 0; n-- {
		if cs := commandsUnder(args[:n]); len(cs) > 0 {
			return strings.Join(args[:n], " "), cs
		}
	}
	return "", nil
}

// unknownCommand is the usage error for words that name no command.
func unknownCommand(args []string) error {
	if name, cs := group(args); name != "" {
		var subs []string
		for _, c := range cs {
			subs = append(subs, strings.TrimPrefix(c.Words, name+" "))
		}
		if len(args) > len(strings.Fields(name)) && !strings.HasPrefix(args[len(strings.Fields(name))], "-") {
			return usagef("%s: unknown command %q (want %s; see 'helpdesk help %s')",
				name, args[len(strings.Fields(name))], strings.Join(subs, ", "), name)
		}
		return usagef("%s: which one? %s (see 'helpdesk help %s')", name, strings.Join(subs, ", "), name)
	}
	if len(args) == 0 {
		return usagef("no command (see 'helpdesk help')")
	}
	return usagef("unknown command %q (see 'helpdesk help')", args[0])
}

// printOverview is helpdesk help: every command with its synopsis.
func printOverview(w io.Writer) {
	fmt.Fprint(w, "helpdesk: an email-driven helpdesk gateway\n\nusage: helpdesk [global flags] COMMAND [flags] [args]\n\ncommands:\n")
	for _, c := range commands {
		line := strings.TrimPrefix(c.usageLine(), "helpdesk ")
		if len(line) <= 44 {
			fmt.Fprintf(w, "  %-44s %s\n", line, c.Summary)
			continue
		}
		fmt.Fprintf(w, "  %s\n  %-44s %s\n", wrap(line, 4, 96), "", c.Summary)
	}
	fmt.Fprint(w, "\n")
	printFlags(w, "global flags (anywhere on the line):", globalSpecs())
	fmt.Fprint(w, "\n'helpdesk help COMMAND' or 'helpdesk COMMAND --help' prints a command's usage and flags.\n"+
		"Exit codes: 0 done, 1 refused or failed, 2 wrong usage.\n")
}

// printCommandHelp is helpdesk help COMMAND and COMMAND --help.
func printCommandHelp(w io.Writer, c *commandSpec) {
	fmt.Fprintf(w, "usage: %s\n\n%s\n", wrap(c.usageLine(), 7, 96), c.Summary)
	if len(c.Flags) > 0 {
		fmt.Fprint(w, "\n")
		printFlags(w, "flags:", c.Flags)
	}
	fmt.Fprint(w, "\n")
	printFlags(w, "global flags:", globalSpecs())
}

func globalSpecs() []flagSpec {
	out := make([]flagSpec, len(globalFlags))
	for i, f := range globalFlags {
		out[i] = f.flagSpec
	}
	return out
}

// printFlags lists flags with their help, one a line.
func printFlags(w io.Writer, title string, fs []flagSpec) {
	fmt.Fprintln(w, title)
	for _, f := range fs {
		name := "--" + f.Name
		if f.Kind != flagBool {
			name += " " + f.Value
		}
		help := f.Help
		if f.Kind == flagList {
			help += " (repeatable)"
		}
		if f.Required {
			help += " (required)"
		}
		if len(name) <= 28 {
			fmt.Fprintf(w, "  %-28s %s\n", name, help)
		} else {
			fmt.Fprintf(w, "  %s\n  %-28s %s\n", name, "", help)
		}
	}
}

// wrap breaks a synopsis between its words at width, indenting the
// continuation lines by indent spaces.
func wrap(s string, indent, width int) string {
	var b strings.Builder
	col := 0
	for i, tok := range splitSynopsis(s) {
		if i > 0 && col+1+len(tok) > width {
			b.WriteString("\n" + strings.Repeat(" ", indent))
			col = indent
		} else if i > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(tok)
		col += len(tok)
	}
	return b.String()
}

// splitSynopsis splits a synopsis into words, keeping a bracketed group
// ("[--org SLUG ...]") in one piece.
func splitSynopsis(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '[':
			depth++
		case ']':
			depth--
		case ' ':
			if depth == 0 {
				if i > start {
					out = append(out, s[start:i])
				}
				start = i + 1
			}
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// cmdHelp is helpdesk help [COMMAND]: the overview, one command's help, or
// a group's ("helpdesk help org").
func cmdHelp(ctx context.Context, e *env, in *invocation) error {
	if len(in.pos) == 0 {
		printOverview(e.stdout)
		return nil
	}
	if c, n := findCommand(in.pos); c != nil && n == len(in.pos) {
		printCommandHelp(e.stdout, c)
		return nil
	}
	cs := commandsUnder(in.pos)
	if len(cs) == 0 {
		return unknownCommand(in.pos)
	}
	for i, c := range cs {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprintf(e.stdout, "%s\n    %s\n", wrap(c.usageLine(), 8, 96), c.Summary)
	}
	return nil
}
