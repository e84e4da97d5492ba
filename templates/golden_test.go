package templates

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of rendered templates")

// goldenData exercises every field, with text that must be escaped in HTML.
var goldenData = Data{
	HelpdeskName: "Support", TicketID: 12, Subject: "Printer <on fire> & smoking",
	ReplyAddress: "support+t-abc123@help.example", Recipient: "ann@acme.com",
	AuthorName: "Ann Åsen", AuthorEmail: "ann@acme.com",
	Body:   "The printer says <b>PC LOAD LETTER</b>.\nSee https://acme.com/kb?a=1&b=2.\n\nAsk carl@acme.com, please.",
	Status: "solved", Org: "acme", OtherOrgs: []string{"partnerco", "beta"},
	Notes:     []string{"#cc ignored: your address is not proven (P3)"},
	Requester: "ann@acme.com", Access: []string{"ann@acme.com: R2 requester", "carl@acme.com: R3 cc <added by ann>"},
	TrustedAuthserv: "mx.help.example",
	Link:            "http://127.0.0.1:8025/signin/abc?x=<1>&y=2",
}

// TestGoldenRenderedTemplates compares every kind in every shipped language,
// subject, text and HTML, with testdata/golden. Run with -update to accept
// a change after reading its diff.
func TestGoldenRenderedTemplates(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "nb"} {
		for _, kind := range Kinds {
			r, err := s.Render(lang, kind, goldenData)
			if err != nil {
				t.Fatalf("%s/%s: %v", lang, kind, err)
			}
			got := "Subject: " + r.Subject + "\n\n=== text/plain ===\n" + r.Text + "\n=== text/html ===\n" + r.HTML
			file := filepath.Join("testdata", "golden", lang, kind+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test ./templates -run Golden -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s/%s differs from %s (run with -update to accept):\n%s", lang, kind, file, got)
			}
		}
	}
}

// Every kind has an HTML part in every shipped language that escapes what
// people wrote and carries the reply marker where the text does.
func TestHTMLOfEveryKind(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "nb"} {
		for _, kind := range Kinds {
			if _, ok := s.h[lang+"/"+kind]; !ok {
				t.Errorf("%s/%s has no HTML template", lang, kind)
			}
			r, err := s.Render(lang, kind, goldenData)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(r.HTML, "<on fire>") || strings.Contains(r.HTML, "<b>PC") {
				t.Errorf("%s/%s: unescaped text in HTML", lang, kind)
			}
			if strings.Contains(r.Text, ReplyMarker) != strings.Contains(r.HTML, ReplyMarker) {
				t.Errorf("%s/%s: the marker is in one part only", lang, kind)
			}
			if strings.Contains(r.Text, ReplyMarker) && !strings.HasPrefix(r.Text, ReplyMarker) {
				t.Errorf("%s/%s: the marker is not at the top of the text", lang, kind)
			}
			if kind == "notice_rejected" && (strings.Contains(r.HTML, "12") || strings.Contains(r.HTML, "Printer") || strings.Contains(r.HTML, "support+")) {
				t.Errorf("%s/%s: the I6 notice names the ticket in HTML", lang, kind)
			}
		}
	}
}

// An overriding text without an overriding HTML makes the HTML follow the
// text, not the built-in HTML that no longer says the same.
func TestOverriddenTextDrivesHTML(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "en"), 0o755)
	os.WriteFile(filepath.Join(dir, "en", "ack.txt"), []byte("Subject: Got it #{{.TicketID}}\n\nThanks! See https://help.example/x.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "en", "status.txt"), []byte("Subject: S\n\nStatus {{.Status}}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "en", "status.html"), []byte("<p>Now <em>{{.Status}}</em></p>"), 0o644)
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Render("en", "ack", Data{TicketID: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.HTML, `Thanks! See <a href="https://help.example/x">https://help.example/x</a>.`) || strings.Contains(r.HTML, "We have received") {
		t.Errorf("HTML of an overridden text: %s", r.HTML)
	}
	r, _ = s.Render("en", "status", Data{Status: "<solved>"})
	if !strings.Contains(r.HTML, "<p>Now <em>&lt;solved&gt;</em></p>") {
		t.Errorf("overriding HTML template: %s", r.HTML)
	}
	r, _ = s.Render("nb", "status", Data{Status: "solved"}) // nb is still built in, both parts
	if !strings.Contains(r.HTML, "har nå status <strong>solved</strong>") {
		t.Errorf("built-in nb HTML: %s", r.HTML)
	}
	os.WriteFile(filepath.Join(dir, "en", "status.html"), []byte("<p>{{.Nope</p>"), 0o644)
	if _, err := Load(dir); err == nil {
		t.Fatal("broken HTML template accepted")
	}
}

func TestTextToHTML(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a < b & c", `<p style="margin:0 0 1em 0">a &lt; b &amp; c</p>`},
		{"one\ntwo\n\nthree", `<p style="margin:0 0 1em 0">one<br>` + "\n" + `two</p>` + "\n" + `<p style="margin:0 0 1em 0">three</p>`},
		{"go to https://x.example/a?b=1&c=2.", `<p style="margin:0 0 1em 0">go to <a href="https://x.example/a?b=1&amp;c=2">https://x.example/a?b=1&amp;c=2</a>.</p>`},
		{"(mail ann+x@acme.com)", `<p style="margin:0 0 1em 0">(mail <a href="mailto:ann+x@acme.com">ann+x@acme.com</a>)</p>`},
		{"javascript:alert(1) \"q\"", `<p style="margin:0 0 1em 0">javascript:alert(1) &#34;q&#34;</p>`},
		{"«https://x.example/»", `<p style="margin:0 0 1em 0">«<a href="https://x.example/">https://x.example/</a>»</p>`},
		{ReplyMarker + "\n\nHi", `<div style="color:#8c8c8c;font-size:12px;margin:0 0 1.5em 0">##- Reply above this line -##</div>` + "\n" + `<p style="margin:0 0 1em 0">Hi</p>`},
		{"Hi\n-- \nSupport\n<x>", `<p style="margin:0 0 1em 0">Hi</p>` + "\n" + `<div style="color:#6b6b6b;margin:1.5em 0 0 0">-- <br>` + "\nSupport<br>\n&lt;x&gt;</div>"},
	} {
		got := textBlocks(c.in)
		if got != c.want {
			t.Errorf("textBlocks(%q)\n got %s\nwant %s", c.in, got, c.want)
		}
	}
	if doc := TextToHTML("x"); !strings.HasPrefix(doc, "<!DOCTYPE html>") || !strings.Contains(doc, "charset=utf-8") {
		t.Errorf("TextToHTML is not a document: %s", doc)
	}
}
