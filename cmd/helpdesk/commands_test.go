package main

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// Commands and flags of cli.md not built yet. The test fails when one of
// them is declared: then take it off these lists.
var (
	missingCommands = []string{}
	missingFlags    = map[string][]string{}
)

// specCommand is one command of cli.md's synopsis block, with its flags.
type specCommand struct {
	words string
	flags []string
}

// TestCommandsOfTheContractAreDeclared reads the synopsis block of
// ../shared/spec/cli.md and checks that every command and flag it lists is
// declared (apart from the known-missing ones above), and that help prints
// every declared command.
func TestCommandsOfTheContractAreDeclared(t *testing.T) {
	spec := parseCLISpec(t, readCLISpec(t))
	if len(spec) < 30 {
		t.Fatalf("read only %d commands from cli.md's synopsis block: has its format changed?", len(spec))
	}
	missing := map[string]bool{}
	for _, w := range missingCommands {
		missing[w] = true
	}
	var absent []string
	for _, sc := range spec {
		c, n := findCommand(strings.Fields(sc.words))
		declared := c != nil && n == len(strings.Fields(sc.words))
		switch {
		case missing[sc.words] && declared:
			t.Errorf("%q is declared now: take it off missingCommands", sc.words)
		case missing[sc.words]:
			absent = append(absent, sc.words)
		case !declared:
			t.Errorf("cli.md lists %q, which is not declared", sc.words)
		default:
			absent = append(absent, checkFlags(t, c, sc)...)
		}
	}
	if len(absent) > 0 {
		t.Logf("known missing from cli.md: %s", strings.Join(absent, "; "))
	}
	_, out, _ := newCLI(t).run("", "help")
	for _, c := range commands {
		if !strings.Contains(out, "\n  "+c.Words+" ") && !strings.Contains(out, "\n  "+c.Words+"\n") {
			t.Errorf("helpdesk help does not list %q", c.Words)
		}
	}
}

// checkFlags compares a declared command's flags with cli.md's, and
// returns the known-missing ones.
func checkFlags(t *testing.T, c *commandSpec, sc specCommand) (absent []string) {
	t.Helper()
	declared := map[string]bool{}
	for _, f := range c.Flags {
		declared[f.Name] = true
	}
	known := map[string]bool{}
	for _, f := range missingFlags[sc.words] {
		known[f] = true
	}
	for _, f := range sc.flags {
		switch {
		case known[f] && declared[f]:
			t.Errorf("%s --%s is declared now: take it off missingFlags", sc.words, f)
		case known[f]:
			absent = append(absent, sc.words+" --"+f)
		case !declared[f]:
			t.Errorf("cli.md gives %s the flag --%s, which is not declared", sc.words, f)
		}
	}
	return absent
}

// readCLISpec reads ../shared/spec/cli.md beside the module root. Without
// it the test skips, or fails under HELPDESK_TEST_STRICT=1.
func readCLISpec(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if parent := filepath.Dir(dir); parent != dir {
			dir = parent
			continue
		}
		t.Fatal("no go.mod above the test's directory")
	}
	path := filepath.Join(dir, "..", "shared", "spec", "cli.md")
	b, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("HELPDESK_TEST_STRICT") == "1" {
			t.Fatalf("the command-line contract is missing beside the module root: %v", err)
		}
		t.Skipf("the command-line contract is missing beside the module root (%v); HELPDESK_TEST_STRICT=1 makes this a failure", err)
	}
	return string(b)
}

var specFlag = regexp.MustCompile(`--([a-z][a-z-]*)`)

