package quote_test

import (
	"encoding/json"
	"github.com/helpdesk-gw/helpdesk/internal/corpustest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/message"
	"github.com/helpdesk-gw/helpdesk/message/quote"
)

// normWS collapses all whitespace runs to one space.
func normWS(s string) string { return strings.Join(strings.Fields(s), " ") }

// noWS removes all whitespace (talon's rule for HTML replies).
func noWS(s string) string { return strings.Join(strings.Fields(s), "") }

// scoreCase is one trimming case: the input and the expected reply.
type scoreCase struct {
	name, input, want string
	exact             func(got, want string) bool
}

// score runs the cases and returns how many matched, logging misses when
// the -v flag is on.
func score(t *testing.T, folder string, cases []scoreCase) (int, int) {
	t.Helper()
	ok := 0
	var misses []string
	for _, c := range cases {
		eq := c.exact
		if eq == nil {
			eq = func(g, w string) bool { return normWS(g) == normWS(w) }
		}
		got := quote.Trim(c.input)
		if eq(got, c.want) {
			ok++
		} else {
			misses = append(misses, c.name)
			if os.Getenv("SCORE_DIFF") != "" {
				t.Logf("MISS %s\n--- got\n%s\n--- want\n%s", c.name, got, c.want)
			}
		}
	}
	sort.Strings(misses)
	t.Logf("%-34s %3d/%3d (%5.1f%%) misses: %s", folder, ok, len(cases), 100*float64(ok)/float64(max(1, len(cases))), strings.Join(misses, " "))
	return ok, len(cases)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(readFile(t, path)), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func discourseCases(t *testing.T, root string) []scoreCase {
	dir := filepath.Join(root, "discourse-email_reply_trimmer", "test")
	files, _ := filepath.Glob(filepath.Join(dir, "emails", "*.txt"))
	var cases []scoreCase
	for _, f := range files {
		name := filepath.Base(f)
		want, err := os.ReadFile(filepath.Join(dir, "trimmed", name))
		if err != nil {
			continue
		}
		cases = append(cases, scoreCase{name: name, input: readFile(t, f), want: string(want)})
	}
	return cases
}

func githubCases(t *testing.T, root string) []scoreCase {
	dir := filepath.Join(root, "github-email_reply_parser")
	var doc struct {
		Tests map[string]struct {
			Fixture string           `json:"fixture"`
			Checks  []map[string]any `json:"checks"`
		} `json:"tests"`
	}
	readJSON(t, filepath.Join(dir, "_derived_expected.json"), &doc)
	var cases []scoreCase
	for name, tc := range doc.Tests {
		for _, c := range tc.Checks {
			if want, ok := c["parse_reply"].(string); ok {
				cases = append(cases, scoreCase{name: name, input: readFile(t, filepath.Join(dir, tc.Fixture)), want: want})
			}
		}
	}
	return cases
}

func crispCases(t *testing.T, root string) []scoreCase {
	dir := filepath.Join(root, "crisp-email-reply-parser")
	var doc struct {
		Common string `json:"COMMON_FIRST_FRAGMENT"`
		Tests  map[string]struct {
			Fixture string           `json:"fixture"`
			Checks  []map[string]any `json:"checks"`
		} `json:"tests"`
	}
	readJSON(t, filepath.Join(dir, "_derived_expected.json"), &doc)
	var cases []scoreCase
	for name, tc := range doc.Tests {
		for _, c := range tc.Checks {
			want, ok := "", false
			for _, key := range []string{"first_fragment_trimmed", "visible_text", "visible_text_trimmed", "fragment_0"} {
				if v, isStr := c[key].(string); isStr {
					want, ok = v, true
				}
			}
			if !ok {
				continue
			}
			if want == "COMMON_FIRST_FRAGMENT" {
				want = doc.Common
			}
			cases = append(cases, scoreCase{name: name, input: readFile(t, filepath.Join(dir, tc.Fixture)), want: want})
			break
		}
	}
	return cases
}

func talonCases(t *testing.T, root string) []scoreCase {
	dir := filepath.Join(root, "mailgun-talon")
	var doc struct {
		Standard struct {
			Expected map[string]string `json:"expected"`
		} `json:"standard_replies"`
		HTML struct {
			ExpectedText string   `json:"expected_text"`
			Files        []string `json:"files"`
		} `json:"html_replies"`
	}
	readJSON(t, filepath.Join(dir, "_derived_expected.json"), &doc)
	var cases []scoreCase
	for file, want := range doc.Standard.Expected {
		m, err := message.Parse([]byte(readFile(t, filepath.Join(dir, file))), message.Options{})
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		cases = append(cases, scoreCase{name: filepath.Base(file), input: m.Text, want: want})
	}
	for _, file := range doc.HTML.Files {
		text := message.HTMLToText(quote.TrimHTML(readFile(t, filepath.Join(dir, file))))
		cases = append(cases, scoreCase{name: "html/" + filepath.Base(file), input: text, want: doc.HTML.ExpectedText,
			exact: func(g, w string) bool { return noWS(g) == noWS(w) }})
	}
	return cases
}

// exceptions are the peers' expectations that contradict issue 3, by
// folder and case name, with the reason. They are reported but not scored.
var exceptions = map[string]map[string]string{
	"discourse-email_reply_trimmer": {
		"forwarded_apple.txt":   "a forward is content, kept whole (Discourse drops it)",
		"forwarded_gmail.txt":   "a forward is content, kept whole (Discourse drops it)",
		"forwarded_message.txt": "a forward is content, kept whole (Discourse keeps only its body)",
	},
	"mailgun-talon": {
		"iphone.eml":  "signatures are trimmed (talon's quotation step leaves \"Sent from my iPhone\" to its signature step)",
		"sparrow.eml": "signatures are trimmed (talon's quotation step leaves the \"-- \" signature to its signature step)",
	},
}

// goalPercent is issue 3's goal for every folder.
const goalPercent = 95.0

// TestCorpusScores measures Trim (and TrimHTML for HTML replies) against
// the peers' expectations, whitespace normalised, and fails when a folder
// scores below the goal. Documented exceptions are left out of the score.
func TestCorpusScores(t *testing.T) {
	root := corpustest.Dir(t)
	folders := []struct {
		name  string
		cases []scoreCase
	}{
		{"discourse-email_reply_trimmer", discourseCases(t, root)},
		{"github-email_reply_parser", githubCases(t, root)},
		{"crisp-email-reply-parser", crispCases(t, root)},
		{"mailgun-talon", talonCases(t, root)},
		{"inline-replies", inlineCases(t, root)},
	}
	total, totalOK := 0, 0
	for _, f := range folders {
		var scored []scoreCase
		for _, c := range f.cases {
			if why, ok := exceptions[f.name][c.name]; ok {
				t.Logf("%-34s exception %s: %s", f.name, c.name, why)
				continue
			}
			scored = append(scored, c)
		}
		ok, n := score(t, f.name, scored)
		total += n
		totalOK += ok
		if pct := 100 * float64(ok) / float64(max(1, n)); pct < goalPercent {
			t.Errorf("%s: %d/%d (%.1f%%) trimmed as expected, below the goal of %.0f%%", f.name, ok, n, pct, goalPercent)
		}
	}
	t.Logf("%-34s %3d/%3d (%5.1f%%)", "all", totalOK, total, 100*float64(totalOK)/float64(max(1, total)))
}
