package message

import (
	"strings"
	"testing"
)

// TestHTMLTokenWordsAtMost: where the tokens give a bound, it is never
// below the parse tree's bound nor below the words of HTMLToText, on
// hostile HTML and on every HTML body of the corpus; and it gives one for
// most of the corpus, which is what saves the parse.
func TestHTMLTokenWordsAtMost(t *testing.T) {
	samples := htmlSamples(t)
	bounded := 0
	for i, h := range samples {
		if len(h) > maxHTML2TextSize {
			continue
		}
		most, ok := htmlTokenWordsAtMost(h)
		if !ok {
			continue
		}
		bounded++
		if want := len(strings.Fields(HTMLToText(h))); most < want {
			t.Errorf("sample %d: token bound %d below the %d words of %q", i, most, want, clip(h))
		}
		doc, _ := parseForHTML2Text(h)
		if tree, ok := htmlWordsAtMost(doc); ok && most < tree {
			t.Errorf("sample %d: token bound %d below the tree's %d for %q", i, most, tree, clip(h))
		}
	}
	t.Logf("%d of %d samples bounded from their tokens", bounded, len(samples))
	if len(samples) > len(hostileHTML) && bounded < len(samples)/2 {
		t.Errorf("only %d of %d samples bounded from their tokens", bounded, len(samples))
	}
}

// TestHTMLTokenWordsAtMostGivesUpWhereTheTreeClones: a link or bold text
// closed by the paragraph around it is cloned into every paragraph after
// it, with its words; the tokens cannot count those, so no bound is given
// (and isStub parses). The words counted here are what a bound from the
// tokens alone would have missed.
func TestHTMLTokenWordsAtMostGivesUpWhereTheTreeClones(t *testing.T) {
	for _, c := range []struct {
		html      string
		moreThan  int // the words of the tags and text, each counted once
		tokenSays bool
	}{
		{"<p><a href='u v w'>a</p>" + strings.Repeat("<p>b</p>", 10), 16, false},
		{"<p><strong><a href='x y'>a</p>" + strings.Repeat("<p>b</p>", 10), 17, false},
		{"<p><a href='u v w'>a</a></p>" + strings.Repeat("<p>b</p>", 10), 0, true}, // closed in order: no clone
	} {
		words := len(strings.Fields(HTMLToText(c.html)))
		most, ok := htmlTokenWordsAtMost(c.html)
		if ok != c.tokenSays {
			t.Errorf("%q: bound from the tokens %d, %v; want %v", clip(c.html), most, ok, c.tokenSays)
		}
		if ok && most < words {
			t.Errorf("%q: bound %d below %d words", clip(c.html), most, words)
		}
		if !ok && words <= c.moreThan {
			t.Errorf("%q: %d words; the case no longer shows clones (more than %d expected)", clip(c.html), words, c.moreThan)
		}
	}
}

// TestHTMLTokenWordsAtMostGivesUpOn: the tags the tokens cannot answer for.
func TestHTMLTokenWordsAtMostGivesUpOn(t *testing.T) {
	for _, h := range []string{
		"<h1><blockquote>quoted in a heading</blockquote></h1>",
		"<blockquote><p>a paragraph the quote's end tag closes</blockquote>after",
		"<blockquote><table><td>x</blockquote>still quoted",
		"<svg><a href='x'>y</a></svg>",
		"<math><b>m</b></math>",
		"<template><b>t</b></template>",
		"<nobr>a<nobr>b",
		"<b><p>a block inside bold</p></b>",
		"<b>x</i>y</b>",
		"<a href=x>one<a href=y>two</a></a>",
		"<b><span>x</b></span>",
	} {
		if most, ok := htmlTokenWordsAtMost(h); ok {
			t.Errorf("%q: bound %d from the tokens; want none", h, most)
		}
	}
	// Word's markup inside bold text and links, and quotes that close what
	// they open, stay answerable.
	word := `<p class="MsoNormal"><b><span style="font-size:10.0pt">Jane Doe<o:p></o:p></span></b></p>` +
		`<p class="MsoNormal"><a href="https://www.example.com/"><span style="color:#0563C1">www.example.com</span></a><o:p></o:p></p>`
	quoted := `<div dir="ltr">Thanks!</div><br><div class="gmail_quote"><div dir="ltr">On Mon, Jane wrote:<br></div>` +
		`<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex"><div dir="ltr">The export fails<br><br>again.</div></blockquote></div>`
	for _, h := range []string{word, quoted} {
		most, ok := htmlTokenWordsAtMost(h)
		if want := len(strings.Fields(HTMLToText(h))); !ok || most < want {
			t.Errorf("%q: bound %d, %v; want one of at least %d", clip(h), most, ok, want)
		}
	}
}

// BenchmarkStubCheck compares the two bounds on the HTML alternative of
// a Word message, the common case of the Dovecot benchmark's mix.
func BenchmarkStubCheck(b *testing.B) {
	var hb strings.Builder
	hb.WriteString("<html><head><style>p.MsoNormal{margin:0}</style></head><body>")
	for i := 0; i < 12; i++ {
		hb.WriteString(`<p class="MsoNormal"><span lang="EN-GB" style="font-size:11.0pt;font-family:&quot;Calibri&quot;,sans-serif">` +
			`Thanks for the quick reply, the export still fails after the update we installed this morning.<o:p></o:p></span></p>` + "\r\n")
	}
	hb.WriteString(`<p class="MsoNormal"><b><span style="font-size:10.0pt">Jane Doe<o:p></o:p></span></b></p>` +
		`<p class="MsoNormal"><a href="https://www.example.com/"><span style="color:#0563C1">www.example.com</span></a></p></body></html>`)
	h := hb.String()
	plain := HTMLToText(h)
	b.Run("tokens", func(b *testing.B) {
		for range b.N {
			if _, ok := htmlTokenWordsAtMost(h); !ok {
				b.Fatal("no bound")
			}
		}
	})
	b.Run("tree", func(b *testing.B) {
		for range b.N {
			doc, _ := parseForHTML2Text(h)
			if _, ok := htmlWordsAtMost(doc); !ok {
				b.Fatal("no bound")
			}
		}
	})
	b.Run("isStub", func(b *testing.B) {
		for range b.N {
			if isStub(plain, h) {
				b.Fatal("a stub")
			}
		}
	})
}
