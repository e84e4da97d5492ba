package message

import (
	"errors"
	"github.com/helpdesk-gw/helpdesk/internal/corpustest"
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
	if root, ok := corpustest.Root(); ok {
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
		for _, s := range []string{m.Subject, m.Text, m.HTML(), m.From.Name, m.MessageID} {
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

// corpusHeaderSeeds returns the values of header field key from a few
// corpus messages, as fuzz seeds.
func corpusHeaderSeeds(key string) []string {
	root, ok := corpustest.Root()
	if !ok {
		return nil
	}
	var out []string
	for _, rel := range []string{
		"mailgun-flanker/tests/fixtures/messages/enclosed.eml",
		"mikel-mail/spec/fixtures/emails/error_emails/header_fields_with_empty_values.eml",
		"php-mime-mail-parser/tests/mails/m0001",
		"stalwart-mail-parser/resources/eml/rfc/002.eml",
		"jhillyerd-enmime/testdata/low-quality/bad-header-start.raw",
		"django-mailbox/django_mailbox/tests/messages/message_with_koi8r_filename_attachments.eml",
	} {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			continue
		}
		h := readHeader(b, true, nil)
		out = append(out, h.header.Values(key)...)
	}
	return out
}

// FuzzParseAddressList checks that address parsing never panics and
// returns lower-cased, valid UTF-8 addresses.
func FuzzParseAddressList(f *testing.F) {
	for _, s := range []string{`"Doe, Jane" <Jane@Example.com>, bob@x.org`, "undisclosed-recipients:;", `=?utf-8?q?J=C3=B6rg?= <j@x.de>`, "<<>>@,"} {
		f.Add(s)
	}
	for _, k := range []string{"From", "To", "Cc", "Reply-To"} {
		for _, v := range corpusHeaderSeeds(k) {
			f.Add(v)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, a := range ParseAddressList(s) {
			if a.Email != strings.ToLower(a.Email) || !utf8.ValidString(a.Name) || !utf8.ValidString(a.Email) {
				t.Fatalf("bad address %+v", a)
			}
		}
	})
}

// FuzzParseReferences checks the Message-ID list parser (References,
// In-Reply-To): no panic; ids non-empty, bounded, valid UTF-8, without
// brackets or white space.
func FuzzParseReferences(f *testing.F) {
	for _, s := range []string{"<a@b> <c@d>", "<a@b>(comment) junk <c@d", "a@b", "<>", "<" + strings.Repeat("x", 2000) + "@y>"} {
		f.Add(s)
	}
	for _, k := range []string{"References", "In-Reply-To", "Message-ID"} {
		for _, v := range corpusHeaderSeeds(k) {
			f.Add(v)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids, _ := parseMsgIDList(s)
		for _, id := range ids {
			if id == "" || strings.ContainsAny(id, "<> \t\r\n") || len(id) > MaxIDLength || !utf8.ValidString(id) {
				t.Fatalf("bad id %q from %q", id, s)
			}
		}
	})
}
