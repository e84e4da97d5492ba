package message

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlWordsAtMost returns a number no smaller than the count of words
// (strings.Fields) of html2text's rendering of doc, the parse of an HTML
// body by parseForHTML2Text, from one walk of the tree and without
// rendering it (a tenth of html2text's cost). ok is false when it cannot
// bound the count: a blockquote inside bold text or a heading, which
// html2text renders in a nested context whose "> " prefixes are wrapped
// again outside.
//
// The bound follows html2text's traversal, element by element:
//   - a text node renders its own words; scripts, styles and the head
//     render nothing;
//   - decorations add words: "*" around bold text (2), "* " before a list
//     item (1), the divider lines of headings h1 and h2 (2) and h3 (1),
//     "( href )" after a link (2 and the href's words), an image's alt
//     text for a link holding only that image;
//   - inside a blockquote, html2text writes a "> " prefix after every
//     line break it writes and wraps lines longer than 74 characters at
//     spaces. So each node there adds, besides its words, one prefix per
//     line break it writes (its newlines: 6 for h1, 4 for a paragraph…;
//     a text node's own newlines), and the breaks its emits can wrap:
//     at most its words and 2 for each string it hands to html2text's
//     emit (1 for a text node, up to 3 for an element).
//
// Words are only ever joined by what html2text adds otherwise (spaces
// between emitted strings, blank lines collapsed, trailing spaces
// trimmed), so the sum bounds the count. TestHTMLWordsAtMost checks the
// bound against the rendering on the corpus and hostile HTML.
func htmlWordsAtMost(doc *html.Node) (n int, ok bool) {
	w := htmlWordBound{}
	w.node(doc, false, false)
	return w.n, !w.unbounded
}

// htmlWordBound accumulates htmlWordsAtMost.
type htmlWordBound struct {
	n         int
	unbounded bool
}

// count adds a node's share: its words, and in a blockquote one prefix
// for each line break it writes or its emits may wrap.
func (w *htmlWordBound) count(words, emits, newlines int, quoted bool) {
	w.n += words
	if quoted {
		w.n += words + 2*emits + newlines
	}
}

// node walks n as html2text's traverse does. quoted: inside a blockquote;
// nested: rendered in a sub-context (bold text, a heading) whose output
// html2text emits again as one string.
func (w *htmlWordBound) node(n *html.Node, quoted, nested bool) {
	switch n.Type {
	case html.TextNode:
		w.count(countFields(n.Data), 1, strings.Count(n.Data, "\n"), quoted)
		return
	case html.ElementNode:
	default:
		w.children(n, quoted, nested)
		return
	}
	switch n.DataAtom {
	case atom.Style, atom.Script, atom.Head:
		return
	case atom.Br:
		w.count(0, 1, 1, quoted)
	case atom.H1, atom.H2, atom.H3:
		if n.DataAtom == atom.H3 {
			w.count(1, 1, 5, quoted)
		} else {
			w.count(2, 1, 6, quoted)
		}
		w.children(n, quoted, true)
	case atom.Blockquote:
		if nested {
			w.unbounded = true
			return
		}
		w.count(0, 3, 4, true)
		w.children(n, true, nested)
	case atom.Div:
		w.count(0, 2, 2, quoted)
		w.children(n, quoted, nested)
	case atom.Li:
		w.count(1, 2, 1, quoted)
		w.children(n, quoted, nested)
	case atom.B, atom.Strong:
		w.count(2, 1, 0, quoted)
		w.children(n, quoted, true)
	case atom.A:
		w.link(n, quoted, nested)
	case atom.P, atom.Ul, atom.Table:
		w.count(0, 2, 4, quoted)
		w.children(n, quoted, nested)
	default:
		w.children(n, quoted, nested)
	}
}

func (w *htmlWordBound) children(n *html.Node, quoted, nested bool) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c, quoted, nested)
	}
}

// link bounds an anchor: its content, or the alt text of an image that is
// its only child, then "( href )".
func (w *htmlWordBound) link(n *html.Node, quoted, nested bool) {
	if img := n.FirstChild; img != nil && n.LastChild == img && img.DataAtom == atom.Img {
		w.count(countFields(attrVal(img, "alt")), 1, 0, quoted)
	} else {
		w.children(n, quoted, nested)
	}
	w.count(2+countFields(attrVal(n, "href")), 1, 0, quoted)
}

// attrVal is the value of n's first attribute named key, as html2text reads it.
func attrVal(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// countFields is len(strings.Fields(s)) without building the fields, for
// a string or the bytes of one.
func countFields[S ~string | ~[]byte](s S) int {
	n := 0
	inField := false
	for i := 0; i < len(s); {
		c := s[i]
		var space bool
		if c < utf8.RuneSelf {
			space = c == ' ' || '\t' <= c && c <= '\r' // the ASCII spaces of unicode.IsSpace
			i++
		} else {
			var b [utf8.UTFMax]byte
			r, size := utf8.DecodeRune(b[:copy(b[:], s[i:])])
			space = unicode.IsSpace(r)
			i += size
		}
		if !space && !inField {
			n++
		}
		inField = !space
	}
	return n
}
