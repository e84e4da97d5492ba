package message

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/internal/corpustest"
)

// hostileHTML are bodies built to push htmlWordsAtMost: line breaks and
// long lines in quotes, nested quotes, formatting elements the parser
// clones, links with spaced targets, entities that decode to spaces.
var hostileHTML = []string{
	"",
	"<p>one two three</p>",
	"<blockquote><pre>\n\n\n\n\n\n\n\n\n</pre></blockquote>",
	"<blockquote><pre>\r\r\r\r\r\n\r\n</pre></blockquote>",
	"<blockquote><blockquote><blockquote>" + strings.Repeat("<br>", 40) + "</blockquote></blockquote></blockquote>",
	"<blockquote>" + strings.Repeat("word ", 300) + "</blockquote>",
	"<blockquote>" + strings.Repeat("x", 300) + " " + strings.Repeat("y ", 80) + "</blockquote>",
	"<blockquote>" + strings.Repeat("<b>bold words here</b>", 50) + "</blockquote>",
	"<blockquote>" + strings.Repeat("<h1>a long heading that goes past the wrap margin of seventy-four characters</h1>", 5) + "</blockquote>",
	"<blockquote><b>" + strings.Repeat("<p>para</p>", 20) + "</b></blockquote>",
	"<b><blockquote>inside bold</blockquote></b>",
	"<h2><blockquote>" + strings.Repeat("a<br>", 30) + "</blockquote></h2>",
	"<b><p>a<p>b<p>c<p>d<p>e</b>",
	"<a href=\"x y z\"><p>1<p>2<p>3<p>4</a>",
	"<b><i><strong><a href='u v'><p> <p> <p> <p> <p> ",
	"<ul><li><li><li><li><li></ul>",
	"<ol>" + strings.Repeat("<li>item</li>", 30) + "</ol>",
	"<a href=\"mailto:someone@example.com\">someone@example.com</a>",
	"<a href=\"https://example.com/\"><img alt=\"the logo of the company\" src=x></a>",
	"<a href=\"  a  b  \"></a><a></a><a href=\"\">text</a>",
	"a&nbsp;b&nbsp;c&#32;d&#x2003;e&ThickSpace;f",
	"\ufeff\ufeff<p>bom bom</p>",
	"\ufeff<blockquote>\ufeff x</blockquote>",
	"<table><tr><td>a</td><td>b</td></tr><tr><td>c<td>d</table>",
	"<h1></h1><h2> </h2><h3>x</h3><h1>" + strings.Repeat("y", 200) + "</h1>",
	"<blockquote><h3>" + strings.Repeat("z ", 100) + "</h3></blockquote>",
	"<style>p { a: b }</style><script>var x = 1;</script><title>t t t</title>",
	"<svg><a href='q r'><style>x y</style></a></svg><math><b>m</b></math>",
	"<frameset><style>a b c</style></frameset>",
	"<pre>" + strings.Repeat("line one\n", 20) + "</pre>",
	"<blockquote><div>" + strings.Repeat("<div>x</div>", 30) + "</div></blockquote>",
	"<blockquote><a href=\"" + strings.Repeat("w ", 50) + "\">" + strings.Repeat("t ", 50) + "</a></blockquote>",
	"<blockquote>" + strings.Repeat("\u00a0\u2003 word\u0085", 60) + "</blockquote>",
	"<p>.start</p><b>.</b>.x<b></b><strong>\n</strong>",
	"<blockquote><b><br>x<br></b><strong><br></strong></blockquote>",
	strings.Repeat("<blockquote><b>", 6) + strings.Repeat("<br>", 40) + strings.Repeat("</b></blockquote>", 6),
	strings.Repeat("<blockquote><h1>", 4) + strings.Repeat("ab ", 200) + strings.Repeat("</h1></blockquote>", 4),
}

// htmlSamples are the hostile bodies, the HTML bodies of the corpus's
// messages and its HTML files.
func htmlSamples(t *testing.T) []string {
	t.Helper()
	out := append([]string(nil), hostileHTML...)
	root, ok := corpustest.Root()
	if !ok {
		return out
	}
	for _, path := range messageFiles(t, root) {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if m, err := Parse(raw, Options{}); err == nil && m.html != "" {
			out = append(out, m.html)
		}
	}
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".html") || strings.HasSuffix(path, ".htm")) {
			if b, err := os.ReadFile(path); err == nil {
				out = append(out, string(b))
			}
		}
		return nil
	})
	return out
}

