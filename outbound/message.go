package outbound

import (
	"fmt"
	netmail "net/mail"
	"strings"
	"time"
	"unicode"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/templates"
	mail "github.com/wneessen/go-mail"
)

// Envelope is what a message needs besides its outbox row.
type Envelope struct {
	From         string // the helpdesk's support address (N6)
	HelpdeskName string // display name when the row has none, and of Reply-To
	ReturnPath   string // the VERP bounce address of the row (B3)
	Date         time.Time
}

// maxNameRunes bounds a display name; longer ones are cut.
const maxNameRunes = 120

// BuildMessage makes the MIME message of an outbox row (N6):
//
//	From: "Ann via Support" <support@…>     display name sanitised, encoded (RFC 2047)
//	To: the row's recipient
//	Reply-To: "Support" <support+t-TOKEN@…> the recipient's reply address (omitted for I6)
//	Subject, Message-ID <id>, In-Reply-To, References, Date
//	Auto-Submitted: auto-generated | auto-replied
//	X-Auto-Response-Suppress: All
//	multipart/alternative: text/plain, then text/html (the row's HTML, or
//	HTML derived from its text)
//
// and the envelope sender (MAIL FROM) env.ReturnPath. Every header value is
// stripped of control characters (CR, LF …) before go-mail encodes it, so
// no value can start a header of its own. An error means the row cannot
// make a message (a bad address, a broken Message-ID): it is permanent.
func BuildMessage(row model.OutboxMessage, env Envelope) (*mail.Msg, error) {
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	to, err := bareAddress(row.To)
	if err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	if err := m.To(to); err != nil {
		return nil, fmt.Errorf("recipient: %w", err)
	}
	if err := m.EnvelopeFrom(env.ReturnPath); err != nil {
		return nil, fmt.Errorf("return path: %w", err)
	}
	name := cleanText(row.FromName, maxNameRunes)
	if name == "" {
		name = cleanText(env.HelpdeskName, maxNameRunes)
	}
	m.FromMailAddress(&netmail.Address{Name: name, Address: env.From})
	if row.ReplyTo != "" {
		rt, err := bareAddress(row.ReplyTo)
		if err != nil {
			return nil, fmt.Errorf("reply-to: %w", err)
		}
		m.ReplyToMailAddress(&netmail.Address{Name: cleanText(env.HelpdeskName, maxNameRunes), Address: rt})
	}
	m.Subject(cleanText(row.Subject, 0))
	if !validMsgID(row.MessageID) {
		return nil, fmt.Errorf("message-id %q is not usable", row.MessageID)
	}
	m.SetMessageIDWithValue(row.MessageID)
	if validMsgID(row.InReplyTo) {
		m.SetGenHeader(mail.HeaderInReplyTo, "<"+row.InReplyTo+">")
	}
	var refs []string
	for _, id := range row.References {
		if validMsgID(id) {
			refs = append(refs, "<"+id+">")
		}
	}
	if len(refs) > 0 {
		m.SetGenHeader(mail.HeaderReferences, strings.Join(refs, " ")) // folded at the spaces
	}
	m.SetDateWithValue(env.Date)
	auto := row.AutoSubmitted
	if auto != "auto-replied" {
		auto = "auto-generated"
	}
	m.SetGenHeader(mail.Header("Auto-Submitted"), auto)
	m.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	html := row.HTMLBody
	if html == "" {
		html = templates.TextToHTML(row.TextBody)
	}
	m.SetBodyString(mail.TypeTextPlain, row.TextBody)
	m.AddAlternativeString(mail.TypeTextHTML, html)
	return m, nil
}

// bareAddress checks that s is one plain address (no display name, no
// group, no comment, no line break) and returns it. A quoted local part is
// an address like another (`"john smith"@acme.com`, `"dot..dot"@cc.example`):
// s must be its canonical form, quoted only where needed, as the parser
// stores it; go-mail writes it quoted in To and RCPT TO.
func bareAddress(s string) (string, error) {
	if strings.ContainsAny(s, "\r\n") {
		return "", fmt.Errorf("%q is not a plain address", s)
	}
	a, err := netmail.ParseAddress(s)
	if err != nil {
		return "", fmt.Errorf("%q: %w", s, err)
	}
	canonical := strings.TrimSuffix(strings.TrimPrefix((&netmail.Address{Address: a.Address}).String(), "<"), ">")
	if a.Name != "" || !strings.EqualFold(canonical, strings.TrimSpace(s)) {
		return "", fmt.Errorf("%q is not a plain address", s)
	}
	return canonical, nil
}

// cleanText makes s safe as one header value: control characters
// (CR, LF, TAB, NUL …) and Unicode line separators become spaces, runs of
// space become one, and the result is cut to max runes (0: no cut).
// go-mail then encodes non-ASCII text (RFC 2047).
func cleanText(s string, max int) string {
	var b strings.Builder
	space, n := false, 0
	for _, r := range strings.TrimSpace(s) {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == '\u2028' || r == '\u2029' || r == utf8RuneError {
			space = true
			continue
		}
		if max > 0 && n >= max {
			break
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
		n++
	}
	return b.String()
}

const utf8RuneError = '\uFFFD'

// validMsgID reports whether id (without angle brackets) can be written
// in a header as <id>: printable ASCII, no space or angle bracket, one @.
func validMsgID(id string) bool {
	if id == "" || len(id) > 500 || strings.Count(id, "@") != 1 || strings.HasPrefix(id, "@") || strings.HasSuffix(id, "@") {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= ' ' || c > '~' || c == '<' || c == '>' {
			return false
		}
	}
	return true
}
