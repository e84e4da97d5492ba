package quote

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// TrimHTML returns src, an HTML email body, without the quoted history that
// mail clients mark in their HTML: Gmail's gmail_quote, Outlook's
// divRplyFwdMsg and its border-top header block, Hotmail's stopSpelling
// rule, Thunderbird's moz-cite-prefix, Yahoo's yahoo_quoted, and a
// <blockquote> that nothing but blank space follows. Everything from the
// first such element to the end of the document is removed. A forward
// ("---------- Forwarded message") is content and is kept, and so is a
// quote the writer answers below (see answeredBelow): an inline reply,
// which Trim shortens on the text.
//
// Convert the result to text and pass it through Trim, which removes what
// only the text shows (an attribution line above the quote, a signature).
// When src cannot be parsed or holds no marker, TrimHTML returns src.
func TrimHTML(src string) string {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return src
	}
	cut := findHTMLCut(doc)
	if cut == nil {
		return src
	}
	removeFrom(cut)
	var b strings.Builder
	if err := html.Render(&b, doc); err != nil {
		return src
	}
	return b.String()
}

// maxHTMLNodes bounds the walk over a pathological document.
const maxHTMLNodes = 200000

// findHTMLCut returns the first element, in document order, that starts
// quoted history, or nil. One pass numbers the nodes in document order,
// finds the last one with content, and marks the text inside blockquotes,
// so that "nothing follows this blockquote" and "the writer answers below
// this quote" cost no walk of their own.
func findHTMLCut(doc *html.Node) *html.Node {
	d := numberHTML(doc)
	for i, n := range d.order {
		if n.Type != html.ElementNode || !isHTMLQuoteStart(n) {
			continue
		}
		if n.DataAtom == atom.Blockquote && attr(n, "type") != "cite" && d.last > d.spans[n].end {
			continue // an inline quote: the writer answers below it
		}
		if d.answeredBelow(i) {
			return nil // an inline reply: Trim keeps the answers in the text
		}
		if !isForward(n) {
			return n
		}
	}
	return nil
}

// span is the range of node indexes, in document order, under a node.
type span struct{ start, end int }

// htmlDoc is a document numbered in document order.
type htmlDoc struct {
	order  []*html.Node
	spans  map[*html.Node]span
	quoted []bool // order[i] is inside a <blockquote>
	first  int    // index of the first text or image with content, or -1
	last   int    // index of the last text or image with content, or -1
}

// numberHTML numbers the nodes of doc in document order (at most
// maxHTMLNodes of them).
func numberHTML(doc *html.Node) *htmlDoc {
	d := &htmlDoc{spans: map[*html.Node]span{}, first: -1, last: -1}
	depth := 0 // blockquotes open around the node being numbered
	var number func(n *html.Node)
	number = func(n *html.Node) {
		if len(d.order) >= maxHTMLNodes {
			return
		}
		i := len(d.order)
		d.order = append(d.order, n)
		d.quoted = append(d.quoted, depth > 0)
		if hasContent(n) {
			if d.first < 0 {
				d.first = i
			}
			d.last = i
		}
		if n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style) {
			d.spans[n] = span{i, i}
			return
		}
		isQuote := n.Type == html.ElementNode && n.DataAtom == atom.Blockquote
		if isQuote {
			depth++
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			number(c)
		}
		if isQuote {
			depth--
		}
		d.spans[n] = span{i, len(d.order) - 1}
	}
	number(doc)
	return d
}

// hasContent reports whether n is a text with more than blank space, or
// an image.
func hasContent(n *html.Node) bool {
	return (n.Type == html.TextNode && strings.TrimSpace(n.Data) != "") ||
		(n.Type == html.ElementNode && n.DataAtom == atom.Img)
}

