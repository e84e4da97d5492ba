package message

import (
	"encoding/json"
	"github.com/helpdesk-gw/helpdesk/internal/corpustest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stalwartTree is the part of a stalwart parse tree that the body,
// recipient and attachment comparisons read.
type stalwartTree struct {
	TextBody    []int          `json:"text_body"`
	Attachments []int          `json:"attachments"`
	Parts       []stalwartPart `json:"parts"`
}

type stalwartPart struct {
	Headers []struct {
		Name  json.RawMessage `json:"name"`
		Value json.RawMessage `json:"value"`
	} `json:"headers"`
	Body map[string]json.RawMessage `json:"body"`
}

// header returns the raw value of the named (lower-case) header, or nil.
func (p stalwartPart) header(name string) json.RawMessage {
	for _, h := range p.Headers {
		if string(h.Name) == `"`+name+`"` {
			return h.Value
		}
	}
	return nil
}

// fileName is the part's filename (Content-Disposition) or name
// (Content-Type) parameter, "" when it has neither.
func (p stalwartPart) fileName() string {
	for _, hd := range []struct{ header, param string }{{"content_disposition", "filename"}, {"content_type", "name"}} {
		var v struct {
			ContentType struct {
				Attributes []struct{ Name, Value string } `json:"attributes"`
			}
		}
		if raw := p.header(hd.header); raw == nil || json.Unmarshal(raw, &v) != nil {
			continue
		}
		for _, a := range v.ContentType.Attributes {
			if strings.EqualFold(a.Name, hd.param) && a.Value != "" {
				return a.Value
			}
		}
	}
	return ""
}

// addresses returns the addresses of an address header, lower-cased.
func (p stalwartPart) addresses(name string) []string {
	var v struct {
		Address struct {
			List []struct {
				Address *string `json:"address"`
			}
		}
	}
	raw := p.header(name)
	if raw == nil || json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var out []string
	for _, a := range v.Address.List {
		if a.Address != nil && strings.Contains(*a.Address, "@") {
			out = append(out, strings.ToLower(*a.Address))
		}
	}
	return out
}

// text returns the plain-text body stalwart reads, and false when a part of
// it is not plain text (HTML converted by stalwart's own rules is not
// compared).
func (tr stalwartTree) text() (string, bool) {
	var texts []string
	for _, i := range tr.TextBody {
		if i < 0 || i >= len(tr.Parts) {
			return "", false
		}
		raw, ok := tr.Parts[i].Body["Text"]
		if !ok {
			return "", false
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		texts = append(texts, s)
	}
	return strings.Join(texts, "\n"), len(texts) > 0
}

// stalwartScore counts agreement on one field.
type stalwartScore struct{ ok, n int }

func (s *stalwartScore) add(t *testing.T, ok bool, format string, args ...any) {
	s.n++
	if ok {
		s.ok++
	} else {
		t.Logf(format, args...)
	}
}

// TestStalwartBodies compares the To addresses, the plain-text body and the
// attachment names with stalwart-mail-parser's parse trees.
func TestStalwartBodies(t *testing.T) {
	root := filepath.Join(corpustest.Dir(t), "stalwart-mail-parser", "resources", "eml")
	jsons, _ := filepath.Glob(filepath.Join(root, "*", "*.json"))
	var to, text, malformedText, att stalwartScore
	for _, js := range jsons {
		var tr stalwartTree
		readJSON(t, js, &tr)
		raw, err := os.ReadFile(strings.TrimSuffix(js, ".json") + ".eml")
		if err != nil || len(tr.Parts) == 0 {
			continue
		}
		rel, _ := filepath.Rel(root, js)
		m, err := Parse(raw, Options{})
		if m == nil {
			t.Logf("%s: %v", rel, err)
			continue
		}
		if want := tr.Parts[0].addresses("to"); len(want) > 0 {
			var got []string
			for _, a := range m.To {
				got = append(got, a.Email)
			}
			to.add(t, strings.Join(got, ",") == strings.Join(want, ","), "%s to: got %v want %v", rel, got, want)
		}
		if want, ok := tr.text(); ok {
			score := &text
			if strings.HasPrefix(rel, "malformed") {
				score = &malformedText // broken MIME: see the floor below
			}
			score.add(t, sameText(m.Text, want), "%s text: got %q\nwant %q", rel, clip(m.Text), clip(want))
		}
		names := map[string]bool{}
		for _, a := range m.Attachments {
			names[a.Filename] = true
		}
		for _, i := range tr.Attachments {
			if i < 0 || i >= len(tr.Parts) {
				continue
			}
			if name := tr.Parts[i].fileName(); name != "" {
				att.add(t, hasName(names, name), "%s attachment %q not among %v", rel, name, names)
			}
		}
	}
	t.Logf("stalwart-mail-parser: to %d/%d (%.1f%%), text body %d/%d (%.1f%%), text body of malformed/ %d/%d (%.1f%%), attachment names %d/%d (%.1f%%)",
		to.ok, to.n, pct(to.ok, to.n), text.ok, text.n, pct(text.ok, text.n),
		malformedText.ok, malformedText.n, pct(malformedText.ok, malformedText.n), att.ok, att.n, pct(att.ok, att.n))
	floor(t, "stalwart to", to.ok, to.n, 98)
	floor(t, "stalwart attachment names", att.ok, att.n, 98)
	// Issue 3's goal. The one miss is base64 with junk after its padding
	// followed by a part of pure junk (thirdparty/002), where each decoder
	// keeps different bytes. Below the goal, malformed/: Dovecot's broken
	// boundaries, where each parser has its own reading of a broken
	// structure (docs/parsing-scores.md).
	floor(t, "stalwart text body", text.ok, text.n, 98)
	floor(t, "stalwart text body of malformed/", malformedText.ok, malformedText.n, 40)
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// hasName reports whether names holds want as Parse writes it: made safe
// for storage (path and reserved characters dropped, see cleanFilename);
// a U+FFFD in want, a byte the peer could not decode, matches any one
// character.
func hasName(names map[string]bool, want string) bool {
	const wildcard = '\uE000'
	w := []rune(cleanFilename(strings.ReplaceAll(want, "\uFFFD", string(wildcard))))
	for n := range names {
		g := []rune(n)
		if len(g) != len(w) {
			continue
		}
		same := true
		for i := range w {
			if w[i] != wildcard && w[i] != g[i] {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}
