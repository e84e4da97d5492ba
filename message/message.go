package message

import (
	"errors"
	"time"

	"github.com/emersion/go-message/textproto"
)

// ErrNotAMessage is returned by Parse when the input cannot be read as an
// email at all: it is empty, or it has no header fields.
var ErrNotAMessage = errors.New("not an email message: no readable header")

// ErrNoFrom is returned by Parse when the message has no From header with a
// usable email address (for example "From: undisclosed").
var ErrNoFrom = errors.New("message has no usable From address")

// MaxIDLength is the longest message identifier kept (Message-ID,
// In-Reply-To, References entries); longer ones are truncated with a warning.
const MaxIDLength = 995

// Default limits applied when the corresponding Options field is zero.
const (
	DefaultMaxParts = 1000 // MIME parts walked per message
	DefaultMaxDepth = 32   // nesting of multiparts and attached messages
)

// maxReferences caps how many identifiers are kept from one References field.
const maxReferences = 500

// Options tunes Parse. The zero value means no size limits and the default
// structural limits.
type Options struct {
	// MaxAttachmentSize is the largest decoded attachment whose content is
	// kept; a larger one is listed with its Size but without Content, and
	// Omitted set. 0 means no limit.
	MaxAttachmentSize int64
	// MaxTotalSize caps the decoded bytes kept for the whole message (text,
	// HTML and attachment contents). Once reached, further attachment content
	// is omitted and text is truncated, each with a warning. 0 means no limit.
	MaxTotalSize int64
	// MaxParts caps the number of MIME parts walked; 0 means DefaultMaxParts.
	MaxParts int
	// MaxDepth caps the nesting of multiparts; 0 means DefaultMaxDepth.
	MaxDepth int
}

// Address is one mailbox: a display name and a lower-cased email address.
type Address struct {
	Name  string // display name, decoded from RFC 2047; may be empty
	Email string // lower-cased addr-spec, e.g. "jane@example.com"
}

// String formats the address for display: `Name <email>` or just the email.
func (a Address) String() string {
	if a.Name == "" {
		return a.Email
	}
	return a.Name + " <" + a.Email + ">"
}

// Attachment is one non-body part of a message: a file, an inline image, an
// attached message (message/rfc822, named after its subject with ".eml"), a
// delivery report.
type Attachment struct {
	Filename    string // decoded from RFC 2047/2231; generated when absent
	ContentType string // lower-cased media type, e.g. "image/png"
	Size        int64  // decoded size in bytes, even when Content was omitted
	ContentID   string // Content-ID without angle brackets, if any
	Inline      bool   // disposition inline, or referenced by Content-ID
	Omitted     bool   // Content dropped because a size limit was reached
	Content     []byte // decoded bytes; nil when Omitted
}

// Message is one parsed email. Fields absent from the mail are left zero.
type Message struct {
	From        Address   // the author; always has an Email
	Sender      Address   // the Sender header; zero when absent
	ReplyTo     []Address // Reply-To addresses
	To          []Address // To addresses
	Cc          []Address // Cc addresses
	DeliveredTo []string  // Delivered-To, X-Original-To, Envelope-To, lower-cased, top to bottom
	Subject     string    // decoded subject, unfolded
	Date        time.Time // the Date header; zero when absent or unreadable
	MessageID   string    // canonical Message-ID without angle brackets; "" when absent
	InReplyTo   []string  // In-Reply-To identifiers
	References  []string  // References identifiers, oldest first
	// Header is the top-level header as received (fields that were not
	// header lines at all are dropped). Use HeaderValues to read it in order.
	Header textproto.Header
	// Text is the readable body: the text/plain part(s), or else the HTML
	// converted to text with its links and line breaks.
	Text        string
	Attachments []Attachment
	// Warnings lists non-fatal problems met while parsing, in the order met.
	Warnings []string
	// Types are the media types of the message and of each part read
	// (lower-case, without parameters), each once, in the order met.
	Types []string
	// PartsSkipped is set when parts were left unread: more than
	// Options.MaxParts, or nested deeper than Options.MaxDepth.
	PartsSkipped bool

	// html is the HTML body as decoded, before sanitising; "" when there
	// is none. HTML sanitises it when first asked (into sanitized): most
	// callers never show it.
	html, sanitized string
	sanitizedDone   bool
	// rawHTML is html when Text was made from it (no plain-text body): the
	// quote markers of mail clients (class="gmail_quote",
	// id="divRplyFwdMsg") are attributes the sanitiser removes. Read by
	// Reply only; never shown.
	rawHTML string
}

// HTML is the HTML body sanitised with bluemonday's UGC policy; "" when
// the message has no HTML part. It sanitises on the first call (the
// costliest step of parsing, done only for a body that will be kept) and
// remembers the result; like the rest of Message, not for concurrent use.
func (m *Message) HTML() string {
	if !m.sanitizedDone && m.html != "" {
		m.sanitized, m.sanitizedDone = sanitizeHTML(m.html), true
	}
	return m.sanitized
}

// HeaderValues returns every value of the header field key (case-insensitive)
// from top to bottom, as written (not decoded). Trace fields such as Received
// and Authentication-Results are prepended by each hop, so the first value is
// the one added last, by the nearest server.
func (m *Message) HeaderValues(key string) []string {
	if m == nil {
		return nil
	}
	return m.Header.Values(key)
}
