package message

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics, fails only with its sentinels,
// and keeps its invariants (valid UTF-8, lower-cased addresses, bounded ids).
func FuzzParse(f *testing.F) {
	f.Add([]byte("From: a@example.com\r\nSubject: =?koi8-r?B?8NLJ18XU?=\r\n\r\nhi\r\n"))
	f.Add([]byte("From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n\n<p>x</p>\n--b\nContent-Type: message/rfc822\n\nSubject: s\n\ny\n"))
	f.Add([]byte(" From: x\n\n"))
	if root, ok := corpusRoot(); ok {
		for _, rel := range []string{
			"jhillyerd-enmime/testdata/low-quality/bad-header-start.raw",
			"jhillyerd-enmime/testdata/parts/multi-malformed.raw",
			"php-mime-mail-parser/tests/mails/m0001",
			"stalwart-mail-parser/resources/eml/malformed/000.eml",
			"mailgun-flanker/tests/fixtures/messages/enclosed.eml",
		} {
			if b, err := os.ReadFile(filepath.Join(root, rel)); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(raw, Options{MaxParts: 200})
		if err != nil {
			if strings.Contains(err.Error(), "panic") {
				t.Fatal(err)
			}
			if !errors.Is(err, ErrNotAMessage) && !errors.Is(err, ErrNoFrom) {
				t.Fatalf("unexpected error %v", err)
			}
			if m == nil {
				return
			}
		}
		for _, s := range []string{m.Subject, m.Text, m.HTML, m.From.Name, m.MessageID} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8: %q", s)
			}
		}
		if m.From.Email != strings.ToLower(m.From.Email) || len(m.MessageID) > MaxIDLength {
			t.Fatalf("invariant broken: %+v %d", m.From, len(m.MessageID))
		}
		for _, a := range m.Attachments {
			if !utf8.ValidString(a.Filename) || a.Filename == "" {
				t.Fatalf("bad filename %q", a.Filename)
			}
		}
	})
}

// corpusRoot finds the corpus without a testing.T, for fuzz seeds.
func corpusRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			corpus := filepath.Join(dir, "..", "shared", "corpus")
			_, err := os.Stat(corpus)
			return corpus, err == nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}
