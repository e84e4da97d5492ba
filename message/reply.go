package message

import "github.com/helpdesk-gw/helpdesk/message/quote"

// Reply returns the visible reply of m: what its author wrote, without the
// quoted history, signature and boilerplate below it (see package quote).
// Text is the full body and stays as it is; Reply is what a comment shows
// and a notification quotes.
//
// A message with a plain-text body is trimmed on that text. A message with
// only HTML is trimmed on its HTML first, where mail clients mark the
// quoted history (Gmail's gmail_quote, Outlook's divRplyFwdMsg, a
// <blockquote type="cite">), then converted to text and trimmed again; a
// reply written between the quoted lines keeps each answer under the quoted
// lines it answers, in both forms (see package quote). Like
// quote.Trim, Reply returns "" when the whole body is quoted history; the
// caller decides whether to fall back to Text. A Message built by hand
// (not by Parse) is trimmed on its Text.
func (m *Message) Reply() string {
	if m == nil {
		return ""
	}
	if m.rawHTML == "" {
		return quote.Trim(m.Text)
	}
	trimmed := quote.TrimHTML(m.rawHTML)
	if trimmed == m.rawHTML { // no quote marker: Text is that HTML's text
		return quote.Trim(m.Text)
	}
	return quote.Trim(HTMLToText(trimmed))
}
