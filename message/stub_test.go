package message

import (
	"os"
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/internal/corpustest"
)

// TestStubTextPart: real alternatives whose text part is a placeholder take
// the HTML's text; real ones whose text is short but written keep it.
func TestStubTextPart(t *testing.T) {
	dir := corpustest.Dir(t)
	cases := []struct {
		file, want, not string
	}{
		// "This is an HTML message. Please use an HTML capable mail program…"
		{"php-mime-mail-parser/tests/mails/m0008", "Hello Name", "Please use an HTML capable"},
		{"php-mime-mail-parser/tests/mails/m0025", "Hello Name", "Please use an HTML capable"},
		// A reply of 96 words whose HTML (521 words) carries the quoted thread.
		{"mailgun-talon/tests/fixtures/reply-quotations-share-block.eml", "Sounds great", ""},
		// A three-word text part of a 13-word HTML.
		{"nodemailer-mailparser/test/fixtures/nodemailer.eml", "Hello to myself!", ""},
	}
	for _, c := range cases {
		raw, err := os.ReadFile(dir + "/" + c.file)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(raw, Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if !strings.Contains(m.Text, c.want) || (c.not != "" && strings.Contains(m.Text, c.not)) {
			t.Errorf("%s: Text %q, want it to hold %q and not %q", c.file, clip(m.Text), c.want, c.not)
		}
	}
}

// TestIsStub holds the rule in both directions.
func TestIsStub(t *testing.T) {
	article := "<p>" + strings.Repeat("Our spring offers are here with new products for your garden. ", 10) + "</p>"
	cases := []struct {
		name, plain, html string
		stub              bool
	}{
		{"empty text", " \n", article, true},
		{"newsletter placeholder", "HTML newsletter could be read here: https://example.com/n/42", article, true},
		{"browser placeholder", "To view this email as a web page, view it in your browser.", article, true},
		{"no html support", "Your email client does not support HTML messages.", article, true},
		{"far shorter than the HTML", "Spring offers", article, true},
		{"a real short reply", "Thanks, see you at 10.", "<div>Thanks, see you at 10.</div>", false},
		{"placeholder words in a long text", strings.Repeat("We wrote a long letter about our HTML version plans. ", 10), article, false},
		{"HTML is the stub: text kept", strings.Repeat("The full text of the newsletter, every word. ", 20),
			"<p>View this email in your browser</p>", false},
		{"text a fifth of its HTML", strings.Repeat("word ", 22), article, false},
	}
	for _, c := range cases {
		if got := isStub(c.plain, c.html); got != c.stub {
			t.Errorf("%s: isStub = %v, want %v", c.name, got, c.stub)
		}
	}
}

// TestStubAlternativeMessage: the HTML's text is the body of a message
// whose text part is a stub, and its reply is trimmed on the HTML.
func TestStubAlternativeMessage(t *testing.T) {
	raw := "From: a@example.com\r\nSubject: Re: offer\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nHTML newsletter could be read here\r\n" +
		"--b\r\nContent-Type: text/html\r\n\r\n<div>Yes, I take the offer.</div><div class=\"gmail_quote\">On Monday Bob wrote:<blockquote>Will you take it?</blockquote></div>\r\n--b--\r\n"
	m, err := Parse([]byte(raw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "Yes, I take the offer.") {
		t.Errorf("Text %q", m.Text)
	}
	if got := strings.TrimSpace(m.Reply()); got != "Yes, I take the offer." {
		t.Errorf("Reply %q", got)
	}
}
