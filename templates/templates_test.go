package templates

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEveryKindInEveryLanguage(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	d := Data{TicketID: 12, Subject: "Printer", ReplyAddress: "support+t-abc@help.example", AuthorName: "Ann", Body: "hello", Status: "solved", Org: "acme", OtherOrgs: []string{"partnerco"}, Notes: []string{"#cc ignored"}}
	for _, lang := range []string{"en", "nb"} {
		for _, kind := range Kinds {
			r, err := s.Render(lang, kind, d)
			if err != nil {
				t.Fatalf("%s/%s: %v", lang, kind, err)
			}
			if r.Subject == "" || r.Text == "" {
				t.Fatalf("%s/%s: empty", lang, kind)
			}
			// N6 exception: the I6 notice names no ticket, subject or reply address.
			if kind == "notice_rejected" && (strings.Contains(r.Subject+r.Text, "12") || strings.Contains(r.Text, "Printer") || strings.Contains(r.Text, "support+")) {
				t.Fatalf("%s/%s leaks the ticket: %q %q", lang, kind, r.Subject, r.Text)
			}
		}
	}
	r, _ := s.Render("nb", "ack", d)
	if !strings.Contains(r.Text, "Vi har mottatt") || !strings.Contains(r.Text, ReplyMarker) {
		t.Fatalf("nb ack: %q", r.Text)
	}
	r, _ = s.Render("fr", "ack", d)
	if !strings.Contains(r.Text, "We have received") {
		t.Fatalf("fallback to English: %q", r.Text)
	}
}

func TestOverrideFolder(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "en"), 0o755)
	os.WriteFile(filepath.Join(dir, "en", "ack.txt"), []byte("Subject: Got it #{{.TicketID}}\n\nThanks!\n"), 0o644)
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Render("en", "ack", Data{TicketID: 3})
	if err != nil || r.Subject != "Got it #3" || r.Text != "Thanks!\n" {
		t.Fatalf("%+v %v", r, err)
	}
	// Others still built in.
	if _, err := s.Render("en", "comment", Data{}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "en", "ack.txt"), []byte("Subject: {{.Nope\n\nx"), 0o644)
	if _, err := Load(dir); err == nil {
		t.Fatal("broken template accepted")
	}
}
