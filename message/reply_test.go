package message

import (
	"encoding/json"
	"github.com/helpdesk-gw/helpdesk/internal/corpustest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReply(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"plain", "From: a@example.com\n\nThanks, done.\n\nOn Mon, 1 Jan 2024, Bob <b@example.com> wrote:\n> Is it done?\n",
			"Thanks, done."},
		{"html gmail", "From: a@example.com\nContent-Type: text/html\n\n" +
			`<div dir="ltr">Thanks, done.</div><br><div class="gmail_quote"><div class="gmail_attr">Bob wrote:</div>` +
			`<blockquote class="gmail_quote">Is it done?</blockquote></div>`,
			"Thanks, done."},
		{"html outlook", "From: a@example.com\nContent-Type: text/html\n\n" +
			`<div>Thanks, done.</div><hr><div id="divRplyFwdMsg"><b>From:</b> Bob<br><b>Sent:</b> Monday</div><div>Is it done?</div>`,
			"Thanks, done."},
		{"html apple cite", "From: a@example.com\nContent-Type: text/html\n\n" +
			`<div>Thanks, done.</div><div><br><blockquote type="cite"><div>Is it done?</div></blockquote></div>`,
			"Thanks, done."},
		{"html forward kept", "From: a@example.com\nContent-Type: text/html\n\n" +
			`<div>See below.</div><div class="gmail_quote">---------- Forwarded message ---------<br>From: Bob<br>Hello</div>`,
			"See below.\n---------- Forwarded message ---------\nFrom: Bob\nHello"},
		{"alternative uses plain", "From: a@example.com\nContent-Type: multipart/alternative; boundary=b\n\n" +
			"--b\nContent-Type: text/plain\n\nPlain reply.\n\n> quoted\n--b\nContent-Type: text/html\n\n<p>HTML reply.</p>\n--b--\n",
			"Plain reply."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.raw), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Reply(); got != tt.want {
				t.Errorf("Reply() = %q, want %q", got, tt.want)
			}
		})
	}
	if got := (&Message{Text: "Hi\n\n> old"}).Reply(); got != "Hi" {
		t.Errorf("hand-built message: Reply() = %q", got)
	}
}

// TestReplyTalonHTML sends talon's HTML replies through Parse and Reply, as
// the pipeline does, and compares with talon's expected text (all
// whitespace removed, talon's rule).
func TestReplyTalonHTML(t *testing.T) {
	dir := filepath.Join(corpustest.Dir(t), "mailgun-talon")
	b, err := os.ReadFile(filepath.Join(dir, "_derived_expected.json"))
	if err != nil {
		t.Skip(err)
	}
	var doc struct {
		HTML struct {
			ExpectedText string   `json:"expected_text"`
			Files        []string `json:"files"`
		} `json:"html_replies"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	noWS := func(s string) string { return strings.Join(strings.Fields(s), "") }
	for _, file := range doc.HTML.Files {
		html, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		raw := "From: a@example.com\nContent-Type: text/html; charset=utf-8\n\n" + string(html)
		m, err := Parse([]byte(raw), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Reply(); noWS(got) != noWS(doc.HTML.ExpectedText) {
			t.Errorf("%s: Reply() = %q, want %q", filepath.Base(file), got, doc.HTML.ExpectedText)
		}
	}
}

// TestHugeHTMLStaysReadable checks the cheaper rendering HTMLToText uses
// above maxHTML2TextSize: the words, the link target, the list and the quote
// are still there, and it is fast.
func TestHugeHTMLStaysReadable(t *testing.T) {
	body := `<p>Please see <a href="https://example.com/doc">the doc</a>.<br>Line two</p>` +
		`<ul><li>one</li><li>two</li></ul><blockquote>quoted</blockquote><script>alert(1)</script>`
	h := body + strings.Repeat("<div>filler text</div>\n", maxHTML2TextSize/20)
	start := time.Now()
	text := HTMLToText(h)
	took := time.Since(start)
	for _, want := range []string{"Please see the doc ( https://example.com/doc ).\nLine two", "- one\n- two", "> quoted", "filler text"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q: %q", want, text[:min(len(text), 300)])
		}
	}
	if strings.Contains(text, "alert") {
		t.Error("script in text")
	}
	t.Logf("%d bytes of HTML to text in %v", len(h), took)
}