// writerTextBefore reports whether text of the writer's comes before node
// i: anything with content but an attribution line ("On … wrote:", which
// older Gmail put above its gmail_quote div).
func (d *htmlDoc) writerTextBefore(i int) bool {
	if d.first < 0 || d.first >= i {
		return false
	}
	var b strings.Builder
	for j := d.first; j < i && b.Len() <= maxAttributionBytes; j++ {
		switch n := d.order[j]; {
		case n.Type == html.ElementNode && n.DataAtom == atom.Img:
			return true
		case hasContent(n) && !inHead(n):
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
	}
	line := strings.Join(strings.Fields(b.String()), " ")
	return line != "" && (len(line) > maxAttributionBytes || isAttributionAt([]string{line}, 0) == 0)
}

// maxAttributionBytes is the longest text above a quote that may be only
// its attribution.
const maxAttributionBytes = 400

// inHead reports whether n is in the document's head (its title).
func inHead(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.DataAtom == atom.Head {
			return true
		}
	}
	return false
}

// answeredBelow reports whether the quote starting at node i is answered
// below by the writer: text outside every blockquote after a blockquote
// (Gmail, Apple Mail and Thunderbird split their blockquote where the
// writer types). It takes at least minAnsweredQuotes blockquotes each
// followed by such text (an interleaved reply), or one when nothing with
// content comes before the quote (a reply written below the quote). A
// single quote between the writer's text above and text below is left to
// the other rules: what follows it is as often a disclaimer a mail gateway
// appended as an answer.
//
// TrimHTML then leaves the quote in place, and Trim applies to the text
// the rules of an inline reply, as it does to the text form of the same
// reply, and removes what is only a signature or a footer below the quote.
func (d *htmlDoc) answeredBelow(i int) bool {
	need := minAnsweredQuotes
	if !d.writerTextBefore(i) {
		need = 1
	}
	answered, pending := 0, false
	for j := i; j < len(d.order); j++ {
		n := d.order[j]
		switch {
		case n.Type == html.ElementNode && n.DataAtom == atom.Blockquote && !d.quoted[j]:
			pending = true
			j = d.spans[n].end
		case pending && !d.quoted[j] && n.Type == html.TextNode && hasContent(n):
			pending = false
			if answered++; answered >= need {
				return true
			}
		}
	}
	return false
}

// isHTMLQuoteStart reports whether element n may open quoted history; a
// plain <blockquote> does so only when nothing follows it.
func isHTMLQuoteStart(n *html.Node) bool {
	id, class, style := attr(n, "id"), attr(n, "class"), strings.ToLower(attr(n, "style"))
	switch {
	case id == "divRplyFwdMsg", id == "appendonsend", id == "stopSpelling", id == "OLK_SRC_BODY_SECTION",
		id == "mail-editor-reference-message-container":
		return true
	case hasClass(class, "gmail_quote"), hasClass(class, "moz-cite-prefix"), hasClass(class, "yahoo_quoted"),
		hasClass(class, "protonmail_quote"), hasClass(class, "zmail_extra"):
		return true
	case n.DataAtom == atom.Div && isOutlookHeaderStyle(style):
		return true
	}
	return n.DataAtom == atom.Blockquote
}

// isOutlookHeaderStyle matches the top-bordered div Outlook puts around
// the From:/Sent: block of the message replied to.
func isOutlookHeaderStyle(style string) bool {
	s := strings.ReplaceAll(style, " ", "")
	return strings.Contains(s, "border-top:solid#b5c4df") || strings.Contains(s, "border-top:solid#e1e1e1")
}

// isForward reports whether n's text starts like a forwarded message.
func isForward(n *html.Node) bool {
	t := textOf(n, 300)
	return forwardMarker.MatchString(strings.TrimSpace(t))
}

// removeFrom deletes n, its following siblings and the following siblings
// of each ancestor: everything from n to the end of the document.
func removeFrom(n *html.Node) {
	first := n
	for p := n.Parent; p != nil; p = p.Parent {
		for s := first; s != nil; {
			next := s.NextSibling
			if s.Type != html.ElementNode || (s.DataAtom != atom.Body && s.DataAtom != atom.Head) {
				p.RemoveChild(s)
			}
			s = next
		}
		first = p.NextSibling
	}
}

// textOf returns up to limit bytes of the text under n (scripts and
// styles excluded).
func textOf(n *html.Node, limit int) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if b.Len() >= limit {
			return
		}
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style):
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(class, name string) bool {
	for _, c := range strings.Fields(class) {
		if c == name {
			return true
		}
	}
	return false
}
