package autoreply

import (
	"bufio"
	"errors"
	"html"
	"io"
	"regexp"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// Limits that keep a hostile message from costing much.
const (
	maxParts    = 64
	maxDepth    = 8
	maxPartRead = 1 << 20
)

// walked is what the MIME walk found in a message.
type walked struct {
	hasDSN            bool
	isFeedback        bool
	dsnRecipients     []BounceRecipient
	text              string // the human-readable report (text parts), before any returned message
	returned          string // text of the returned message or its headers, when inline
	originalMessageID string
	originalHeader    *textproto.Header // header of the returned message, when found
	parts             int

	// The last challengeMarker verdict (walked.challenge): a walked
	// message is classified once, with one header and envelope sender,
	// so the verdict depends on the text alone.
	challengeDone bool
	challengeOf   string
	challengeWhy  string
}

// challenge is challengeMarker(h, text, envelopeFrom), remembered for the
// last text: B3 asks it of the report text, then B1 again.
func (m *walked) challenge(h Header, text, envelopeFrom string) string {
	if m.challengeDone && text == m.challengeOf {
		return m.challengeWhy
	}
	why := challengeMarker(h, text, envelopeFrom)
	m.challengeDone, m.challengeOf, m.challengeWhy = true, text, why
	return why
}

// walk decodes the body as the header describes it and collects the
// parts a bounce is made of. Undecodable parts are skipped.
func walk(h Header, body string) *walked {
	var th textproto.Header
	for _, k := range []string{"Content-Type", "Content-Transfer-Encoding"} {
		if v := h.Get(k); v != "" {
			th.Set(k, v)
		}
	}
	w := &walked{}
	var text strings.Builder
	e, err := message.New(message.Header{Header: th}, strings.NewReader(body))
	if e != nil && (err == nil || message.IsUnknownCharset(err) || message.IsUnknownEncoding(err)) {
		w.entity(e, 0, &text)
	}
	if text.Len() == 0 && len(w.dsnRecipients) == 0 && w.originalHeader == nil {
		text.WriteString(capText(body)) // unreadable structure: read it as text
	}
	w.text, w.returned = splitReturned(capText(text.String()))
	if w.originalMessageID == "" && w.returned != "" {
		w.readReturned(w.returned)
	}
	return w
}

// maxScanText bounds the text searched for bounce shapes: a bounce's report
// and the start of the returned message fit well within it, and a large
// ordinary message is not scanned whole by the regular expressions.
const maxScanText = 256 << 10

func capText(s string) string {
	if len(s) > maxScanText {
		return s[:maxScanText]
	}
	return s
}

// entity visits one MIME entity.
func (w *walked) entity(e *message.Entity, depth int, text *strings.Builder) {
	w.parts++
	if w.parts > maxParts || depth > maxDepth {
		return
	}
	mt, params, _ := e.Header.ContentType()
	if mr := e.MultipartReader(); mr != nil {
		if mt == "multipart/report" {
			switch strings.ToLower(params["report-type"]) {
			case "delivery-status":
				w.hasDSN = true
			case "feedback-report":
				w.isFeedback = true
			}
		}
		w.multipart(mr, depth, text)
		return
	}
	switch mt {
	case "message/delivery-status", "message/global-delivery-status", "message/feedback-report",
		"message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers", "message/rfc822-headers",
		"text/plain", "", "text/html":
	default:
		return // an attachment: not read (its decoding is what costs)
	}
	data, _ := io.ReadAll(io.LimitReader(e.Body, maxPartRead))
	switch mt {
	case "message/delivery-status", "message/global-delivery-status":
		w.hasDSN = true
		w.dsnRecipients = append(w.dsnRecipients, parseDSN(string(data))...)
	case "message/feedback-report":
		w.isFeedback = true
	case "message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers", "message/rfc822-headers":
		w.readReturned(string(data))
	case "text/plain", "":
		if w.originalHeader == nil {
			text.Write(data)
			text.WriteString("\n")
		}
	case "text/html":
		if w.originalHeader == nil && text.Len() == 0 {
			text.WriteString(htmlText(string(data)))
			text.WriteString("\n")
		}
	}
}

func (w *walked) multipart(mr message.MultipartReader, depth int, text *strings.Builder) {
	defer mr.Close()
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) || (p == nil && err != nil) {
			return
		}
		if p == nil {
			continue
		}
		w.entity(p, depth+1, text)
		if w.parts > maxParts {
			return
		}
	}
}

// readReturned reads the header of a returned message and keeps its
// Message-ID. The first returned message wins.
func (w *walked) readReturned(s string) {
	if w.originalHeader != nil {
		return
	}
	s = strings.TrimLeft(s, "\r\n\t ")
	h, err := textproto.ReadHeader(bufio.NewReader(strings.NewReader(s + "\r\n\r\n")))
	if err != nil && h.Len() == 0 {
		h = lenientHeader(s)
	}
	w.originalHeader = &h
	w.originalMessageID = messageID(h.Get("Message-Id"))
	if w.originalMessageID == "" {
		w.originalMessageID = messageIDInText(s)
	}
}

// lenientHeader reads "Key: value" lines up to the first blank line,
// skipping lines it cannot read, for returned headers that are not quite
// RFC 5322 (indented, or with junk lines).
func lenientHeader(s string) textproto.Header {
	var h textproto.Header
	var key, val string
	flush := func() {
		if key != "" {
			h.Add(key, strings.TrimSpace(val))
		}
		key, val = "", ""
	}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			break
		}
		if (line[0] == ' ' || line[0] == '\t') && key != "" {
			val += " " + strings.TrimSpace(line)
			continue
		}
		flush()
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && k != "" && !strings.ContainsAny(k, " \t") {
			key, val = k, v
		}
	}
	flush()
	return h
}

var reMessageIDLine = regexp.MustCompile(`(?im)^[ \t>]*Message-Id:[ \t]*(<[^>\s]+>|\S+@\S+)`)

// messageIDInText finds the first "Message-ID:" line of returned headers
// quoted in text.
func messageIDInText(s string) string {
	if m := reMessageIDLine.FindStringSubmatch(s); m != nil {
		return messageID(m[1])
	}
	return ""
}

// messageID returns the id inside <>, or the trimmed value when it has none.
func messageID(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return v[i+1 : i+j]
		}
	}
	if strings.ContainsAny(v, " \t") || !strings.Contains(v, "@") {
		return ""
	}
	return v
}

var (
	reTags  = regexp.MustCompile(`(?s)<(script|style)[^>]*>.*?</(script|style)>|<[^>]*>`)
	reBlock = regexp.MustCompile(`(?i)<(br|/p|/div|/tr|/li|/h[1-6]|p|div|tr|li)\b[^>]*>`)
)

// htmlText turns an HTML part into rough text: enough for finding
// addresses and status codes.
func htmlText(s string) string {
	s = capText(s)
	s = reBlock.ReplaceAllString(s, "\n$0")
	s = reTags.ReplaceAllString(s, " ")
	return html.UnescapeString(s)
}
