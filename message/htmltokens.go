package message

import (
	"bytes"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlTokenWordsAtMost is htmlWordsAtMost without the parse tree: a number
// no smaller than htmlWordsAtMost's bound on the parse of h, read from h's
// tokens alone (about half the parse's cost; issue 20.6). ok is false
// where the tokens cannot tell: then the caller parses.
//
// It adds what htmlWordsAtMost adds for each node, per token: a text's
// words, an element's decorations (b, strong, a, li, h1–h3, an image's
// alt text) and, inside a blockquote, the line prefixes of each. The
// tree's nodes come from the tokens, with three kinds of exception, each
// covered:
//   - the tree builder adds elements no start tag names (html, head,
//     body, tbody, tr; a p for a stray </p>, a br for </br>) and drops
//     tags it ignores: of those only p and br count, inside a blockquote,
//     and their end tags are counted for them there;
//   - it merges adjacent text and drops NULs: that only joins words;
//   - it clones formatting elements (the adoption agency, the
//     reconstruction of the active formatting elements): a clone of b,
//     strong or a would add its words again. A clone is only made of a
//     formatting element that left the stack of open elements other than
//     by its own end tag as the current node. So while a b, strong or a
//     is open, only tags that cannot close anything are accepted (inline
//     elements that are not special, and not a second a).
//
// Which nodes are inside a blockquote, and whether one is inside bold
// text or a heading (which htmlWordsAtMost cannot bound), must be the
// tree's answers too: while a b, strong, a, h1–h3 or blockquote is open,
// every end tag must close the element opened last, so that the tags
// close those elements exactly when the tree does; a blockquote opened
// inside a heading gives up. Anything else the tokens cannot follow gives
// up: SVG and MathML (foreign content changes how tags are read),
// template and nobr. Scripts, styles and the head count although the tree
// bound skips them: a larger number is still a bound.
func htmlTokenWordsAtMost(h string) (n int, ok bool) {
	h = strings.TrimPrefix(strings.TrimPrefix(h, "\ufeff"), "\ufeff") // as parseForHTML2Text
	z := html.NewTokenizer(strings.NewReader(h))
	var open []openTag                // the elements opened and not closed, as the tags say
	var guarded, headings, quotes int // how many of open are b, strong or a; h1–h3; blockquotes
	for {
		switch z.Next() {
		case html.ErrorToken:
			return n, z.Err() == io.EOF
		case html.TextToken:
			text := z.Text()
			w := countFields(text)
			n += w
			if quotes > 0 {
				n += w + 2 + bytes.Count(text, newline) // htmlWordBound.count for a text node
			}
		case html.StartTagToken, html.SelfClosingTagToken: // a self-closing HTML element stays open
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			switch {
			case tokenBoundStops[a], guarded > 0 && !inlineSafe(a, open), a == atom.Blockquote && headings > 0:
				return 0, false
			}
			w := tokenWords[a]
			if want := attrWords[a]; want != "" { // the other tags' attributes are left unread
				for hasAttr {
					var key, val []byte
					key, val, hasAttr = z.TagAttr()
					if string(key) == want {
						w += countFields(val)
					}
				}
			}
			n += w
			if quotes > 0 || a == atom.Blockquote {
				n += w + quotedMarks[a]
			}
			if voidElements[a] {
				continue
			}
			t := openTag{a: a}
			if a == 0 {
				t.name = string(name)
			}
			open = append(open, t)
			guarded, headings, quotes = guarded+guards(a), headings+heading(a), quotes+isQuote(a)
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if tokenBoundStops[a] {
				return 0, false
			}
			if quotes > 0 && (a == atom.P || a == atom.Br) {
				n += quotedMarks[a] // the p or br the tree builder makes of a stray </p> or </br>
			}
			i := len(open) - 1
			for i >= 0 && !open[i].is(a, name) {
				i--
			}
			if guarded+headings+quotes > 0 && i != len(open)-1 {
				return 0, false // it would close more than the element opened last, or nothing
			}
			if i >= 0 { // else ignored, as the tree builder ignores an end tag it has no element for
				for _, t := range open[i:] {
					guarded, headings, quotes = guarded-guards(t.a), headings-heading(t.a), quotes-isQuote(t.a)
				}
				open = open[:i]
			}
		}
	}
}

var newline = []byte("\n")

// openTag is an element a start tag opened: its atom, or its name when it
// has none (Word's o:p).
type openTag struct {
	a    atom.Atom
	name string
}

// is reports whether an end tag named name (atom a) names t.
func (t openTag) is(a atom.Atom, name []byte) bool {
	if t.a != 0 || a != 0 {
		return t.a == a
	}
	return t.name == string(name)
}

// guards is 1 for the elements whose clones would add words (see
// htmlTokenWordsAtMost), heading 1 for those htmlWordsAtMost cannot bound
// a blockquote in besides, isQuote 1 for a blockquote.
func guards(a atom.Atom) int  { return b2i(a == atom.B || a == atom.Strong || a == atom.A) }
func heading(a atom.Atom) int { return b2i(a == atom.H1 || a == atom.H2 || a == atom.H3) }
func isQuote(a atom.Atom) int { return b2i(a == atom.Blockquote) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// tokenWords are the words htmlWordsAtMost adds for an element outside a
// blockquote, besides its text and attributes.
var tokenWords = map[atom.Atom]int{atom.B: 2, atom.Strong: 2, atom.Li: 1, atom.H1: 2, atom.H2: 2, atom.H3: 1, atom.A: 2}

// attrWords names the attribute whose words htmlWordsAtMost counts for an
// element (the tokenizer, as the tree, keeps the first of a name).
var attrWords = map[atom.Atom]string{atom.A: "href", atom.Img: "alt", atom.Image: "alt"}

// quotedMarks are what htmlWordsAtMost adds for an element inside a
// blockquote besides its words counted twice: two for each string it
// emits and one for each newline it writes (htmlWordBound.node: 1 emit
// and 1 newline for br; 1 and 6 for h1 and h2, 1 and 5 for h3; 3 and 4
// for a blockquote; 2 and 2 for div; 2 and 1 for li; 1 and 0 for b and
// strong; 2 and 4 for p, ul and table). A link counts 2: its "( href )"
// emit; its image's alt text counts 2 as well, for the emit that alt
// text would be, and is counted on the image.
var quotedMarks = map[atom.Atom]int{atom.Br: 3, atom.H1: 8, atom.H2: 8, atom.H3: 7, atom.Blockquote: 10,
	atom.Div: 6, atom.Li: 5, atom.B: 2, atom.Strong: 2, atom.P: 8, atom.Ul: 8, atom.Table: 8,
	atom.A: 2, atom.Img: 2, atom.Image: 2}

// tokenBoundStops are the tags htmlTokenWordsAtMost gives up at.
var tokenBoundStops = map[atom.Atom]bool{atom.Svg: true, atom.Math: true, atom.Template: true, atom.Nobr: true}

// voidElements never have content: the tree builder closes them at once.
var voidElements = map[atom.Atom]bool{atom.Area: true, atom.Base: true, atom.Br: true, atom.Col: true,
	atom.Embed: true, atom.Hr: true, atom.Img: true, atom.Image: true, atom.Input: true, atom.Keygen: true,
	atom.Link: true, atom.Meta: true, atom.Param: true, atom.Source: true, atom.Track: true, atom.Wbr: true}

// inlineElements are the start tags that close no element: in the tree
// builder's "in body" mode each is "any other start tag" or a formatting
// element; so are names it does not know (a == 0).
var inlineElements = map[atom.Atom]bool{
	atom.B: true, atom.Big: true, atom.Code: true, atom.Em: true, atom.Font: true, atom.I: true,
	atom.S: true, atom.Small: true, atom.Strike: true, atom.Strong: true, atom.Tt: true, atom.U: true,
	atom.Span: true, atom.Abbr: true, atom.Bdi: true, atom.Bdo: true, atom.Cite: true, atom.Data: true,
	atom.Del: true, atom.Dfn: true, atom.Ins: true, atom.Kbd: true, atom.Label: true, atom.Mark: true,
	atom.Q: true, atom.Samp: true, atom.Sub: true, atom.Sup: true, atom.Time: true, atom.Var: true,
	atom.Img: true, atom.Br: true, atom.Wbr: true,
}

// inlineSafe reports whether a start tag (atom a) may open while a b,
// strong or a is open: an inline element, and a link only outside
// another (a second a closes the first).
func inlineSafe(a atom.Atom, open []openTag) bool {
	if a == atom.A {
		for _, t := range open {
			if t.a == atom.A {
				return false
			}
		}
		return true
	}
	return a == 0 || inlineElements[a]
}
