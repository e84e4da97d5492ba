package quote_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/message"
	"github.com/helpdesk-gw/helpdesk/message/quote"
)

// corpusDir locates <module root>/../shared/corpus, or skips the test.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("module root not found")
		}
		dir = parent
	}
	corpus := filepath.Join(dir, "..", "shared", "corpus")
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("mail corpus not found at %s", corpus)
	}
	return corpus
}

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
		if got := quote.Trim(c.input); eq(got, c.want) {
			ok++
		} else {
			misses = append(misses, c.name)
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
		text := message.HTMLToText(readFile(t, filepath.Join(dir, file)))
		cases = append(cases, scoreCase{name: "html/" + filepath.Base(file), input: text, want: doc.HTML.ExpectedText,
			exact: func(g, w string) bool { return noWS(g) == noWS(w) }})
	}
	return cases
}

// TestCorpusScores measures Trim against the peers' expectations and fails
// when a folder's score drops below its floor (set a little below the score
// reached, so that regressions show).
func TestCorpusScores(t *testing.T) {
	root := corpusDir(t)
	folders := []struct {
		name  string
		cases []scoreCase
		floor int
	}{
		// Discourse also trims forwarded messages; we keep them (3 misses).
		{"discourse-email_reply_trimmer", discourseCases(t, root), 55},
		{"github-email_reply_parser", githubCases(t, root), 8},
		{"crisp-email-reply-parser", crispCases(t, root), 43},
		{"mailgun-talon", talonCases(t, root), 17},
	}
	total, totalOK := 0, 0
	for _, f := range folders {
		ok, n := score(t, f.name, f.cases)
		total += n
		totalOK += ok
		if ok < f.floor {
			t.Errorf("%s: %d cases trimmed as expected, below the floor of %d", f.name, ok, f.floor)
		}
	}
	t.Logf("%-34s %3d/%3d (%5.1f%%)", "all", totalOK, total, 100*float64(totalOK)/float64(max(1, total)))
}