// TestHTMLWordsAtMost: the bound is never below the count of words of
// HTMLToText, on hostile HTML and on every HTML body of the corpus.
func TestHTMLWordsAtMost(t *testing.T) {
	var bounded, tight int
	for i, h := range htmlSamples(t) {
		if len(h) > maxHTML2TextSize {
			continue
		}
		want := len(strings.Fields(HTMLToText(h)))
		doc, ok := parseForHTML2Text(h)
		if !ok {
			t.Fatalf("sample %d: parse failed", i)
		}
		most, ok := htmlWordsAtMost(doc)
		if !ok {
			continue
		}
		bounded++
		if most < want {
			t.Errorf("sample %d: bound %d below the %d words of %q", i, most, want, clip(h))
		}
		if want > 0 && most <= 3*want {
			tight++
		}
	}
	t.Logf("%d bounded, %d of them within 3x of the count", bounded, tight)
}

// isStubByConversion is isStub as it was before the bound: the HTML
// converted to text whenever the text part is short enough to be a stub.
func isStubByConversion(plain, html string) bool {
	words := len(strings.Fields(plain))
	if words == 0 {
		return strings.TrimSpace(html) != ""
	}
	if words <= maxStubWords && placeholder.MatchString(strings.Join(strings.Fields(plain), " ")) {
		return htmlWords(html) > words
	}
	if float64(words) >= stubRatio*float64(len(html)) {
		return false
	}
	hw := htmlWords(html)
	return hw >= minStubHTMLWords && float64(words) < stubRatio*float64(hw)
}

// TestIsStubSameAsConversion: for every sample HTML and text parts of
// many lengths cut from its own text (around the 10% threshold above
// all), isStub decides as the conversion does.
func TestIsStubSameAsConversion(t *testing.T) {
	for i, h := range htmlSamples(t) {
		words := strings.Fields(HTMLToText(h))
		for _, n := range stubLengths(len(words)) {
			plain := strings.Join(words[:n], " ")
			if got, want := isStub(plain, h), isStubByConversion(plain, h); got != want {
				t.Errorf("sample %d, text of %d of %d words: isStub %v, conversion %v", i, n, len(words), got, want)
			}
		}
	}
}

// stubLengths are text lengths to try against an HTML of n words.
func stubLengths(n int) []int {
	var out []int
	for _, k := range []int{0, 1, 2, 3, 5, n/10 - 1, n / 10, n/10 + 1, n / 5, n / 2, n} {
		if k >= 0 && k <= n {
			out = append(out, k)
		}
	}
	return out
}

// FuzzHTMLWordsAtMost checks both bounds (tree and tokens) and isStub's
// decision on any HTML.
func FuzzHTMLWordsAtMost(f *testing.F) {
	for _, h := range hostileHTML {
		f.Add(h, 3)
	}
	f.Fuzz(func(t *testing.T, h string, n int) {
		if len(h) > 1<<16 {
			return
		}
		words := strings.Fields(HTMLToText(h))
		if countFields(h) != len(strings.Fields(h)) {
			t.Fatalf("countFields %d, strings.Fields %d", countFields(h), len(strings.Fields(h)))
		}
		tree, treeOK := 0, false
		if doc, ok := parseForHTML2Text(h); ok {
			if tree, treeOK = htmlWordsAtMost(doc); treeOK && tree < len(words) {
				t.Fatalf("bound %d below %d words", tree, len(words))
			}
		}
		if most, ok := htmlTokenWordsAtMost(h); ok && (most < len(words) || treeOK && most < tree) {
			t.Fatalf("token bound %d below %d words or the tree's %d (%v)", most, len(words), tree, treeOK)
		}
		n = max(n, -n) % (len(words) + 1)
		plain := strings.Join(words[:n], " ")
		if got, want := isStub(plain, h), isStubByConversion(plain, h); got != want {
			t.Fatalf("text of %d words: isStub %v, conversion %v", n, got, want)
		}
	})
}
