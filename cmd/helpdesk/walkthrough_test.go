package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestWalkthrough runs the README's walk-through the README's way: bash
// docs/walkthrough.sh from an empty folder outside the repository, with
// no HELPDESK_* variables set, so that the script builds the command
// itself; then it checks each step's outcome against the rule book.
func TestWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	script, err := filepath.Abs("../../docs/walkthrough.sh")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command("bash", script)
	cmd.Dir = dir
	cmd.Env = withoutHelpdeskEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("walkthrough: %v\n%s", err, out)
	}
	if !strings.HasSuffix(string(out), "walkthrough: every step had the outcome expected\n") {
		t.Errorf("the walk-through did not say it ended well:\n%s", out)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "walkthrough.db") {
			t.Errorf("the walk-through left %s in its folder", e.Name())
		}
	}
	steps := parseSteps(string(out))
	want := []struct{ step, contains string }{
		{"staff add owner@help.example", "(exit 0)"},
		{"org add freemail", "O2"},
		{"org add freemail", "(exit 1)"},
		{"01-ann-opens.eml", "created ticket 1"},
		{"01-ann-opens.eml", "C1"},
		{"ticket show 1", "cc: carl@cc.example"},
		{"02-partner-writes.eml", "rejected"},
		{"02-partner-writes.eml", "I6"},
		{"org set acme --access view --dry-run", "bob@acme.com gains view on ticket 1"},
		{"03-partner-again.eml", "rejected ticket 1"},
		{"03-partner-again.eml", "I5"},
		{"quarantine list", "pat@partner.example"},
		{"04-ann-ccs-partner.eml", "commented"},
		{"04-ann-ccs-partner.eml", "C2"},
		{"05-partner-comments.eml", "commented"},
		{"05-partner-comments.eml", "R3"},
		{"06-staff-note.eml", "noted"},
		{"06-staff-note.eml", "R7"},
		{"07-forged-staff.eml", "rejected"},
		{"07-forged-staff.eml", "I9"},
		{"08-out-of-office.eml", "auto_reply ticket 1"},
		{"09-bounce.eml", "bounce"},
		{"ticket access 1", "pat@partner.example"},
		{"ticket access 1", "bob@acme.com"},
		{"ticket show 1", "assignee sam@help.example"},
		{"audit", "org.set"},
	}
	for _, w := range want {
		got, ok := findStep(steps, w.step, w.contains)
		if !ok {
			t.Errorf("step %q: output lacks %q:\n%s", w.step, w.contains, got)
		}
	}
	// The forged reply changed nothing; the note reached no end-user (R7).
	show := lastStep(steps, "ticket show 1")
	if strings.Contains(show, "Closing this") || !strings.Contains(show, "status open") {
		t.Errorf("forged staff reply changed the ticket:\n%s", show)
	}
	outbox := lastStep(steps, "outbox list --ticket 1")
	for _, line := range strings.Split(outbox, "\n") {
		if strings.Contains(line, " note ") {
			t.Errorf("an internal note was queued: %s", line)
		}
	}
}

// TestWalkthroughFailsLoudly: a step whose outcome is not the one
// expected stops the script with a non-zero exit naming the step; here
// a "helpdesk" that always succeeds fails the first step expected to be
// refused.
func TestWalkthroughFailsLoudly(t *testing.T) {
	script, err := filepath.Abs("../../docs/walkthrough.sh")
	if err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(t.TempDir(), "helpdesk")
	writeFile(t, fake, "#!/bin/sh\nexit 0\n")
	if err := os.Chmod(fake, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command("bash", script)
	cmd.Dir = dir
	cmd.Env = append(withoutHelpdeskEnv(), "HELPDESK="+fake)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "walkthrough: step 'helpdesk org add freemail --name Nope --domain gmail.com' exited 0, expected 1") {
		t.Fatalf("err %v:\n%s", err, out)
	}
	// Run twice in the same folder, it says so.
	writeFile(t, filepath.Join(dir, "walkthrough.db"), "")
	cmd = exec.Command("bash", script)
	cmd.Dir = dir
	cmd.Env = append(withoutHelpdeskEnv(), "HELPDESK="+fake)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "run the walk-through in an empty folder") {
		t.Errorf("second run: %v\n%s", err, out)
	}
}

// withoutHelpdeskEnv is the environment without the HELPDESK_* variables
// a developer may have set.
func withoutHelpdeskEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HELPDESK") {
			env = append(env, kv)
		}
	}
	return env
}

type step struct{ cmd, out string }

var stepLine = regexp.MustCompile(`(?m)^\$ helpdesk (.*)$`)

func parseSteps(out string) []step {
	idx := stepLine.FindAllStringSubmatchIndex(out, -1)
	var steps []step
	for i, m := range idx {
		end := len(out)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		steps = append(steps, step{cmd: strings.ReplaceAll(out[m[2]:m[3]], `\ `, " "), out: out[m[1]:end]})
	}
	return steps
}

// findStep looks for a step whose command contains name and whose output
// contains want.
func findStep(steps []step, name, want string) (string, bool) {
	var seen []string
	for _, s := range steps {
		if strings.Contains(s.cmd, name) {
			if strings.Contains(s.out, want) {
				return s.out, true
			}
			seen = append(seen, s.out)
		}
	}
	return strings.Join(seen, "\n---\n"), false
}

func lastStep(steps []step, name string) string {
	for i := len(steps) - 1; i >= 0; i-- {
		if strings.Contains(steps[i].cmd, name) {
			return steps[i].out
		}
	}
	return ""
}