// parseCLISpec reads the fenced block under "## Commands": a line
// "helpdesk WORDS ARGS [FLAGS]   comment" per command, continued on
// indented lines; "a|b" among the words, and " | " between alternatives
// ("quarantine list | show ID"), name several commands.
func parseCLISpec(t *testing.T, md string) []specCommand {
	t.Helper()
	_, after, ok := strings.Cut("\n"+md, "\n## Commands\n")
	if !ok {
		t.Fatal(`cli.md has no "## Commands" section`)
	}
	_, block, ok := strings.Cut(after, "```\n")
	if ok {
		block, _, ok = strings.Cut(block, "```")
	}
	if !ok {
		t.Fatal(`cli.md's "## Commands" section has no fenced block`)
	}
	var lines []string
	for _, l := range strings.Split(block, "\n") {
		l = synopsisPart(l)
		switch {
		case strings.HasPrefix(l, "helpdesk "):
			lines = append(lines, strings.TrimPrefix(l, "helpdesk "))
		case strings.TrimSpace(l) != "" && len(lines) > 0:
			lines[len(lines)-1] += " " + strings.TrimSpace(l)
		}
	}
	var out []specCommand
	for _, l := range lines {
		out = append(out, specLine(l)...)
	}
	return out
}

var commentGap = regexp.MustCompile(`\s{2,}`)

// synopsisPart drops a line's comment: what follows a run of two or more
// spaces after the synopsis.
func synopsisPart(l string) string {
	trimmed := strings.TrimLeft(l, " ")
	lead := l[:len(l)-len(trimmed)]
	if i := commentGap.FindStringIndex(trimmed); i != nil {
		trimmed = trimmed[:i[0]]
	}
	return lead + trimmed
}

// specLine expands one synopsis into its commands.
func specLine(l string) []specCommand {
	alts := strings.Split(l, " | ")
	first := strings.Fields(alts[0])
	prefix := commandWords(first)
	var out []specCommand
	for i, alt := range alts {
		fields := strings.Fields(alt)
		words := commandWords(fields)
		if i > 0 && len(prefix) > 0 {
			words = append(append([]string{}, prefix[:len(prefix)-1]...), words...)
		}
		var flags []string
		for _, m := range specFlag.FindAllStringSubmatch(alt, -1) {
			flags = append(flags, m[1])
		}
		sort.Strings(flags)
		for _, w := range expandWords(words) {
			out = append(out, specCommand{words: w, flags: flags})
		}
	}
	return out
}

var lowerWord = regexp.MustCompile(`^[a-z]+(\|[a-z]+)*$`)

// commandWords are the leading lower-case words ("org", "domain", "add|remove").
func commandWords(fields []string) []string {
	var out []string
	for _, f := range fields {
		if !lowerWord.MatchString(f) {
			break
		}
		out = append(out, f)
	}
	return out
}

// expandWords turns ["org", "domain", "add|remove"] into "org domain add"
// and "org domain remove".
func expandWords(words []string) []string {
	out := []string{""}
	for _, w := range words {
		var next []string
		for _, prefix := range out {
			for _, alt := range strings.Split(w, "|") {
				next = append(next, strings.TrimSpace(prefix+" "+alt))
			}
		}
		out = next
	}
	return out
}

func TestCLISpecParser(t *testing.T) {
	md := "## Commands\n\n```\n" +
		"helpdesk serve                                   run the gateway\n" +
		"helpdesk org add SLUG --name NAME --domain D [--access own|view]\n" +
		"                 [--intake open|registered] [--force]\n" +
		"helpdesk org domain add|remove SLUG DOMAIN [--force]\n" +
		"helpdesk user add EMAIL [--name NAME]   (an existing user is registered, exit 0)\n" +
		"helpdesk ticket show ID [--as-viewer EMAIL]      (--as-viewer: what that person would see, R1–R7)\n" +
		"helpdesk quarantine list | show ID | release ID\n" +
		"helpdesk help [COMMAND] | version\n" +
		"```\n"
	got := map[string]string{}
	for _, c := range parseCLISpec(t, md) {
		got[c.words] = strings.Join(c.flags, ",")
	}
	want := map[string]string{
		"serve": "", "org add": "access,domain,force,intake,name", "org domain add": "force", "org domain remove": "force",
		"user add": "name", "ticket show": "as-viewer", "quarantine list": "", "quarantine show": "", "quarantine release": "",
		"help": "", "version": "",
	}
	if len(got) != len(want) {
		t.Errorf("got %v", got)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%q: flags %q (found %v), want %q", k, g, ok, v)
		}
	}
}
