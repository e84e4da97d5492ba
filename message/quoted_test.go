package message

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/helpdesk-gw/helpdesk/model"
)

// Issue 16.6: an address with a quoted local part is read, kept quoted
// where its local part needs it, in the same form model.NormalizeEmail
// gives; an '@' inside the quotes never decides the domain.
func TestParseAddressListQuotedLocalParts(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{`"john smith"@acme.com`, []string{`"john smith"@acme.com`}},
		{`John Smith <"John Smith"@Acme.com>`, []string{`"john smith"@acme.com`}},
		{`"Dot" <"dot..dot"@cc.example>, bob@acme.com`, []string{`"dot..dot"@cc.example`, "bob@acme.com"}},
		{`"ann@acme.com"@evil.example`, []string{`"ann@acme.com"@evil.example`}},
		{`Ann <"ann@acme.com"@evil.example>`, []string{`"ann@acme.com"@evil.example`}},
		{`"ann"@acme.com`, []string{"ann@acme.com"}},
		{`"a\"b"@x.example`, []string{`"a\"b"@x.example`}},
		{`"a,b"@x.example, c@x.example`, []string{`"a,b"@x.example`, "c@x.example"}},
		// net/mail refuses the list (a raw dot in a name): the chunks are read one by one.
		{`J. Smith <"j smith"@acme.com>, x.y <xy@acme.com>`, []string{`"j smith"@acme.com`, "xy@acme.com"}},
		{`" "@x.example`, nil},
	} {
		var got []string
		for _, a := range ParseAddressList(tt.in) {
			got = append(got, a.Email)
			if n := model.NormalizeEmail(a.Email); n != a.Email {
				t.Errorf("%q: %q is not normalized (%q)", tt.in, a.Email, n)
			}
		}
		if strings.Join(got, " | ") != strings.Join(tt.want, " | ") {
			t.Errorf("ParseAddressList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, a := range ParseAddressList(`"ann@acme.com"@evil.example`) {
		if d := model.EmailDomain(a.Email); d != "evil.example" {
			t.Errorf("domain %q, want evil.example", d)
		}
	}
}

// Whatever the header, every address read is normalized (NormalizeEmail
// leaves it as is), has no line break, and its domain (after the last
// '@') has no quote, space or '@'.
func FuzzQuotedAddresses(f *testing.F) {
	for _, s := range []string{`"john smith"@acme.com`, `"dot..dot"@cc.example, b@c.d`, `"ann@acme.com"@evil.example`,
		`A <"a\"b"@x.y>`, `"a@b"@"c"`, `"x"@y (z)`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, a := range ParseAddressList(s) {
			e := a.Email
			if !utf8.ValidString(e) || strings.ContainsAny(e, "\r\n") {
				t.Fatalf("bad address %q", e)
			}
			if d := model.EmailDomain(e); d == "" || strings.ContainsAny(d, "\"@ \t<>") {
				t.Fatalf("bad domain %q of %q", d, e)
			}
			if strings.HasPrefix(e, `"`) && model.NormalizeEmail(e) != e {
				t.Fatalf("%q is not normalized: %q", e, model.NormalizeEmail(e))
			}
		}
	})
}
