package authres

import (
	"bufio"
	"reflect"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"
)

const trusted = "mx.helpdesk.example"

// hdr reads a raw header block (folded lines allowed) the way the ingest
// pipeline does.
func hdr(t testing.TB, raw string) Header {
	t.Helper()
	raw = strings.ReplaceAll(raw, "\n", "\r\n") + "\r\n"
	h, err := textproto.ReadHeader(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatalf("read header: %v", err)
	}
	return &h
}

func TestP1_DMARCPassProves(t *testing.T) {
	for _, raw := range []string{
		"Authentication-Results: mx.helpdesk.example; dmarc=pass (p=none dis=none) header.from=acme.com",
		"Authentication-Results: MX.Helpdesk.Example 1; spf=pass smtp.mailfrom=x@acme.com;\n dmarc=pass\n  header.from=ACME.com.",
		"Authentication-Results: mx.helpdesk.example;\n\tdkim=fail header.d=evil.example;\n\tDMARC = Pass (comment; with \"semicolon\") header.from = \"acme.com\" policy.dmarc=reject",
	} {
		r := Evaluate(hdr(t, raw), trusted, "acme.com")
		if r.Verdict != Proven || !reflect.DeepEqual(r.Rules, []string{"P1"}) {
			t.Errorf("%q: got %+v, want proven by P1", raw, r)
		}
	}
	// dmarc=pass for another domain proves nothing about this From.
	r := Evaluate(hdr(t, "Authentication-Results: mx.helpdesk.example; dmarc=pass header.from=other.com"), trusted, "acme.com")
	if r.Verdict != Claimed {
		t.Errorf("dmarc=pass for other.com: got %v, want claimed", r.Verdict)
	}
}

func TestP1_AlignedDKIMProves(t *testing.T) {
	for _, tc := range []struct{ raw, from string }{
		{"Authentication-Results: mx.helpdesk.example; dkim=pass (2048-bit key) header.d=acme.com header.s=s1", "acme.com"},
		{"Authentication-Results: mx.helpdesk.example; dkim=pass header.d=mail.acme.com", "acme.com"},
		{"Authentication-Results: mx.helpdesk.example; dkim=pass header.d=acme.co.uk", "support.acme.co.uk"},
		{"Authentication-Results: mx.helpdesk.example; dkim=pass header.i=@news.acme.com", "acme.com"},
		{"Authentication-Results: mx.helpdesk.example; dkim=fail header.d=acme.com; dkim/1=pass header . d=acme.com", "acme.com"},
	} {
		if r := Evaluate(hdr(t, tc.raw), trusted, tc.from); r.Verdict != Proven {
			t.Errorf("%q from %s: got %+v, want proven", tc.raw, tc.from, r)
		}
	}
}

func TestP1_UnalignedDKIMClaims(t *testing.T) {
	for _, tc := range []struct{ raw, from string }{
		{"Authentication-Results: mx.helpdesk.example; dkim=pass header.d=sendgrid.net", "acme.com"},
		{"Authentication-Results: mx.helpdesk.example; dkim=pass header.d=other.co.uk", "acme.co.uk"},
		{"Authentication-Results: mx.helpdesk.example; dkim=pass header.d=bob.github.io", "alice.github.io"},
		{"Authentication-Results: mx.helpdesk.example; dkim=fail header.d=acme.com", "acme.com"},
		{"Authentication-Results: mx.helpdesk.example; dkim=neutral header.d=acme.com", "acme.com"},
		{"Authentication-Results: mx.helpdesk.example; spf=pass smtp.mailfrom=acme.com", "acme.com"},
		{"Authentication-Results: mx.helpdesk.example; none", "acme.com"},
		{"Authentication-Results: mx.helpdesk.example; dkim=pass header.d=acme.com", ""},
	} {
		if r := Evaluate(hdr(t, tc.raw), trusted, tc.from); r.Verdict != Claimed {
			t.Errorf("%q from %q: got %+v, want claimed", tc.raw, tc.from, r)
		}
	}
}

