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
// ("---------- Forwarded message") is content and is kept.
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
// quoted history, or nil. One pass numbers the nodes in document order
// and finds the last one with content, so that "nothing follows this
// blockquote" costs no walk of its own.
func findHTMLCut(doc *html.Node) *html.Node {
	type span struct{ start, end int }
	spans := map[*html.Node]span{}
	var order []*html.Node
	last := -1 // index of the last text or image with content
	var number func(n *html.Node)
	number = func(n *html.Node) {
		if len(order) >= maxHTMLNodes {
			return
		}
		i := len(order)
		order = append(order, n)
		if (n.Type == html.TextNode && strings.TrimSpace(n.Data) != "") || (n.Type == html.ElementNode && n.DataAtom == atom.Img) {
			last = i
		}
		if n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style) {
			spans[n] = span{i, i}
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			number(c)
		}
		spans[n] = span{i, len(order) - 1}
	}
	number(doc)
	for _, n := range order {
		if n.Type != html.ElementNode || !isHTMLQuoteStart(n) {
			continue
		}
		if n.DataAtom == atom.Blockquote && attr(n, "type") != "cite" && last > spans[n].end {
			continue // an inline quote: the writer answers below it
		}
		if !isForward(n) {
			return n
		}
	}
	return nil
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
