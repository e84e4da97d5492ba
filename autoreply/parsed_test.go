package autoreply

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"

	"github.com/helpdesk-gw/helpdesk/message"
)

// ClassifyParsed, which skips reading the structure again when nothing in
// it can make a bounce, gives what Classify gives on every message of the
// corpus: bounces (B3), auto-replies and list mail (B1), personal mail.
func TestB1_B3_ClassifyParsedAgreesWithClassify(t *testing.T) {
	if corpusDir == "" {
		t.Skip("corpus not available")
	}
	n, skipped := 0, 0
	err := filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "_derived") {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil || len(raw) > 4<<20 {
			return err
		}
		if bytes.HasPrefix(raw, []byte("From ")) {
			if i := bytes.IndexByte(raw, '\n'); i >= 0 {
				raw = raw[i+1:]
			}
		}
		br := bufio.NewReader(bytes.NewReader(raw))
		h, err := textproto.ReadHeader(br)
		if err != nil || h.Get("From") == "" && h.Get("Content-Type") == "" {
			return nil // not a message
		}
		body, _ := io.ReadAll(br)
		m, err := message.Parse(raw, message.Options{})
		if err != nil {
			return nil // the pipeline classifies what it cannot parse with Classify
		}
		want := Classify(&h, string(body), "")
		got := ClassifyParsed(&h, body, parsedOf(m), "")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: ClassifyParsed = %+v, Classify = %+v", path, got, want)
		}
		if want.Kind == None {
			skipped++
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d corpus messages read", n)
	}
	t.Logf("%d corpus messages agree (%d neither bounce nor automatic)", n, skipped)
}

// parsedOf is what the pipeline hands ClassifyParsed (ingest.parsedOf).
func parsedOf(m *message.Message) Parsed {
	p := Parsed{Text: m.Text, Types: m.Types, PartsSkipped: m.PartsSkipped}
	for _, a := range m.Attachments {
		p.Attached = append(p.Attached, a.ContentType)
	}
	return p
}

// An Amazon SES notification in a part the parser keeps as an attachment
// (a named or attached text part, a digest's part), encoded so that
// neither the raw body nor the text shows it, is still a bounce (B3), as
// Classify finds.
func TestB3_ClassifyParsedFindsSESInAttachedText(t *testing.T) {
	const ses = `{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"gone@acme.com","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}]},"mail":{"messageId":"abc"}}`
	b64 := base64.StdEncoding.EncodeToString([]byte(ses))
	head := "From: notifications@amazonses.com\nTo: help@help.example\nSubject: n\nMessage-ID: <a@x>\nMIME-Version: 1.0\n"
	for name, raw := range map[string]string{
		"named text part": head + "Content-Type: text/plain; name=\"notification.json\"\nContent-Transfer-Encoding: base64\n\n" + b64 + "\n",
		"attached text part": head + "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\nContent-Disposition: attachment\n" +
			"Content-Transfer-Encoding: base64\n\n" + b64 + "\n--b--\n",
		"digest part": head + "Content-Type: multipart/digest; boundary=b\n\n--b\nContent-Transfer-Encoding: base64\n\n" + b64 + "\n--b--\n",
		"quoted-printable soft break": head + "Content-Type: text/plain\nContent-Disposition: attachment; filename=n.txt\n" +
			"Content-Transfer-Encoding: quoted-printable\n\n{\"notification=\nType\":\"Bounce\",\"bounce\":{\"bouncedRecipients\":[{\"emailAddress\":\"gone@acme.com\"}]}}\n",
	} {
		raw = strings.ReplaceAll(raw, "\n", "\r\n")
		m, err := message.Parse([]byte(raw), message.Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		body := raw[strings.Index(raw, "\r\n\r\n")+4:]
		want := Classify(&m.Header, body, "")
		got := ClassifyParsed(&m.Header, []byte(body), parsedOf(m), "")
		if want.Kind != Bounce || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: ClassifyParsed = %+v, Classify = %+v; want both a bounce", name, got, want)
		}
	}
}
