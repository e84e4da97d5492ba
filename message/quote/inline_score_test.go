package quote_test

import (
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/message"
	"github.com/helpdesk-gw/helpdesk/message/quote"
)

// inlineDir holds the inline-reply samples and this project's
// expectations for them (see its README.md).
const inlineDir = "testdata/inline"

// inlineCases are the inline replies scored in TestCorpusScores: three
// from the peers' corpus, and each linux-media Gmail reply twice, its text
// part and, for Gmail's, its HTML part alone (a Gmail reply whose text is
// only in HTML).
// The expectations are ours: *.want files, written for the text form.
func inlineCases(t *testing.T, root string) []scoreCase {
	var cases []scoreCase
	for name, file := range map[string]string{
		"github-email_1_8": "github-email_reply_parser/test/emails/email_1_8.txt",
		"crisp-tricky_18":  "crisp-email-reply-parser/test/fixtures/email_tricky_18_inline_reply.txt",
		"crisp-tricky_19":  "crisp-email-reply-parser/test/fixtures/email_tricky_19_quote_without_header.txt",
	} {
		cases = append(cases, scoreCase{name: name, input: readFile(t, filepath.Join(root, file)),
			want: readFile(t, filepath.Join(inlineDir, "expected", name+".want"))})
	}
	files, _ := filepath.Glob(filepath.Join(inlineDir, "linux-media", "*.eml"))
	for _, file := range files {
		raw := readFile(t, file)
		want := readFile(t, strings.TrimSuffix(file, ".eml")+".want")
		m, err := message.Parse([]byte(raw), message.Options{})
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		name := filepath.Base(file)
		cases = append(cases, scoreCase{name: name, input: m.Text, want: want})
		if html := htmlPart(t, raw); strings.Contains(html, "gmail_quote") {
			htmlWant := want
			if b, err := os.ReadFile(strings.TrimSuffix(file, ".eml") + ".html.want"); err == nil {
				htmlWant = string(b) // where the HTML form differs for reasons other than quoting
			}
			cases = append(cases, scoreCase{name: "html/" + name, input: message.HTMLToText(quote.TrimHTML(html)),
				want: htmlWant, exact: sameAnswers})
		}
	}
	return cases
}

// sameAnswers compares a reply trimmed from HTML with the expectation for
// its text form. The HTML's lines are not wrapped where the text's are, so
// it compares, all whitespace, "*" and ">" markers removed: the writer's own
// text between quotes, block by block, exactly; and above each answer, the
// last quoted line of the expectation, which must be in the quote kept.
func sameAnswers(got, want string) bool {
	g, w := replyBlocks(got), replyBlocks(want)
	if len(g) != len(w) {
		return false
	}
	for i := range w {
		if w[i].quoted != g[i].quoted {
			return false
		}
		if !w[i].quoted && plain(w[i].text) != plain(g[i].text) {
			return false
		}
		if w[i].quoted && !strings.Contains(plain(g[i].text), plain(w[i].last)) {
			return false
		}
	}
	return true
}

// plain removes all whitespace and the "*" with which Gmail's text form
// marks bold ("*BOUWSMA w*rote" is "<b>BOUWSMA w</b>rote" in its HTML).
func plain(s string) string { return noWS(strings.ReplaceAll(s, "*", "")) }

// replyBlock is a run of quoted lines, or of the writer's own lines.
type replyBlock struct {
	quoted     bool
	text, last string // last: the last quoted line with text
}

// quoteMarks are the ">" markers and spaces that open a quoted line.
var quoteMarks = regexp.MustCompile(`^[>\s]+`)

func replyBlocks(s string) []replyBlock {
	var blocks []replyBlock
	for _, l := range strings.Split(s, "\n") {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		quoted := strings.HasPrefix(t, ">")
		t = quoteMarks.ReplaceAllString(t, "")
		if len(blocks) == 0 || blocks[len(blocks)-1].quoted != quoted {
			blocks = append(blocks, replyBlock{quoted: quoted})
		}
		b := &blocks[len(blocks)-1]
		b.text += " " + t
		if t != "" {
			b.last = t
		}
	}
	return blocks
}

// htmlPart returns the first text/html part of a raw message, decoded
// from its transfer encoding and, for ISO-8859-1, to UTF-8.
func htmlPart(t *testing.T, raw string) string {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	html, ok := findHTML(t, msg.Header.Get("Content-Type"), msg.Body)
	if !ok {
		t.Fatal("no text/html part")
	}
	return html
}

func findHTML(t *testing.T, contentType string, body io.Reader) (string, bool) {
	media, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", false
	}
	if media == "text/html" {
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		if strings.EqualFold(params["charset"], "iso-8859-1") {
			r := make([]rune, len(b))
			for i, c := range b {
				r[i] = rune(c)
			}
			return string(r), true
		}
		return string(b), true
	}
	if !strings.HasPrefix(media, "multipart/") {
		return "", false
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return "", false
		}
		if html, ok := findHTML(t, p.Header.Get("Content-Type"), p); ok {
			return html, true
		}
	}
}

// TestInlineScoreMissesAreSeen makes sure the inline folder's comparison
// can fail: an answer lost, or its question, is a miss.
func TestInlineScoreMissesAreSeen(t *testing.T) {
	want := "> Which printer?\n\nFloor 2.\n\n> Since when?\n\nMonday."
	for name, got := range map[string]string{
		"answer lost":   "> Which printer?\n\nFloor 2.",
		"question lost": "Floor 2.\n\n> Since when?\n\nMonday.",
		"other context": "> Hello\n\nFloor 2.\n\n> Since when?\n\nMonday.",
	} {
		if sameAnswers(got, want) {
			t.Errorf("%s: sameAnswers(%q) = true", name, got)
		}
	}
	if !sameAnswers("> Which\n> printer?\nFloor\n2.\n> Since when?\nMonday.", want) {
		t.Error("rewrapped lines: sameAnswers = false")
	}
}
