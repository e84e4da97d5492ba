package quote

import (
	"strings"
	"testing"
	"time"
)

func TestTrimHTML(t *testing.T) {
	tests := []struct {
		name, in string
		keep     []string
		drop     []string
	}{
		{"gmail quote", `<div dir="ltr">Thanks!</div><br><div class="gmail_quote"><div class="gmail_attr">On Mon, A wrote:</div><blockquote class="gmail_quote">old</blockquote></div>`,
			[]string{"Thanks!"}, []string{"old", "wrote"}},
		{"outlook web", `<div>Yes.</div><hr><div id="divRplyFwdMsg"><b>From:</b> A</div><div>old</div>`,
			[]string{"Yes."}, []string{"From:", "old"}},
		{"trailing blockquote", `<p>Fine.</p><blockquote>old</blockquote>  `,
			[]string{"Fine."}, []string{"old"}},
		{"inline blockquote kept", `<blockquote>question?</blockquote><p>answer</p>`,
			[]string{"question?", "answer"}, nil},
		{"cite blockquote", `<p>Ok</p><blockquote type="cite">old</blockquote><p>more old</p>`,
			[]string{"Ok"}, []string{"old"}},
		{"hotmail", `<div>Hi<div><hr id="stopSpelling">Date: x<br>old</div></div>`,
			[]string{"Hi"}, []string{"Date", "old"}},
		{"gmail forward kept", `<div>FYI</div><div class="gmail_quote">---------- Forwarded message ---------<br>From: A<br>body</div>`,
			[]string{"FYI", "Forwarded message", "body"}, nil},
		{"no marker", `<p>plain</p>`, []string{"plain"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TrimHTML(tt.in)
			for _, k := range tt.keep {
				if !strings.Contains(got, k) {
					t.Errorf("TrimHTML lost %q: %s", k, got)
				}
			}
			for _, d := range tt.drop {
				if strings.Contains(got, d) {
					t.Errorf("TrimHTML kept %q: %s", d, got)
				}
			}
		})
	}
}

func FuzzTrimHTML(f *testing.F) {
	for _, s := range []string{
		`<div>a</div><div class="gmail_quote">b</div>`,
		`<p>x</p><blockquote>y</blockquote>`,
		`<div id="divRplyFwdMsg">`,
		`<html><body><blockquote><blockquote>`,
		`<table><tr><td><blockquote>q</td></tr></table>tail`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = TrimHTML(s)
	})
}

func TestTrimHTMLPathological(t *testing.T) {
	for name, in := range map[string]string{
		"many empty quotes": strings.Repeat("<blockquote></blockquote>", 50000) + "x",
		"deep quotes":       strings.Repeat("<blockquote><div>", 5000) + "x",
		"many quotes":       strings.Repeat("<blockquote>q</blockquote><p>a</p>", 30000),
	} {
		start := time.Now()
		_ = TrimHTML(in)
		t.Logf("%s: %v", name, time.Since(start))
	}
}