func TestP1_UntrustedHeaderIgnored(t *testing.T) {
	// Headers are prepended as mail travels: the topmost trusted one was
	// written by our receiving server; anything below it came with the
	// message and may be the sender's own.
	raw := strings.Join([]string{
		"Authentication-Results: mx.google.com; dmarc=pass header.from=acme.com",
		"Authentication-Results: mx.helpdesk.example; dkim=pass header.d=evil.example; dmarc=none header.from=acme.com",
		"Authentication-Results: mx.helpdesk.example; dmarc=pass header.from=acme.com",
		"Authentication-Results: spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=acme.com; dmarc=pass header.from=acme.com",
	}, "\n")
	if r := Evaluate(hdr(t, raw), trusted, "acme.com"); r.Verdict != Claimed {
		t.Errorf("forged headers counted: got %+v, want claimed", r)
	}
	// Only other hosts' headers: nothing is trusted.
	raw = "Authentication-Results: mx.google.com; dmarc=pass header.from=acme.com\n" +
		"Authentication-Results: mx.helpdesk.example.evil.com; dmarc=pass header.from=acme.com"
	if r := Evaluate(hdr(t, raw), trusted, "acme.com"); r.Verdict != Claimed {
		t.Errorf("untrusted headers counted: got %+v, want claimed", r)
	}
	// A forged fail below the trusted pass changes nothing either.
	raw = "Authentication-Results: mx.helpdesk.example; dmarc=pass header.from=acme.com\n" +
		"Authentication-Results: mx.helpdesk.example; dmarc=fail header.from=acme.com"
	if r := Evaluate(hdr(t, raw), trusted, "acme.com"); r.Verdict != Proven {
		t.Errorf("lower header counted: got %+v, want proven", r)
	}
}

func TestP2_DMARCFailRejected(t *testing.T) {
	for _, raw := range []string{
		"Authentication-Results: mx.helpdesk.example; dkim=pass header.d=acme.com; dmarc=fail (p=reject) header.from=acme.com",
		"Authentication-Results: mx.helpdesk.example; dmarc=FAIL action=oreject header.from=acme.com",
	} {
		r := Evaluate(hdr(t, raw), trusted, "acme.com")
		if r.Verdict != DMARCFail || !reflect.DeepEqual(r.Rules, []string{"P2"}) {
			t.Errorf("%q: got %+v, want dmarc_fail by P2", raw, r)
		}
	}
	// An untrusted dmarc=fail is ignored like any untrusted header.
	raw := "Authentication-Results: mx.google.com; dmarc=fail header.from=acme.com"
	if r := Evaluate(hdr(t, raw), trusted, "acme.com"); r.Verdict != Claimed {
		t.Errorf("untrusted fail: got %+v, want claimed", r)
	}
}

func TestI9_NoTrustedIDMeansClaimed(t *testing.T) {
	raw := "Authentication-Results: mx.helpdesk.example; dmarc=pass header.from=acme.com; dkim=pass header.d=acme.com\n" +
		"Authentication-Results: ; dmarc=pass header.from=acme.com"
	for _, id := range []string{"", "  "} {
		r := Evaluate(hdr(t, raw), id, "acme.com")
		if r.Verdict != Claimed || r.Rules[0] != "I9" {
			t.Errorf("trusted id %q: got %+v, want claimed by I9", id, r)
		}
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Field
	}{
		{"example.org 1; none", Field{AuthservID: "example.org", Version: "1"}},
		{"example.com;\r\n spf=pass smtp.mailfrom=\"john doe\"@example.net reason=\"SPF ok\"",
			Field{AuthservID: "example.com", Results: []MethodResult{{Method: "spf", Result: "pass", Reason: "SPF ok",
				Props: map[string]string{"smtp.mailfrom": "john doe@example.net"}}}}},
		{"mx.google.com; spf=pass smtp.mail=; dkim=pass (test mode) header.i=@yahoo.com",
			Field{AuthservID: "mx.google.com", Results: []MethodResult{
				{Method: "spf", Result: "pass", Props: map[string]string{"smtp.mail": ""}},
				{Method: "dkim", Result: "pass", Props: map[string]string{"header.i": "@yahoo.com"}}}}},
		{"(c) x.example (more (nested)) ; auth=pass (cram-md5) smtp.auth=sender@example.net",
			Field{AuthservID: "x.example", Results: []MethodResult{{Method: "auth", Result: "pass",
				Props: map[string]string{"smtp.auth": "sender@example.net"}}}}},
	} {
		got, err := Parse(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=a.com", " ; dkim=pass"} {
		if _, err := Parse(in); err != ErrNoAuthservID {
			t.Errorf("Parse(%q) error = %v, want ErrNoAuthservID", in, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"mx.example; dmarc=pass header.from=a.com",
		"x 1; none",
		`x; dkim=pass ("c) (\)) header.i="a;b"@c.d`,
		"x; a . b / 1 = = ; = c",
		"(((",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		field, err := Parse(s)
		if err != nil {
			return
		}
		for _, r := range field.Results {
			if r.Method == "" || r.Result == "" || r.Props == nil {
				t.Fatalf("Parse(%q) gave incomplete result %+v", s, r)
			}
		}
	})
}
