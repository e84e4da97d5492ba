package message

import (
	"os"
	"testing"

	"github.com/emersion/go-message/textproto"

	"github.com/helpdesk-gw/helpdesk/internal/corpustest"
)

// TestPartNamesReal: unnamed parts of real mail get the names a person
// would recognise (issue 16.3).
func TestPartNamesReal(t *testing.T) {
	dir := corpustest.Dir(t)
	cases := []struct{ file, want string }{
		{"jhillyerd-enmime/testdata/mail/other-multi-related.raw", "image001.png"},                           // Content-ID image001.png@01D3BA12.F6C6AEB0
		{"mikel-mail/spec/fixtures/emails/attachment_emails/attachment_content_location.eml", "Photo25.jpg"}, // Content-Location
		{"jstedfast-MimeKit/UnitTests/TestData/messages/multipart-related-mhtml.txt", "image1.png"},          // Content-Location: image1, image/png
	}
	for _, c := range cases {
		raw, err := os.ReadFile(dir + "/" + c.file)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(raw, Options{})
		if m == nil { // an MHTML page has no From: ErrNoFrom with the message
			t.Fatalf("%s: %v", c.file, err)
		}
		found := false
		for _, a := range m.Attachments {
			found = found || a.Filename == c.want
		}
		if !found {
			t.Errorf("%s: no attachment named %q in %v", c.file, c.want, names(m))
		}
	}
}

func names(m *Message) []string {
	var out []string
	for _, a := range m.Attachments {
		out = append(out, a.Filename)
	}
	return out
}

func TestPartName(t *testing.T) {
	cases := []struct {
		loc, cid, typ, want string
	}{
		{"", "<image001.jpg@01CDB132.D8A510F0>", "image/jpeg", "image001.jpg"},
		{"https://example.com/a/b/Report%20Q3.pdf?x=1", "", "application/pdf", "Report Q3.pdf"},
		{"file:///C:/Temp/photo.heic", "", "image/heic", "photo.heic"},
		{"cid:part1.0001@example.com", "", "image/png", "part-3.png"},
		{"https://example.com/", "", "text/html", "part-3.html"},
		{"", "<part1.06090408.01060107@example.com>", "image/gif", "part-3.gif"},
		{"", "<c024cb5b0c6eaf060a837c53db9af39b5b564d3956b8d4223fbf308b11b4e79e>", "image/png", "part-3.png"},
		{"", "", "video/quicktime", "part-3.mov"},
		{"", "", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "part-3.docx"},
		{"", "", "text/x-vcard", "part-3.vcf"},
		{"", "", "application/x-unknown", "part-3.bin"},
	}
	for _, c := range cases {
		var h textproto.Header
		if c.loc != "" {
			h.Set("Content-Location", c.loc)
		}
		if c.cid != "" {
			h.Set("Content-Id", c.cid)
		}
		if got := partName(h, c.typ, 3); got != c.want {
			t.Errorf("partName(%q, %q, %s) = %q, want %q", c.loc, c.cid, c.typ, got, c.want)
		}
	}
}

// TestHTMLAttachmentKept: an HTML part sent as an attachment stays an
// attachment, named, and is not taken for the body.
func TestHTMLAttachmentKept(t *testing.T) {
	raw := "From: a@example.com\r\nSubject: report\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nSee the report attached.\r\n" +
		"--b\r\nContent-Type: text/html\r\nContent-Disposition: attachment\r\nContent-Location: https://example.com/r/report.html\r\n\r\n<h1>Report</h1>\r\n" +
		"--b\r\nContent-Type: video/quicktime\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--b--\r\n"
	m, err := Parse([]byte(raw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Text != "See the report attached." || m.HTML() != "" {
		t.Errorf("Text %q HTML %q", m.Text, m.HTML())
	}
	if got := names(m); len(got) != 2 || got[0] != "report.html" || got[1] != "part-4.mov" {
		t.Errorf("attachments %v", got)
	}
}

func FuzzPartName(f *testing.F) {
	f.Add("https://example.com/a/b.pdf", "<image001.jpg@01CDB132.D8A510F0>", "image/jpeg")
	f.Add("image1", "", "image/png")
	f.Fuzz(func(t *testing.T, loc, cid, typ string) {
		var h textproto.Header
		h.Set("Content-Location", loc)
		h.Set("Content-Id", cid)
		name := partName(h, typ, 1)
		if name == "" || len(name) > 260 {
			t.Fatalf("partName(%q, %q) = %q", loc, cid, name)
		}
	})
}
