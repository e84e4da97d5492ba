package quote

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestTrimInline states the rule for replies written between the quoted
// lines (issue 16.5), one behaviour a case.
func TestTrimInline(t *testing.T) {
	long := "> " + strings.Repeat("word ", 12) + "\n"
	tests := []struct {
		name, in, want string
	}{
		{"issue's shape, no blank lines",
			"> Which printer?\nThe one on floor 2.\n> Since when?\nSince Monday.\n",
			"> Which printer?\nThe one on floor 2.\n> Since when?\nSince Monday."},
		{"attribution at the top is dropped, the first question kept",
			"On Mon, 1 Feb 2016, Bob <bob@example.com> wrote:\n> Which printer?\n\nThe one on floor 2.\n\n> Since when?\n\nSince Monday.\n",
			"> Which printer?\n\nThe one on floor 2.\n\n> Since when?\n\nSince Monday."},
		{"a long quote keeps its last paragraph above the answer",
			"On Mon, 1 Feb 2016, Bob <bob@example.com> wrote:\n> Hello,\n>\n> Our printer jams.\n>\n> Which floor are you on?\n\nFloor 2.\n\n> And since when?\n\nMonday.\n",
			"> Which floor are you on?\n\nFloor 2.\n\n> And since when?\n\nMonday."},
		{"a paragraph over 400 characters keeps its last lines",
			"> q\nanswer one\n\n" + strings.Repeat(long, 10) + "> Is that right?\n\nYes.\n",
			"> q\nanswer one\n\n" + strings.Repeat(long, 6) + "> Is that right?\n\nYes."},
		{"the quote no answer follows, and its attribution, are dropped",
			"Hi,\n\nOn Mon, 1 Feb 2016, Bob <bob@example.com> wrote:\n> Which printer?\nFloor 2.\n> Since when?\nMonday.\n>\n> On Sun, Ann <ann@example.com> wrote:\n> > The printer is broken.\n",
			"Hi,\n\n> Which printer?\nFloor 2.\n> Since when?\nMonday."},
		{"a signature below the last answer is cut",
			"> Which printer?\nFloor 2.\n> Since when?\nMonday.\n\n-- \nAnn\nACME\n",
			"> Which printer?\nFloor 2.\n> Since when?\nMonday."},
		{"a bare 'Name wrote:' line opening a quote is dropped, also quoted",
			"Bob Smith wrote:\n> Ann Lee wrote:\n> > older\n> Which printer?\nFloor 2.\n> Since when?\nMonday.\n",
			"> > older\n> Which printer?\nFloor 2.\n> Since when?\nMonday."},
		{"the quoted signature and list footer are not context",
			"> Since when?\n>\n> Regards,\n> Bob\n> --\n> list footer\n\nMonday.\n\n> Which floor?\n\nFloor 2.\n",
			"> Since when?\n\nMonday.\n\n> Which floor?\n\nFloor 2."},
		{"a forward marker inside an answered quote is history, not a forward",
			"On Mon, 1 Feb 2016, Bob <bob@example.com> wrote:\n> ---------- Forwarded message ---------\n> From: Carl\n> Can you fix it?\n\nYes.\n\n> When?\n\nToday.\n",
			"> ---------- Forwarded message ---------\n> From: Carl\n> Can you fix it?\n\nYes.\n\n> When?\n\nToday."},
		{"a bottom post under an attribution keeps only the answer",
			"On Mon, 1 Feb 2016, Bob <bob@example.com> wrote:\n> Which printer?\n\nThe one on floor 2.\n",
			"The one on floor 2."},
		{"a wrapped quoted line is not an answer",
			"Thanks.\n\nOn Mon, 1 Feb 2016, Bob <bob@example.com> wrote:\n> Lorem ipsum dolor sit amet, consectetur adipiscing elit. Nullam pharetra d\nignissim odio?\n> Maecenas tempor libero nec orci scelerisque porta a quis orci.\nrhoncus tortor in.\n>\n",
			"Thanks."},
		{"a valediction with a quote left below it answers no quote",
			"Thanks, fixed.\n\nOn Mon, 1 Feb 2016, Bob <bob@example.com> wrote:\n> Is it fixed?\n>\n> Hello\n> Is it fixed?\nGreat\n> other\nRegards,\nAnn\n> footer\n",
			"Thanks, fixed.\n\n> Is it fixed?\n>\n> Hello\n> Is it fixed?\nGreat"},
		{"one quote between the writer's lines stays whole",
			"Yes.\n\n> Shall we?\n> Tomorrow?\n\nSee you.\n",
			"Yes.\n\n> Shall we?\n> Tomorrow?\n\nSee you."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Trim(tt.in); got != tt.want {
				t.Errorf("Trim(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// gmailInline is the HTML Gmail sends for a reply typed between the quoted
// lines: the blockquote is split where the writer typed.
const gmailInline = `<div dir="ltr"><br></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, Feb 1, 2016 at 9:00 AM Bob &lt;bob@example.com&gt; wrote:<br></div>` +
	`<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">Which printer?</blockquote><div>The one on floor 2.</div>` +
	`<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">Since when?</blockquote><div>Since Monday.</div>` +
	`<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">Thanks, Bob</blockquote></div>`

func TestTrimHTMLInline(t *testing.T) {
	tests := []struct {
		name, in string
		cut      bool // TrimHTML removes the quote
	}{
		{"gmail interleaved: left to Trim", gmailInline, false},
		{"written below the quote: left to Trim",
			`<div class="gmail_quote"><div class="gmail_attr">On Mon, Bob wrote:</div><blockquote class="gmail_quote">Which printer?</blockquote><div>Floor 2.</div></div>`, false},
		{"older Gmail, attribution above the quote: left to Trim",
			`<div>On Mon, Feb 1, 2016 at 9:00 AM, Bob &lt;bob@example.com&gt; wrote:<br><div class="gmail_quote"><blockquote class="gmail_quote">Which printer?</blockquote><div>Floor 2.</div></div></div>`, false},
		{"reply above, one quote, a disclaimer below: cut",
			`<div>Floor 2.</div><div class="gmail_quote"><blockquote class="gmail_quote">Which printer?</blockquote></div><div>This e-mail is confidential.</div>`, true},
		{"reply above, nothing below: cut",
			`<div>Floor 2.</div><div class="gmail_quote"><div class="gmail_attr">On Mon, Bob wrote:</div><blockquote class="gmail_quote">Which printer?</blockquote></div>`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TrimHTML(tt.in)
			if cut := got != tt.in; cut != tt.cut {
				t.Errorf("TrimHTML cut = %v, want %v: %s", cut, tt.cut, got)
			}
		})
	}
}

// FuzzTrimInline checks what Trim promises on any text, seeded with the
// inline replies: it only removes lines, never rewrites or reorders them
// (the context kept above an answer is the quote's own lines).
func FuzzTrimInline(f *testing.F) {
	for _, s := range []string{
		"> q\na\n> q2\na2\n",
		"On Mon, 1 Feb 2016, Bob <bob@example.com> wrote:\n> q\n\na\n\n> q2\n\na2\n> trailing\n",
		"Bob wrote:\n> Ann wrote:\n> > x\n> q\na\n> q2\na2\n-- \nsig\n",
		"> ---------- Forwarded message ---------\n> q\na\n> q2\na2\n",
		"> " + strings.Repeat("long quoted line of text ", 4) + "\nwrapped rest\n> q\nRegards,\nAnn\n> x\n",
		"x\r\n> q\r\na\r\n> q2\r\na2\r\n",
	} {
		f.Add(s)
	}
	for _, glob := range []string{"testdata/inline/expected/*.want", "testdata/inline/linux-media/*.want"} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(string(b))
			}
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Trim(s)
		if got == "" {
			return
		}
		in := strings.Split(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"), "\n")
		j := 0
		for _, l := range strings.Split(got, "\n") {
			for j < len(in) && in[j] != l {
				j++
			}
			if j == len(in) {
				t.Fatalf("Trim(%q) = %q: line %q is not an input line in order", s, got, l)
			}
			j++
		}
	})
}

// FuzzTrimHTMLInline checks what TrimHTML promises on any HTML, seeded
// with inline replies: it returns its input, or that document with
// everything from one element on removed, so that the text left is the
// start of the input's text.
func FuzzTrimHTMLInline(f *testing.F) {
	f.Add(gmailInline)
	f.Add(`<div>Floor 2.</div><div class="gmail_quote"><blockquote>q</blockquote></div><div>disclaimer</div>`)
	f.Add(`<div>On Mon, Bob &lt;b@example.com&gt; wrote:<div class="gmail_quote"><blockquote>q</blockquote>a<blockquote>q2</blockquote>a2</div></div>`)
	f.Add(`<p>x</p><blockquote type="cite">q<blockquote>qq</blockquote></blockquote>a<blockquote type="cite">q2</blockquote>`)
	files, _ := filepath.Glob("testdata/inline/*/*")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil && bytesContain(b, "blockquote") {
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := TrimHTML(s)
		if got == s {
			return
		}
		before, after := htmlText(s), htmlText(got)
		if !strings.HasPrefix(before, after) {
			t.Fatalf("TrimHTML(%q) = %q: its text %q is not the start of %q", s, got, after, before)
		}
	})
}

func bytesContain(b []byte, s string) bool { return strings.Contains(string(b), s) }

// htmlText is the text of an HTML document, whitespace removed.
func htmlText(s string) string {
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return ""
	}
	return strings.Join(strings.Fields(textOf(doc, len(s)+1)), "")
}
