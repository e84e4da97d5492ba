package message

import (
	"strings"
	"sync"

	"github.com/jaytaylor/html2text"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLToText converts an HTML body to readable plain text with
// github.com/jaytaylor/html2text: paragraphs, breaks, list items and table
// rows become lines, links keep their target as "text ( url )", quoted
// blocks get "> " prefixes, scripts and styles are dropped. It never fails:
// should the library refuse the input, a plain rendering of the parse tree
// (htmlTreeText) is used instead. So is an HTML body larger than
// maxHTML2TextSize: html2text runs regular expressions over every text
// node, about 50 ms a megabyte, where the tree rendering, with the same
// lines, links and quotes, takes a tenth of that.
func HTMLToText(h string) string {
	if len(h) > maxHTML2TextSize {
		return htmlTreeText(h)
	}
	doc, ok := parseForHTML2Text(h)
	if !ok {
		return htmlTreeText(h)
	}
	return html2TextOf(h, doc)
}

// parseForHTML2Text parses h as html2text.FromString does (after up to
// two leading UTF-8 byte order marks, which it strips once for the string
// and once for the reader), so that html2TextOf(h, doc) is HTMLToText(h)
// for a body of at most maxHTML2TextSize. ok is false when the parser
// failed or panicked; HTMLToText then renders the tree itself.
func parseForHTML2Text(h string) (doc *html.Node, ok bool) {
	defer func() {
		if recover() != nil {
			doc, ok = nil, false
		}
	}()
	h = strings.TrimPrefix(strings.TrimPrefix(h, "\ufeff"), "\ufeff")
	doc, err := html.Parse(strings.NewReader(h))
	return doc, err == nil
}

// html2TextOf renders doc, the parse of h by parseForHTML2Text, with
// html2text; should the library fail or panic, h's tree rendering.
func html2TextOf(h string, doc *html.Node) (text string) {
	defer func() {
		if recover() != nil {
			text = htmlTreeText(h)
		}
	}()
	out, err := html2text.FromHTMLNode(doc, html2text.Options{})
	if err != nil {
		return htmlTreeText(h)
	}
	return tidyText(out)
}

// maxHTML2TextSize is the largest HTML body HTMLToText hands to html2text.
// Mail written by people is far below it (the corpus's largest such body
// is under 100 KB); above it are generated bulk mail and hostile input.
const maxHTML2TextSize = 256 << 10

// htmlTreeText renders the HTML parse tree as text; the fallback of HTMLToText.
func htmlTreeText(h string) string {
	doc, err := html.Parse(strings.NewReader(h))
	if err != nil {
		return tidyText(h)
	}
	var c textConverter
	c.node(doc, 0)
	return tidyText(string(c.b))
}

// maxHTMLDepth is the nesting beyond which elements are treated as inline.
const maxHTMLDepth = 200

// textConverter accumulates the text rendering of an HTML tree.
type textConverter struct {
	b     []byte
	pre   int  // inside <pre>
	space bool // a collapsible space is pending
}

// blockAtoms start and end a line; paraAtoms also leave a blank line.
var blockAtoms = map[atom.Atom]bool{
	atom.Div: true, atom.Tr: true, atom.Table: true, atom.Ul: true, atom.Ol: true,
	atom.Section: true, atom.Article: true, atom.Header: true, atom.Footer: true,
	atom.Address: true, atom.Center: true, atom.Dl: true, atom.Dt: true, atom.Dd: true,
	atom.Form: true, atom.Fieldset: true, atom.Nav: true, atom.Tbody: true,
	atom.Thead: true, atom.Tfoot: true, atom.Caption: true, atom.Main: true, atom.Aside: true,
}

var paraAtoms = map[atom.Atom]bool{
	atom.P: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Pre: true, atom.Hr: true,
}

// skipAtoms are never rendered.
var skipAtoms = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Head: true, atom.Title: true,
	atom.Noscript: true, atom.Template: true, atom.Object: true, atom.Iframe: true,
}

func (c *textConverter) node(n *html.Node, depth int) {
	switch n.Type {
	case html.TextNode:
		c.text(n.Data)
		return
	case html.ElementNode:
		if skipAtoms[n.DataAtom] {
			return
		}
		if depth < maxHTMLDepth {
			c.element(n, depth)
			return
		}
	}
	c.children(n, depth)
}

func (c *textConverter) children(n *html.Node, depth int) {
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		c.node(ch, depth+1)
	}
}

