package message

import (
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// walker walks the MIME tree of one message, collecting body text and
// attachments and enforcing the limits of Options.
type walker struct {
	msg    *Message
	opts   Options
	parts  int
	kept   int64 // decoded bytes kept so far, for MaxTotalSize
	plain  []string
	html   []string
	warned map[string]bool
	// charsets reads raw 8-bit header text (subjects, file names).
	charsets *headerCharsets
}

func newWalker(m *Message, opts Options) *walker {
	if opts.MaxParts <= 0 {
		opts.MaxParts = DefaultMaxParts
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	return &walker{msg: m, opts: opts, warned: map[string]bool{}}
}

// warn records a warning once; empty warnings are ignored.
func (w *walker) warn(s string) {
	if s == "" || w.warned[s] {
		return
	}
	w.warned[s] = true
	w.msg.Warnings = append(w.msg.Warnings, s)
}

// messageHeader wraps a textproto header for go-message's helpers.
func messageHeader(h textproto.Header) message.Header {
	return message.Header{Header: h}
}

// part describes one MIME entity's type and disposition.
type part struct {
	typ      string
	params   map[string]string
	disp     string
	filename string
}

// describe reads the Content-Type and Content-Disposition of an entity.
func (w *walker) describe(h textproto.Header, defaultType string) part {
	var p part
	rawType := h.Get("Content-Type")
	p.typ, p.params = parseMediaHeader(rawType)
	if !strings.Contains(p.typ, "/") {
		if strings.TrimSpace(rawType) != "" {
			w.warn(fmt.Sprintf("unreadable Content-Type %q: assumed %s", truncate(rawType, 80), defaultType))
		}
		p.typ = defaultType
	}
	var dparams map[string]string
	p.disp, dparams = parseMediaHeader(h.Get("Content-Disposition"))
	p.filename = dparams["filename"]
	if p.filename == "" {
		p.filename = p.params["name"]
	}
	p.filename = cleanFilename(p.filename)
	return p
}

// walk visits one entity and its children.
func (w *walker) walk(h textproto.Header, body []byte, depth int, defaultType string) {
	w.parts++
	if w.parts > w.opts.MaxParts {
		w.warn(fmt.Sprintf("more than %d MIME parts: the rest was skipped", w.opts.MaxParts))
		w.msg.PartsSkipped = true
		return
	}
	p := w.describe(h, defaultType)
	if !slices.Contains(w.msg.Types, p.typ) {
		w.msg.Types = append(w.msg.Types, p.typ)
	}
	switch {
	case strings.HasPrefix(p.typ, "multipart/"):
		if depth >= w.opts.MaxDepth {
			w.warn(fmt.Sprintf("MIME nesting deeper than %d: the rest was skipped", w.opts.MaxDepth))
			w.msg.PartsSkipped = true
			return
		}
		w.walkMultipart(p, body, depth)
	case p.typ == "message/rfc822" || p.typ == "message/global":
		w.attachMessage(h, p, body)
	case (p.typ == "text/plain" || p.typ == "text/html") && p.disp != "attachment" && p.filename == "":
		w.addText(h, p, body)
	case p.typ == "text/plain" && p.disp == "inline" && len(w.plain) == 0 && len(w.html) == 0:
		// A named text part shown inline before any body (a text file
		// pasted as the message): it is the body and stays a file too.
		w.addText(h, p, body)
		w.attach(h, p, body)
	default:
		w.attach(h, p, body)
	}
}

// walkMultipart splits a multipart body and walks its parts. Alternatives
// are collected separately so that one plain and one HTML version is kept.
func (w *walker) walkMultipart(p part, body []byte, depth int) {
	parts, warn := splitMultipart(body, p.params["boundary"])
	w.warn(warn)
	if parts == nil {
		// No usable boundary: keep the body as text rather than lose it.
		w.addText(textproto.Header{}, part{typ: "text/plain"}, body)
		return
	}
	childType := "text/plain"
	if p.typ == "multipart/digest" {
		childType = "message/rfc822"
	}
	if p.typ != "multipart/alternative" {
		for _, raw := range parts {
			ph := readHeader(raw, false, w.charsets)
			for _, warn := range ph.warning {
				w.warn("MIME part: " + warn)
			}
			w.walk(ph.header, ph.body, depth+1, childType)
		}
		return
	}
	w.walkAlternative(parts, depth)
}

// walkAlternative keeps the first plain text and the last HTML version;
// a plain text that is a stub of the HTML (isStub) is dropped, so that
// the HTML's text becomes the body.
// An alternative with several plain versions and no HTML one is a sender
// using "alternative" where "mixed" was meant (stalwart reads it so too):
// all its plain parts are kept, none is lost.
func (w *walker) walkAlternative(parts [][]byte, depth int) {
	savedPlain, savedHTML := w.plain, w.html
	var plains [][]string
	var html []string
	for _, raw := range parts {
		w.plain, w.html = nil, nil
		ph := readHeader(raw, false, w.charsets)
		w.walk(ph.header, ph.body, depth+1, "text/plain")
		if len(w.plain) > 0 {
			plains = append(plains, w.plain)
		}
		if len(w.html) > 0 {
			html = w.html
		}
	}
	var plain []string
	switch {
	case len(plains) > 0 && html != nil && isStub(strings.Join(plains[0], "\n"), strings.Join(html, "\n")):
		// The text version only points at the HTML one: the HTML's text is the body.
		w.warn("text/plain alternative is a stub of the HTML one: the HTML is the body")
	case len(plains) > 0 && html != nil:
		plain = plains[0]
	default:
		for _, p := range plains {
			plain = append(plain, p...)
		}
	}
	w.plain = append(savedPlain, plain...)
	w.html = append(savedHTML, html...)
}

// addText decodes a text/plain or text/html body part.
func (w *walker) addText(h textproto.Header, p part, body []byte) {
	decoded, warn := decodeTransfer(body, h.Get("Content-Transfer-Encoding"))
	w.warn(warn)
	text, warn := decodeCharset(decoded, p.params["charset"])
	w.warn(warn)
	if p.typ == "text/plain" && strings.EqualFold(p.params["format"], "flowed") {
		text = unflow(text, strings.EqualFold(p.params["delsp"], "yes"))
	}
	if limit := w.opts.MaxTotalSize; limit > 0 && w.kept+int64(len(text)) > limit {
		text = truncate(text, int(max(0, limit-w.kept)))
		w.warn("message larger than MaxTotalSize: text truncated")
	}
	w.kept += int64(len(text))
	if p.typ == "text/html" {
		w.html = append(w.html, text)
	} else {
		w.plain = append(w.plain, text)
	}
}

// finish turns the collected parts into Text and HTML.
func (w *walker) finish() {
	plain := strings.TrimSpace(strings.Join(nonEmpty(w.plain), "\n\n"))
	html := strings.Join(nonEmpty(w.html), "\n")
	if strings.TrimSpace(html) != "" {
		w.msg.html = html
	}
	switch {
	case plain != "":
		w.msg.Text = normalizeText(plain)
	case w.msg.html != "":
		w.msg.Text = HTMLToText(html)
		w.msg.rawHTML = html
	}
}

// nonEmpty drops blank strings.
func nonEmpty(in []string) []string {
	out := in[:0:0]
	for _, s := range in {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// normalizeText converts CRLF to LF and drops other control characters that
// have no place in text (keeping tab and newline).
func normalizeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\r' {
			return '\n'
		}
		if r < 32 && r != '\n' && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// unflow joins the soft line breaks of format=flowed text (RFC 3676): a
// line ending in a space continues on the next line of the same quote depth.
func unflow(s string, delsp bool) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	var b strings.Builder
	soft, prevDepth := false, -1
	for _, l := range lines {
		d := quoteDepth(l)
		content := strings.TrimPrefix(l[d:], " ") // space-stuffing
		if !(soft && d == prevDepth) {
			if prevDepth >= 0 {
				b.WriteByte('\n')
			}
			if d > 0 {
				b.WriteString(strings.Repeat(">", d) + " ")
			}
		}
		soft = strings.HasSuffix(content, " ") && content != "-- "
		if soft && delsp {
			content = content[:len(content)-1]
		}
		b.WriteString(content)
		prevDepth = d
	}
	return b.String()
}

// quoteDepth counts the leading '>' of a flowed line.
func quoteDepth(l string) int {
	n := 0
	for n < len(l) && l[n] == '>' {
		n++
	}
	return n
}
