// Package autoreply classifies inbound mail that a person did not write:
// auto-replies and loops (access model B1), mailing-list and bulk mail (B1,
// RFC 3834) and bounces (B3), and reads from a bounce which recipients
// failed, how, and which message of ours bounced.
//
// It is pure: it reads headers and body text given to it and does no I/O.
// It never fails: a part it cannot decode is skipped, and a bounce whose
// recipients it cannot find is still a Bounce, with no Recipients. Abuse
// feedback reports (ARF) count as bounces without recipients. Auto-reply
// subjects match only whole or as a prefix before ":", so a person's
// subject that merely mentions "out of office" stays a person's mail.
// Amazon SES notifications (JSON bodies) are bounces; their Delivery and
// Complaint kinds carry no recipients. Each failed recipient gets a Reason
// in sisimai's vocabulary when the status or the server's words tell it,
// and BadAddress (sisimai's "hard bounce": the address itself is bad),
// which is narrower than Hard (any permanent 5.x.x failure).
// Bodies are read without charset conversion beyond UTF-8: addresses and
// status codes are ASCII.
package autoreply

import (
	"bufio"
	"bytes"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// Header is the part of a message header this package reads. Values must
// return a field's values top to bottom, as go-message's
// *textproto.Header does.
type Header interface {
	Values(key string) []string
	Get(key string) string
}

// Kind is what sort of automatic mail a message is.
type Kind int

// The kinds, from the most to the least automatic. The zero value, None,
// is mail a person wrote.
const (
	None      Kind = iota // a person's mail
	AutoReply             // out-of-office, vacation, auto-responder (B1)
	ListMail              // list or bulk mail: processed, never answered (B1)
	Bounce                // delivery status notification or bounce (B3)
)

// String returns "none", "auto_reply", "list" or "bounce".
func (k Kind) String() string {
	switch k {
	case AutoReply:
		return "auto_reply"
	case ListMail:
		return "list"
	case Bounce:
		return "bounce"
	}
	return "none"
}

// Answerable reports whether the helpdesk may send automatic mail
// (acknowledgements, notices) in reply: only to a person's mail (B1).
func (k Kind) Answerable() bool { return k == None }

// BounceRecipient is one recipient a bounce reports on.
type BounceRecipient struct {
	Email      string // lower-cased address that failed
	Status     string // enhanced status code, e.g. "5.1.1"; "5.0.0"/"4.0.0" when only the class is known
	Hard       bool   // permanent failure (5.x.x); false for delays and 4.x.x
	Diagnostic string // the remote server's words, when given

	// Reason names the failure in sisimai's words (ReasonUserUnknown …)
	// when the status or the words tell it; "" otherwise.
	Reason string
	// BadAddress reports that the address itself does not work (unknown
	// user or domain, moved, a domain that accepts no mail): sisimai's
	// "hard bounce", narrower than Hard. A full mailbox or a block is
	// Hard but not BadAddress.
	BadAddress bool
}

// Classification is the verdict on one message.
type Classification struct {
	Kind   Kind
	Rules  []string // access-model rules that decided it: "B1", "B3"
	Reason string   // the evidence, for logs and history

	// For bounces only.
	Recipients        []BounceRecipient
	OriginalMessageID string // Message-ID of the returned message, without <>, "" if unknown
}

// Classify decides what h and body (the undecoded body as it follows the
// header) are. envelopeFrom is the SMTP MAIL FROM when the caller knows it;
// only "<>" means a null return path (an empty string means unknown).
//
// Precedence: a delivery report (unless it is a challenge in disguise:
// challengeDSN) is a Bounce; then a challenge-response request
// (challengeMarker) is AutoReply, even from MAILER-DAEMON or with a null
// return path; then a message from MAILER-DAEMON or postmaster is a
// Bounce; then auto-reply markers give AutoReply, unless the message also
// carries a null return path and the look of a bounce; then a null return
// path gives Bounce; then list headers give ListMail.
func Classify(h Header, body, envelopeFrom string) Classification {
	return classify(h, envelopeFrom, walk(h, body))
}

// Parsed is what a parser already read of a message (message.Message),
// for ClassifyParsed.
type Parsed struct {
	// Text is the readable body: the text/plain parts decoded, or the
	// HTML as text.
	Text string
	// Types are the media types of the message and of every part,
	// lower-case, without parameters.
	Types []string
	// PartsSkipped is set when the parser left parts unread.
	PartsSkipped bool
	// Attached are the media types of the parts the parser kept as
	// attachments, lower-case ("" when a part had none).
	Attached []string
}

// readsAsText reports whether the bounce reader (walk) reads a part of
// media type t as report text or as a returned message, though a parser
// kept it as an attachment: a named text part, a digest's message.
func readsAsText(t string) bool {
	return t == "" || strings.HasPrefix(t, "text/") || strings.HasPrefix(t, "message/")
}

// reportTypes are the media types that make a message a delivery or
// feedback report (B3).
var reportTypes = []string{"multipart/report", "message/delivery-status", "message/global-delivery-status",
	"message/feedback-report"}

// ClassifyParsed is Classify (B1 auto-replies, B3 bounces) for a message
// a parser has already read: it gives what Classify gives, and skips
// reading the MIME structure again when nothing in it can make a bounce:
// no header marks one (From, X-Failed-Recipients, a null return path), no
// part is a report, no text or message part was kept as an attachment (an
// SES notification may hide in one, encoded), and neither the body nor the
// text holds an Amazon SES notification. body is the undecoded body as
// it follows the header, read in place: it is copied only when the
// structure must be read again.
func ClassifyParsed(h Header, body []byte, p Parsed, envelopeFrom string) Classification {
	if p.PartsSkipped || slices.ContainsFunc(p.Attached, readsAsText) || bounceMarker(h, &walked{}, envelopeFrom) != "" ||
		slices.ContainsFunc(p.Types, func(t string) bool { return slices.Contains(reportTypes, t) }) ||
		bytes.Contains(body, []byte(sesMarker)) || strings.Contains(p.Text, sesMarker) {
		return Classify(h, string(body), envelopeFrom)
	}
	return classify(h, envelopeFrom, &walked{text: capText(p.Text)})
}

// classify is Classify with the body's structure read (walk).
func classify(h Header, envelopeFrom string, m *walked) Classification {
	if c, ok := classifyBounce(h, m, envelopeFrom); ok {
		return c
	}
	if why := autoReplyMarker(h); why != "" {
		return Classification{Kind: AutoReply, Rules: []string{"B1"}, Reason: why}
	}
	if why := m.challenge(h, reportText(m), envelopeFrom); why != "" {
		return Classification{Kind: AutoReply, Rules: []string{"B1"}, Reason: why}
	}
	if why := listMarker(h); why != "" {
		return Classification{Kind: ListMail, Rules: []string{"B1"}, Reason: why}
	}
	return Classification{}
}

// ClassifyRaw classifies a whole raw message (header and body), as
// Classify does with envelopeFrom unknown. A message whose header cannot
// be read is classified from what was read.
// A leading mbox "From " separator line is skipped.
func ClassifyRaw(raw []byte) Classification {
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	br := bufio.NewReader(bytes.NewReader(raw))
	h, _ := textproto.ReadHeader(br)
	body, _ := io.ReadAll(br)
	return Classify(&h, string(body), "")
}

// classifyBounce applies B3 and, for a bounce, extracts what it reports.
func classifyBounce(h Header, m *walked, envelopeFrom string) (Classification, bool) {
	why := bounceMarker(h, m, envelopeFrom)
	if why == "" {
		return Classification{}, false
	}
	c := Classification{Kind: Bounce, Rules: []string{"B3"}, Reason: why}
	c.Recipients = m.dsnRecipients
	if kind, rs := sesNotification(m.text); kind != "" {
		c.Recipients = rs
	} else if len(c.Recipients) == 0 && !m.isFeedback {
		c.Recipients = textRecipients(h, m)
	}
	mentions := recipientMentions(m.text, c.Recipients)
	for i, r := range c.Recipients {
		if r.Reason == "" || r.Reason == ReasonUserUnknown || r.Reason == ReasonFiltered {
			words := m.text // a single recipient: the whole report is about it
			if len(c.Recipients) > 1 {
				words = segmentFor(m.text, r.Email, mentions)
			}
			c.Recipients[i] = finishRecipient(r, words)
		}
	}
	c.OriginalMessageID = m.originalMessageID
	return c, true
}

// bounceMarker returns why the message is a bounce, or "".
func bounceMarker(h Header, m *walked, envelopeFrom string) string {
	switch {
	case m.hasDSN && !challengeDSN(h, m, envelopeFrom):
		return "delivery status notification (multipart/report; report-type=delivery-status)"
	case m.isFeedback:
		return "feedback report (multipart/report; report-type=feedback-report)"
	}
	if kind, _ := sesNotification(m.text); kind != "" {
		return "Amazon SES " + strings.ToLower(kind) + " notification"
	}
	if m.challenge(h, m.text, envelopeFrom) != "" {
		return "" // a challenge-response request, even from MAILER-DAEMON (B1)
	}
	if who := daemonSender(h.Get("From")); who != "" {
		return "sent by " + who
	}
	if h.Get("X-Failed-Recipients") != "" {
		return "X-Failed-Recipients header"
	}
	null := nullReturnPath(h, envelopeFrom)
	if autoReplyMarker(h) != "" && !(null && looksLikeBounce(h)) {
		return ""
	}
	if null {
		return "null return path"
	}
	return ""
}

// nullReturnPath reports an explicit null return path: envelopeFrom "<>",
// or a topmost Return-Path header of "<>".
func nullReturnPath(h Header, envelopeFrom string) bool {
	if strings.TrimSpace(envelopeFrom) == "<>" {
		return true
	}
	rp := h.Values("Return-Path")
	if len(rp) == 0 {
		return false
	}
	return strings.Join(strings.Fields(rp[0]), "") == "<>"
}

// daemonSender recognises the From of a mail system: a MAILER-DAEMON or
// postmaster address or display name.
func daemonSender(from string) string {
	f := strings.ToLower(from)
	switch {
	case strings.Contains(f, "mailer-daemon"):
		return "MAILER-DAEMON"
	case strings.Contains(f, "postmaster@"), strings.Contains(f, "post_master@"), strings.HasPrefix(strings.TrimSpace(f), "postmaster"):
		return "postmaster"
	case strings.Contains(f, "mail delivery subsystem"), strings.Contains(f, "mail delivery system"):
		return "the mail delivery system"
	}
	return ""
}

// recipientMentions finds where the report text names each of rs, in
// order, so that the words about one recipient stop where the next one's
// start.
func recipientMentions(text string, rs []BounceRecipient) []mention {
	if len(rs) < 2 || len(text) != len(strings.ToLower(text)) {
		return nil
	}
	lower := strings.ToLower(text)
	var ms []mention
	for _, r := range rs {
		for from := 0; r.Email != ""; {
			i := strings.Index(lower[from:], r.Email)
			if i < 0 {
				break
			}
			line := strings.LastIndexByte(lower[:from+i], '\n') + 1
			ms = append(ms, mention{r.Email, line})
			from += i + len(r.Email)
		}
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].pos < ms[j].pos })
	return ms
}
