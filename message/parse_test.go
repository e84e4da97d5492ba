package message

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"github.com/helpdesk-gw/helpdesk/internal/corpustest"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// crlf turns a readable test message into wire format.
func crlf(s string) []byte {
	return []byte(strings.ReplaceAll(strings.TrimLeft(s, "\n"), "\n", "\r\n"))
}

func mustParse(t *testing.T, raw []byte) *Message {
	t.Helper()
	m, err := Parse(raw, Options{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

// encodedWord builds an RFC 2047 B-encoded word of s in the given charset.
func encodeWord(t *testing.T, enc encoding.Encoding, charset, s string) string {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return "=?" + charset + "?B?" + base64.StdEncoding.EncodeToString(b) + "?="
}

func TestSubjectCharsets(t *testing.T) {
	tests := []struct {
		charset string
		enc     encoding.Encoding
		text    string
	}{
		{"ISO-8859-1", charmap.ISO8859_1, "Café crème à la mode"},
		{"KOI8-R", charmap.KOI8R, "Привет, мир"},
		{"Shift_JIS", japanese.ShiftJIS, "こんにちは世界"},
		{"GB2312", simplifiedchinese.HZGB2312, "你好世界"},
		{"GB2312", simplifiedchinese.GBK, "你好世界"},
		{"windows-1252", charmap.Windows1252, "“quoted” – dash"},
	}
	for _, tt := range tests {
		t.Run(tt.charset, func(t *testing.T) {
			subject := encodeWord(t, tt.enc, tt.charset, tt.text)
			if tt.enc == simplifiedchinese.HZGB2312 {
				t.Skip("HZ is not GB2312 on the wire")
			}
			raw := crlf("From: a@example.com\nSubject: " + subject + "\n\nbody\n")
			if got := mustParse(t, raw).Subject; got != tt.text {
				t.Errorf("subject = %q, want %q", got, tt.text)
			}
		})
	}
	t.Run("adjacent words and Q encoding", func(t *testing.T) {
		raw := crlf("From: a@example.com\nSubject: =?UTF-8?Q?Caf=C3=A9?= =?UTF-8?Q?_cr=C3=A8me?= ok\n\nx\n")
		if got := mustParse(t, raw).Subject; got != "Café crème ok" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("raw 8-bit latin-1 subject", func(t *testing.T) {
		raw := crlf("From: a@example.com\nSubject: Fr\xf6sche\n\nx\n")
		if got := mustParse(t, raw).Subject; got != "Frösche" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("unknown charset in subject", func(t *testing.T) {
		m := mustParse(t, crlf("From: a@example.com\nSubject: =?x-klingon?Q?Hello?=\n\nx\n"))
		if m.Subject != "Hello" || len(m.Warnings) == 0 {
			t.Errorf("subject %q warnings %v", m.Subject, m.Warnings)
		}
	})
}

func TestUnknownBodyCharset(t *testing.T) {
	raw := crlf("From: a@example.com\nContent-Type: text/plain; charset=x-does-not-exist\n\nCaf\xe9 ok\n")
	m := mustParse(t, raw)
	if m.Text != "Café ok" {
		t.Errorf("text = %q", m.Text)
	}
	if !strings.Contains(strings.Join(m.Warnings, "|"), "unknown charset") {
		t.Errorf("no unknown-charset warning: %v", m.Warnings)
	}
	// Undeclared 8-bit UTF-8 stays UTF-8.
	m = mustParse(t, crlf("From: a@example.com\n\nCafé ok\n"))
	if m.Text != "Café ok" || len(m.Warnings) != 0 {
		t.Errorf("text = %q warnings %v", m.Text, m.Warnings)
	}
}

func TestAttachmentNames(t *testing.T) {
	raw := crlf(`
From: a@example.com
Subject: files
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

see attached
--b1
Content-Type: application/pdf
Content-Disposition: attachment;
 filename*0*=ISO-8859-1''R%E9sum%E9%20de;
 filename*1*=%20la%20r%E9union;
 filename*2=".pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--b1
Content-Type: image/png; name="=?UTF-8?B?w6lsw6ltZW50LnBuZw==?="
Content-Disposition: inline
Content-ID: <img1@example.com>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--b1
Content-Type: application/octet-stream
Content-Disposition: attachment; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt

x
--b1--
`)
	m := mustParse(t, raw)
	if m.Text != "see attached" {
		t.Errorf("text = %q", m.Text)
	}
	want := []struct {
		name, ctype, cid string
		inline           bool
		content          string
	}{
		{"Résumé de la réunion.pdf", "application/pdf", "", false, "%PDF-1.4\n"},
		{"élément.png", "image/png", "img1@example.com", true, "\x89PNG\r\n\x1a\n"},
		{"日本.txt", "application/octet-stream", "", false, "x"},
	}
	if len(m.Attachments) != len(want) {
		t.Fatalf("got %d attachments: %+v", len(m.Attachments), m.Attachments)
	}
	for i, w := range want {
		a := m.Attachments[i]
		if a.Filename != w.name || a.ContentType != w.ctype || a.ContentID != w.cid || a.Inline != w.inline ||
			string(a.Content) != w.content || a.Size != int64(len(w.content)) {
			t.Errorf("attachment %d = %+v, want %+v", i, a, w)
		}
	}
}

func TestHTMLOnly(t *testing.T) {
	raw := crlf(`
From: a@example.com
Content-Type: text/html; charset=utf-8

<html><head><style>p{color:red}</style><script>alert(1)</script></head><body>
<p>Hello <b>there</b>,</p><p>Please see <a href="https://example.com/doc">the doc</a>.<br>Line two</p>
<ul><li>one</li><li>two</li></ul>
<blockquote>quoted</blockquote>
</body></html>
`)
	m := mustParse(t, raw)
	// What a reader needs: the words, the link target, the list, the quote;
	// no script or style. (html2text marks bold as *there*.)
	for _, want := range []string{"Hello *there*", "Please see the doc ( https://example.com/doc ).\nLine two", "* one\n* two", "> quoted"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text =\n%q\nlacks %q", m.Text, want)
		}
	}
	if strings.Contains(m.Text, "alert") || strings.Contains(m.Text, "color") {
		t.Errorf("script or style in text: %q", m.Text)
	}
	if strings.Contains(m.HTML(), "<script") || strings.Contains(m.HTML(), "alert") || !strings.Contains(m.HTML(), `href="https://example.com/doc"`) {
		t.Errorf("HTML not sanitised as expected: %q", m.HTML())
	}
}

func TestAlternativePrefersPlain(t *testing.T) {
	raw := crlf(`
From: a@example.com
Content-Type: multipart/alternative; boundary=alt

--alt
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Caf=E9 plain=
 text
--alt
Content-Type: text/html; charset=utf-8

<p>HTML version</p>
--alt--
`)
	m := mustParse(t, raw)
	if m.Text != "Café plain text" || !strings.Contains(m.HTML(), "HTML version") {
		t.Errorf("text %q html %q", m.Text, m.HTML())
	}
}

func TestErrors(t *testing.T) {
	garbage := make([]byte, 4096)
	rand.New(rand.NewSource(1)).Read(garbage)
	tests := []struct {
		name string
		raw  []byte
		want error
	}{
		{"empty", nil, ErrNotAMessage},
		{"whitespace", []byte("\r\n \r\n"), ErrNotAMessage},
		{"binary garbage", garbage, ErrNotAMessage},
		{"prose", []byte("Dear John, this is not an email.\nJust text.\n"), ErrNotAMessage},
		{"from without address", crlf("From: undisclosed\nSubject: hi\n\nbody\n"), ErrNoFrom},
		{"no from", crlf("Subject: hi\n\nbody\n"), ErrNoFrom},
		{"mailer-daemon without domain", crlf("From: Mail Delivery Subsystem <MAILER-DAEMON>\n\nbody\n"), ErrNoFrom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(tt.raw, Options{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if errors.Is(err, ErrNoFrom) && (m == nil || m.Text != "body") {
				t.Errorf("ErrNoFrom should come with the parsed message, got %+v", m)
			}
			if errors.Is(err, ErrNotAMessage) && m != nil {
				t.Errorf("ErrNotAMessage with a message")
			}
		})
	}
}

func TestLargeAttachment(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef"), 20<<20/16) // 20 MiB
	var b bytes.Buffer
	b.Write(crlf("From: a@example.com\nSubject: big\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\nhere\n--XX\nContent-Type: application/octet-stream; name=big.bin\nContent-Transfer-Encoding: base64\n\n"))
	enc := base64.StdEncoding.EncodeToString(payload)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--XX--\r\n")
	raw := b.Bytes()

	m := mustParse(t, raw)
	if len(m.Attachments) != 1 || !bytes.Equal(m.Attachments[0].Content, payload) || m.Text != "here" {
		t.Fatalf("attachments %d, text %q", len(m.Attachments), m.Text)
	}

	m, err := Parse(raw, Options{MaxAttachmentSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	a := m.Attachments[0]
	if !a.Omitted || a.Content != nil || a.Size != int64(len(payload)) || len(m.Warnings) == 0 {
		t.Errorf("limit not applied: omitted=%v size=%d warnings=%v", a.Omitted, a.Size, m.Warnings)
	}
}

func TestLongMessageID(t *testing.T) {
	id := strings.Repeat("x", 5000) + "@example.com"
	raw := crlf("From: a@example.com\nMessage-ID: <" + id + ">\nReferences: <" + id + ">\n\nbody\n")
	m := mustParse(t, raw)
	if len(m.MessageID) != MaxIDLength || !strings.HasPrefix(id, m.MessageID) {
		t.Errorf("MessageID length %d", len(m.MessageID))
	}
	if len(m.References) != 1 || len(m.References[0]) != MaxIDLength {
		t.Errorf("References %d", len(m.References))
	}
	if len(m.Warnings) == 0 {
		t.Error("no warning for the truncated id")
	}
}

func TestMessageIDs(t *testing.T) {
	tests := []struct {
		name, header, wantID string
		warn                 bool
	}{
		{"canonical", "Message-ID: <abc@example.com>", "abc@example.com", false},
		{"no brackets", "Message-ID: abc@example.com", "abc@example.com", true},
		{"malformed", "Message-ID: <abc def>", "abcdef", true},
		{"absent", "X-Other: 1", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, crlf("From: a@example.com\n"+tt.header+"\n\nx\n"))
			if m.MessageID != tt.wantID || (len(m.Warnings) > 0) != tt.warn {
				t.Errorf("id %q warnings %v", m.MessageID, m.Warnings)
			}
		})
	}
}

func TestReferencesWithJunk(t *testing.T) {
	raw := crlf(`
From: a@example.com
In-Reply-To: <parent@example.com> (Jane's message of "Mon, 1 Feb")
References: <a@example.com> junk words <b@example.com>,<c@example.com>
 "quoted <x@y>" d@example.com (comment <e@example.com>)
	<unterminated@example.com

x
`)
	m := mustParse(t, raw)
	// Quoted strings and comments are junk, even when they hold an id.
	wantRefs := []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com", "unterminated@example.com"}
	if fmt.Sprint(m.References) != fmt.Sprint(wantRefs) {
		t.Errorf("References = %v\nwant %v", m.References, wantRefs)
	}
	if fmt.Sprint(m.InReplyTo) != "[parent@example.com]" {
		t.Errorf("InReplyTo = %v", m.InReplyTo)
	}
}

func TestEnvelopeFields(t *testing.T) {
	raw := crlf(`
Delivered-To: Support@Example.com
Received: from b by c
X-Original-To: help+acme@example.com
Received: from a by b
Authentication-Results: mx.example.com; dmarc=pass
Authentication-Results: relay.example.com; spf=fail
From: "Doe, Jane" <Jane.Doe@Example.COM>
Sender: list@example.org
Reply-To: replies@example.com
To: Support <support@example.com>, =?UTF-8?Q?Andr=C3=A9?= <andre@example.com>
Cc: undisclosed-recipients:;, bob@example.com
Date: Tue, 1 Mar 2016 10:00:00 +0100
Subject: Re: AW: [acme] Fwd: help

x
`)
	m := mustParse(t, raw)
	if m.From != (Address{"Doe, Jane", "jane.doe@example.com"}) || m.Sender.Email != "list@example.org" {
		t.Errorf("From %+v Sender %+v", m.From, m.Sender)
	}
	if fmt.Sprint(m.To) != "[Support <support@example.com> André <andre@example.com>]" {
		t.Errorf("To = %v", m.To)
	}
	if fmt.Sprint(m.Cc) != "[bob@example.com]" || fmt.Sprint(m.ReplyTo) != "[replies@example.com]" {
		t.Errorf("Cc %v ReplyTo %v", m.Cc, m.ReplyTo)
	}
	if fmt.Sprint(m.DeliveredTo) != "[support@example.com help+acme@example.com]" {
		t.Errorf("DeliveredTo = %v", m.DeliveredTo)
	}
	if got := m.HeaderValues("authentication-results"); len(got) != 2 || !strings.HasPrefix(got[0], "mx.example.com") {
		t.Errorf("HeaderValues = %q", got)
	}
	if m.Date.IsZero() || m.Date.Year() != 2016 {
		t.Errorf("Date = %v", m.Date)
	}
	if NormalizeSubject(m.Subject) != "help" {
		t.Errorf("NormalizeSubject(%q) = %q", m.Subject, NormalizeSubject(m.Subject))
	}
}

func TestAttachedMessage(t *testing.T) {
	raw := crlf(`
From: a@example.com
Content-Type: multipart/mixed; boundary=m

--m
Content-Type: text/plain

See the attached message.
--m
Content-Type: message/rfc822

From: b@example.com
Subject: =?UTF-8?Q?Quarterly_report_/_Q1?=

inner body
--m--
`)
	m := mustParse(t, raw)
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "Quarterly report _ Q1.eml" ||
		!bytes.Contains(m.Attachments[0].Content, []byte("inner body")) {
		t.Fatalf("attachments %+v", m.Attachments)
	}
	if m.Text != "See the attached message." {
		t.Errorf("text %q", m.Text)
	}
}

func TestBrokenMIME(t *testing.T) {
	tests := []struct {
		name, raw, text string
	}{
		{"no closing boundary", "From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\ntruncated here", "truncated here"},
		{"missing boundary parameter", "From: a@example.com\nContent-Type: multipart/mixed\n\n--zz\nContent-Type: text/plain\n\nguessed\n--zz--\n", "guessed"},
		{"boundary never appears", "From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\njust text\n", "just text"},
		{"bad base64", "From: a@example.com\nContent-Transfer-Encoding: base64\n\naGVsbG8gd29y!!bGQ\n", "hello world"},
		{"bad quoted-printable", "From: a@example.com\nContent-Transfer-Encoding: quoted-printable\n\na=ZZb =3D c\n", "a=ZZb = c"},
		{"no blank line after header", "From: a@example.com\nSubject: x\nThis is the body\n", "This is the body"},
		{"malformed content-type", "From: a@example.com\nContent-Type: text/plain; charset=\"utf-8; format=flowed\n\nstill text\n", "still text"},
		{"prefix boundary", "From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/alternative; boundary=b2\n\n--b2\nContent-Type: text/plain\n\ninner\n--b2--\n--b--\n", "inner"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, crlf(tt.raw))
			if m.Text != tt.text {
				t.Errorf("text = %q, want %q (warnings %v)", m.Text, tt.text, m.Warnings)
			}
			quiet := map[string]bool{"prefix boundary": true, "malformed content-type": true, "bad quoted-printable": true}
			if !quiet[tt.name] && len(m.Warnings) == 0 {
				t.Error("expected a warning")
			}
		})
	}
}

func TestFlowed(t *testing.T) {
	raw := crlf("From: a@example.com\nContent-Type: text/plain; format=flowed\n\nThis is one \nparagraph.\n> quoted \n> line\n-- \nsig\n")
	if got := mustParse(t, raw).Text; got != "This is one paragraph.\n> quoted line\n-- \nsig" {
		t.Errorf("got %q", got)
	}
}

func TestParseAddressList(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Jane <JANE@Example.com>", "[Jane <jane@example.com>]"},
		{"John Q. Public <john@example.com>, bob@example.com", "[John Q. Public <john@example.com> bob@example.com]"},
		{`"Doe, Jane" <jane@example.com>; Bob <bob@example.com>`, "[Doe, Jane <jane@example.com> Bob <bob@example.com>]"},
		{"undisclosed", "[]"},
		{"undisclosed-recipients:;", "[]"},
		{"<>", "[]"},
		{"junk <jane@example.com> more junk", "[junk <jane@example.com>]"},
		{"Pete(A wonderful \\) chap) <pete(his account)@silly.test(his host)>", "[Pete <pete@silly.test>]"},
		{"=?ISO-8859-1?Q?Andr=E9?= <andre@example.com>", "[André <andre@example.com>]"},
		{"jane@example.com, jane@EXAMPLE.com", "[jane@example.com]"},
		{"Bj\xf6rn <bjorn@example.com>", "[Björn <bjorn@example.com>]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(ParseAddressList(tt.in)); got != tt.want {
			t.Errorf("ParseAddressList(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeSubject(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Re: hello", "hello"},
		{"RE: Fwd: AW: SV: VS: WG: hello", "hello"},
		{"Re[2]: hello", "hello"},
		{"Re^3: hello", "hello"},
		{"[list] Re: hello", "hello"},
		{"Antw: TR: RV: hello", "hello"},
		{"回复: 你好", "你好"},
		{"hello (fwd)", "hello"},
		{"[Fwd: hello]", "hello"},
		{"  many   spaces ", "many spaces"},
		{"Rebuild the index", "Rebuild the index"},
		{"[Ticket #12] printer", "[Ticket #12] printer"},
	}
	for _, tt := range tests {
		if got := NormalizeSubject(tt.in); got != tt.want {
			t.Errorf("NormalizeSubject(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestNormalizeSubjectMox reports agreement with mox's base-subject cases
// (mox lower-cases and also drops list tags that no prefix follows).
func TestNormalizeSubjectMox(t *testing.T) {
	var doc struct {
		Cases []struct {
			Subject string `json:"subject"`
			Base    string `json:"base_subject"`
		} `json:"base_subject_cases"`
	}
	readJSON(t, filepath.Join(corpustest.Dir(t), "mox-threading", "threading_vectors.json"), &doc)
	ok := 0
	for _, c := range doc.Cases {
		if strings.EqualFold(NormalizeSubject(c.Subject), c.Base) {
			ok++
		} else {
			t.Logf("NormalizeSubject(%q) = %q, mox %q", c.Subject, NormalizeSubject(c.Subject), c.Base)
		}
	}
	t.Logf("mox base subjects: %d/%d agree", ok, len(doc.Cases))
	floor(t, "mox subject", ok, len(doc.Cases), 70)
}

// TestCorpusMessages checks real messages from the corpus.
func TestCorpusMessages(t *testing.T) {
	root := corpustest.Dir(t)
	tests := []struct {
		file, from, subject, textPrefix string
		attachments                     []string
	}{
		{"django-mailbox/django_mailbox/tests/messages/message_with_koi8r_filename_attachments.eml",
			"osavostenok@hse.ru", "Предложения от НИУ ВШЭ на 2016 год", "Добрый день, уважаемые коллеги.",
			[]string{"Пакет предложений HSE Career Fair 8 апреля 2016.pdf", "Ведомости.pdf", "Пакет предложений 2016.pptx"}},
		{"mailgun-flanker/tests/fixtures/messages/enclosed.eml", "bob@example.net", "Wow", "Hello", []string{"thanks.eml"}},
		{"jhillyerd-enmime/testdata/low-quality/bad-header-start.raw", "james@makita.skynet", "plain text", "A text section", nil},
		{"mailgun-flanker/tests/fixtures/messages/torture.eml", "mrc@cac.washington.edu", "Multi-media mail demonstration",
			"This is a demonstration of multi-part mail", nil},
		{"stalwart-mail-parser/resources/eml/legacy/001.eml", "", "Die Hasen und die Frösche (Microsoft Outlook 00)", "", nil},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(root, tt.file))
			if err != nil {
				t.Skip(err)
			}
			m := mustParse(t, raw)
			if tt.from != "" && m.From.Email != tt.from {
				t.Errorf("from %q", m.From.Email)
			}
			if m.Subject != tt.subject {
				t.Errorf("subject %q", m.Subject)
			}
			if !strings.HasPrefix(m.Text, tt.textPrefix) {
				t.Errorf("text %.80q", m.Text)
			}
			for i, name := range tt.attachments {
				if i >= len(m.Attachments) || m.Attachments[i].Filename != name {
					t.Errorf("attachment %d: want %q in %+v", i, name, m.Attachments)
				}
			}
		})
	}
}

func TestMaxTotalSize(t *testing.T) {
	raw := crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\n" + strings.Repeat("t", 100) +
		"\n--b\nContent-Type: application/octet-stream; name=a.bin\n\n" + strings.Repeat("a", 100) +
		"\n--b\nContent-Type: application/octet-stream; name=b.bin\n\n" + strings.Repeat("b", 100) + "\n--b--\n")
	m, err := Parse(raw, Options{MaxTotalSize: 250})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Text) != 100 || len(m.Attachments) != 2 || m.Attachments[0].Omitted || !m.Attachments[1].Omitted {
		t.Errorf("text %d, attachments %+v", len(m.Text), m.Attachments)
	}
}

func TestParseRecoversFromPanics(t *testing.T) {
	// Parse's recover turns a library panic into an error; exercise the
	// path with a nil-safe HeaderValues on a nil message instead of
	// provoking a real panic.
	var m *Message
	if m.HeaderValues("From") != nil {
		t.Error("HeaderValues on nil")
	}
}

// Types lists the media types of the message and its parts, so that a
// reader can tell a delivery report without walking the parts again.
func TestTypesOfParts(t *testing.T) {
	raw := []byte("From: MAILER-DAEMON@mx.example\r\nSubject: failure\r\nContent-Type: Multipart/Report; report-type=delivery-status; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nThe message could not be delivered.\r\n" +
		"--b\r\nContent-Type: message/DELIVERY-STATUS\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; ann@acme.com\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <x@help.example>\r\n" +
		"--b--\r\n")
	m, err := Parse(raw, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"multipart/report", "text/plain", "message/delivery-status", "text/rfc822-headers"}
	if !slices.Equal(m.Types, want) || m.PartsSkipped {
		t.Fatalf("Types %v, PartsSkipped %v; want %v, false", m.Types, m.PartsSkipped, want)
	}
	var deep strings.Builder
	deep.WriteString("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n")
	for i := 1; i <= DefaultMaxDepth+2; i++ {
		fmt.Fprintf(&deep, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i-1, i)
	}
	m, err = Parse([]byte(deep.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !m.PartsSkipped {
		t.Fatalf("nesting deeper than %d: PartsSkipped not set (warnings %v)", DefaultMaxDepth, m.Warnings)
	}
}
