package message

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// Parse reads one RFC 5322 message. It returns ErrNotAMessage (wrapped, with
// detail, and a nil Message) when raw is empty or has no readable header.
// It returns ErrNoFrom when the From header names no usable address (missing,
// "undisclosed", "MAILER-DAEMON" without a domain); the Message is then
// returned too, fully parsed, so that the caller can log its Message-ID or
// inspect a bounce. Any other problem becomes a warning in Message.Warnings.
// Parse never panics.
func Parse(raw []byte, opts Options) (msg *Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			msg, err = nil, fmt.Errorf("%w: parser panic: %v", ErrNotAMessage, r)
		}
	}()
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrNotAMessage)
	}
	raw = normalizeNewlines(raw)
	charsets := &headerCharsets{raw: raw}
	rh := readHeader(raw, true, charsets)
	if rh.fields == 0 || rh.junk > rh.fields || hasNUL(raw, len(raw)-len(rh.body)) {
		return nil, fmt.Errorf("%w: %d header fields, %d malformed lines", ErrNotAMessage, rh.fields, rh.junk)
	}
	msg = &Message{Header: rh.header}
	w := newWalker(msg, opts)
	w.charsets = charsets
	for _, warn := range rh.warning {
		w.warn(warn)
	}
	w.readEnvelope(rh.header)
	w.walk(rh.header, rh.body, 0, "text/plain")
	w.finish()
	if msg.From.Email == "" {
		from := strings.TrimSpace(rh.header.Get("From"))
		if from == "" {
			return msg, fmt.Errorf("%w: the From header is missing", ErrNoFrom)
		}
		return msg, fmt.Errorf("%w: From %q has no email address", ErrNoFrom, truncate(from, 100))
	}
	return msg, nil
}

// normalizeNewlines turns old Mac CR-only line endings into LF.
func normalizeNewlines(raw []byte) []byte {
	head := raw[:min(len(raw), 4096)]
	if bytes.IndexByte(head, '\n') < 0 && bytes.IndexByte(head, '\r') >= 0 {
		return bytes.ReplaceAll(raw, []byte("\r"), []byte("\n"))
	}
	return raw
}

// hasNUL reports whether the first n bytes of raw (the header) contain NUL,
// a sure sign of binary data.
func hasNUL(raw []byte, n int) bool {
	n = max(0, min(n, len(raw)))
	return bytes.IndexByte(raw[:n], 0) >= 0
}

// readEnvelope fills the header-derived fields of the message.
func (w *walker) readEnvelope(h textproto.Header) {
	m := w.msg
	if from := w.addresses(h, "From"); len(from) > 0 {
		m.From = from[0]
	}
	if sender := w.addresses(h, "Sender"); len(sender) > 0 {
		m.Sender = sender[0]
	}
	m.ReplyTo = w.addresses(h, "Reply-To")
	m.To = w.addresses(h, "To")
	m.Cc = w.addresses(h, "Cc")
	m.DeliveredTo = deliveredTo(h)
	subject, warn := decodeHeaderText(h.Get("Subject"))
	m.Subject = strings.Join(strings.Fields(subject), " ")
	w.warn(warn)
	w.readDate(h)
	w.readIDs(h)
}

// addresses parses every field named key as one address list.
func (w *walker) addresses(h textproto.Header, key string) []Address {
	values := h.Values(key)
	if len(values) == 0 {
		return nil
	}
	joined := strings.Join(values, ", ")
	list := ParseAddressList(joined)
	if len(list) == 0 && strings.Contains(joined, "@") {
		w.warn(fmt.Sprintf("%s header has no readable address", key))
	}
	return list
}

// deliveredTo collects Delivered-To, X-Original-To and Envelope-To addresses.
func deliveredTo(h textproto.Header) []string {
	var out []string
	seen := map[string]bool{}
	for _, key := range []string{"Delivered-To", "X-Original-To", "Envelope-To"} {
		for _, v := range h.Values(key) {
			for _, a := range ParseAddressList(v) {
				if !seen[a.Email] {
					seen[a.Email] = true
					out = append(out, a.Email)
				}
			}
		}
	}
	return out
}

// readDate parses the Date header, with fallbacks for common malformations.
func (w *walker) readDate(h textproto.Header) {
	v := strings.TrimSpace(h.Get("Date"))
	if v == "" {
		return
	}
	mh := mail.Header{Header: messageHeader(h)}
	if t, err := mh.Date(); err == nil {
		w.msg.Date = t
		return
	}
	if t, ok := parseLooseDate(v); ok {
		w.msg.Date = t
		return
	}
	w.warn(fmt.Sprintf("unreadable Date %q", truncate(v, 80)))
}

// looseDateLayouts are tried, in order, when net/mail refuses a date.
var looseDateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon, 2 January 2006 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02T15:04:05Z07:00",
	"Mon, 2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04:05",
	"Mon,2 Jan 2006 15:04:05 -0700",
	"Mon 2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04-0700",
	"Monday, January 2, 2006 3:04 PM",
	"Monday, 2 January 2006 at 15:04",
	"Mon, Jan 2, 2006 at 3:04 PM",
	"2 January 2006 at 15:04:05 MST",
}

// parseLooseDate strips comments and junk and tries common layouts.
func parseLooseDate(v string) (time.Time, bool) {
	if len(v) > 200 {
		return time.Time{}, false
	}
	v = strings.Join(strings.Fields(stripComments(v)), " ")
	v = strings.ReplaceAll(v, ",,", ",")
	for _, layout := range looseDateLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	// Drop trailing words (e.g. "+0000 GMT") one at a time.
	for f := strings.Fields(v); len(f) > 3; f = f[:len(f)-1] {
		for _, layout := range looseDateLayouts {
			if t, err := time.Parse(layout, strings.Join(f[:len(f)-1], " ")); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// readIDs reads Message-ID, In-Reply-To and References.
func (w *walker) readIDs(h textproto.Header) {
	mh := mail.Header{Header: messageHeader(h)}
	raw := h.Get("Message-Id")
	parsed, _ := mh.MessageID()
	id, warn := parseMessageID(raw, parsed)
	w.msg.MessageID = id
	w.warn(warn)
	var cut bool
	w.msg.InReplyTo, cut = parseMsgIDList(strings.Join(h.Values("In-Reply-To"), " "))
	if cut {
		w.warn("In-Reply-To: identifiers truncated")
	}
	w.msg.References, cut = parseMsgIDList(strings.Join(h.Values("References"), " "))
	if cut {
		w.warn("References: identifiers truncated")
	}
}