// element renders one element according to its kind.
func (c *textConverter) element(n *html.Node, depth int) {
	switch a := n.DataAtom; {
	case a == atom.Br:
		c.newlines(1, true)
	case a == atom.A:
		c.link(n, depth)
	case a == atom.Li:
		c.newlines(1, false)
		c.b = append(c.b, "- "...)
		c.space = false
		c.children(n, depth)
		c.newlines(1, false)
	case a == atom.Td || a == atom.Th:
		c.space = true
		c.children(n, depth)
		c.space = true
	case a == atom.Blockquote:
		c.quote(n, depth)
	case a == atom.Pre:
		c.newlines(2, false)
		c.pre++
		c.children(n, depth)
		c.pre--
		c.newlines(2, false)
	case paraAtoms[a]:
		c.newlines(2, false)
		c.children(n, depth)
		c.newlines(2, false)
	case blockAtoms[a]:
		c.newlines(1, false)
		c.children(n, depth)
		c.newlines(1, false)
	default:
		c.children(n, depth)
	}
}

// link renders an anchor as "text ( url )" unless the url adds nothing.
func (c *textConverter) link(n *html.Node, depth int) {
	var sub textConverter
	sub.children(n, depth)
	text := strings.TrimSpace(string(sub.b))
	href := ""
	for _, at := range n.Attr {
		if at.Key == "href" {
			href = strings.TrimSpace(at.Val)
		}
	}
	if text != "" {
		c.text(text)
	}
	plainHref := strings.TrimPrefix(href, "mailto:")
	if href == "" || strings.HasPrefix(href, "#") || strings.HasPrefix(strings.ToLower(href), "javascript:") ||
		plainHref == text || strings.TrimRight(href, "/") == strings.TrimRight(text, "/") {
		return
	}
	if text == "" {
		c.text(href)
		return
	}
	c.text(" ( " + href + " )")
}

// quote renders a blockquote with "> " before each line.
func (c *textConverter) quote(n *html.Node, depth int) {
	var sub textConverter
	sub.children(n, depth)
	inner := tidyText(string(sub.b))
	c.newlines(1, false)
	for _, l := range strings.Split(inner, "\n") {
		c.b = append(c.b, strings.TrimRight("> "+l, " ")...)
		c.b = append(c.b, '\n')
	}
	c.space = false
}

// text writes a text node, collapsing whitespace outside <pre>.
func (c *textConverter) text(s string) {
	if s == "" {
		return
	}
	if c.pre > 0 {
		c.b = append(c.b, s...)
		return
	}
	if isHTMLSpace(rune(s[0])) {
		c.space = true
	}
	for i, f := range strings.FieldsFunc(s, isHTMLSpace) {
		if (i > 0 || c.space) && !c.atLineStart() {
			c.b = append(c.b, ' ')
		}
		c.b = append(c.b, f...)
		c.space = false
	}
	c.space = isHTMLSpace(rune(s[len(s)-1]))
}

// atLineStart reports whether the output is empty or ends a line.
func (c *textConverter) atLineStart() bool {
	return len(c.b) == 0 || c.b[len(c.b)-1] == '\n'
}

// newlines ends the current line and ensures n line breaks at the end of
// the output (none at the very start). force adds a break even if one is
// already there (for <br>).
func (c *textConverter) newlines(n int, force bool) {
	c.space = false
	for len(c.b) > 0 && (c.b[len(c.b)-1] == ' ' || c.b[len(c.b)-1] == '\t') {
		c.b = c.b[:len(c.b)-1]
	}
	if len(c.b) == 0 {
		return
	}
	if force {
		c.b = append(c.b, '\n')
		return
	}
	have := 0
	for i := len(c.b) - 1; i >= 0 && c.b[i] == '\n'; i-- {
		have++
	}
	for ; have < n; have++ {
		c.b = append(c.b, '\n')
	}
}

func isHTMLSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\u200b'
}

// tidyText trims trailing spaces on each line, collapses runs of more than
// two blank lines and trims the whole text.
func tidyText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t\u00a0")
		if l == "" {
			blank++
			if blank > 2 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// ugcPolicy is built once: bluemonday policies are safe for concurrent use
// once built, and building one compiles many regular expressions.
var ugcPolicy = sync.OnceValue(bluemonday.UGCPolicy)

// sanitizeHTML applies bluemonday's user-generated-content policy.
func sanitizeHTML(h string) string {
	return ugcPolicy().Sanitize(h)
}
