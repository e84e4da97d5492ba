package model

import (
	"strings"
	"testing"
)

// Issue 16.6: quoted local parts are addresses; NormalizeEmail gives each
// its one canonical form, and the domain is what follows the last '@'.
func TestNormalizeEmailQuotedLocalParts(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{" Ann@Acme.COM ", "ann@acme.com"},
		{`"John Smith"@Acme.com`, `"john smith"@acme.com`},
		{`"john smith"@acme.com`, `"john smith"@acme.com`},
		{`"dot..dot"@cc.example`, `"dot..dot"@cc.example`},
		{`"ann"@acme.com`, "ann@acme.com"},
		{`"Ann@Acme.com"@Evil.example`, `"ann@acme.com"@evil.example`},
		{`"a\"b"@x.example`, `"a\"b"@x.example`},
		{`"a b"@x.example (a comment)`, `"a b"@x.example (a comment)`}, // not a bare address: as written
		{`"a b" <c@d.example>`, `"a b" <c@d.example>`},
		{"dot..dot@cc.example", "dot..dot@cc.example"}, // unquoted: as written
		{`"unclosed@x.example`, `"unclosed@x.example`},
		{"", ""},
	} {
		if got := NormalizeEmail(tt.in); got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEmailDomainAndLocalPartOfQuotedAddresses(t *testing.T) {
	for _, tt := range []struct{ in, domain, local string }{
		{`"ann@acme.com"@evil.example`, "evil.example", `"ann@acme.com"`},
		{`"john smith"@Acme.com`, "acme.com", `"john smith"`},
		{`"dot..dot"@cc.example`, "cc.example", `"dot..dot"`},
		{"ann@acme.com", "acme.com", "ann"},
		{"no-at", "", "no-at"},
	} {
		if d := EmailDomain(tt.in); d != tt.domain {
			t.Errorf("EmailDomain(%q) = %q, want %q", tt.in, d, tt.domain)
		}
		if l := LocalPart(tt.in); l != tt.local {
			t.Errorf("LocalPart(%q) = %q, want %q", tt.in, l, tt.local)
		}
	}
	if d := EmailDomain(NormalizeEmail(`"ann@acme.com"@evil.example`)); d != "evil.example" {
		t.Errorf("domain of the normalized address: %q", d)
	}
}

// NormalizeEmail is idempotent, keeps the domain, and never moves an
// address to another domain.
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{`"john smith"@acme.com`, `"ann@acme.com"@evil.example`, `"dot..dot"@cc.example`, "ann@acme.com", `"a\"b"@x`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeEmail(s)
		if NormalizeEmail(n) != n {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, n, NormalizeEmail(n))
		}
		if d := EmailDomain(strings.TrimSpace(s)); EmailDomain(n) != d {
			t.Fatalf("domain moved: %q (%q) -> %q (%q)", s, d, n, EmailDomain(n))
		}
	})
}
