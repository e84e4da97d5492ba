package message

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// TestLegacyHeaderCharsets reads real mail with raw 8-bit headers: in the
// charset the message declares (Big5), in one it declares nowhere
// (Windows-1251), and in Latin-1, which must stay Latin-1.
func TestLegacyHeaderCharsets(t *testing.T) {
	corpus := "../../shared/corpus/"
	cases := []struct {
		file          string
		subject, from string
		to            string
	}{
		{"testdata/legacy-charsets/kopano/big5.eml", "養樂多線上訂購", "養樂多", "養樂多線上訂購"},
		{corpus + "django-mailbox/django_mailbox/tests/messages/message_with_single_byte_extended_subject_encoding.eml",
			"Узнай как зарабатывать от 1000$ в неделю!", "test test", ""},
		{corpus + "stalwart-mail-parser/resources/eml/legacy/022.eml", "Die Hasen und die Frösche (Microsoft Outlook 00)", "Doug Sauder", "Jürgen Schmürgen"},
		{corpus + "mikel-mail/spec/fixtures/emails/error_emails/invalid_subject_characters.eml",
			"Formação FrenetikPolis: Mega Campanha Final Verão | Cursos de Setembro", "", ""},
		{corpus + "mailgun-flanker/tests/fixtures/messages/from-encoding.eml", "", "Ingo Lütkebohle", ""},
		{corpus + "mailgun-flanker/tests/fixtures/messages/mailformed-headers.eml", "", "Юникод запрещенñ", ""},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			raw, err := os.ReadFile(c.file)
			if err != nil {
				if strings.HasPrefix(c.file, corpus) {
					t.Skipf("corpus not present: %v", err)
				}
				t.Fatal(err)
			}
			m, err := Parse(raw, Options{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if c.subject != "" && m.Subject != c.subject {
				t.Errorf("subject %q, want %q (warnings %q)", m.Subject, c.subject, m.Warnings)
			}
			if c.from != "" && m.From.Name != c.from {
				t.Errorf("from %q, want %q", m.From.Name, c.from)
			}
			if c.to != "" && (len(m.To) == 0 || m.To[0].Name != c.to) {
				t.Errorf("to %v, want %q", m.To, c.to)
			}
			if got := m.Header.Get("Subject"); !utf8.ValidString(got) {
				t.Errorf("Header keeps invalid UTF-8: %q", got)
			}
		})
	}
}

// legacySamples are subjects and file names as people write them, each
// in a charset whose raw bytes reach mail headers.
var legacySamples = []struct {
	text, charset string
	enc           encoding.Encoding
}{
	{"转发：关于下周会议的安排", "gb18030", simplifiedchinese.GBK},
	{"发票", "gb18030", simplifiedchinese.GBK},
	{"会议纪要.doc", "gb18030", simplifiedchinese.GBK},
	{"您好，请查收附件中的报价单", "gb18030", simplifiedchinese.GBK},
	{"回复: 订单确认", "gb18030", simplifiedchinese.GB18030},
	{"お問い合わせの件について", "shift_jis", japanese.ShiftJIS},
	{"見積書.pdf", "shift_jis", japanese.ShiftJIS},
	{"Re: 会議の資料をお送りします", "shift_jis", japanese.ShiftJIS},
	{"お問い合わせの件について", "euc-jp", japanese.EUCJP},
	{"請求書の送付について", "euc-jp", japanese.EUCJP},
	{"문의 드립니다", "euc-kr", korean.EUCKR},
	{"견적서 보내드립니다", "euc-kr", korean.EUCKR},
	{"회의록.hwp", "euc-kr", korean.EUCKR},
	{"經典多元上網", "big5", traditionalchinese.Big5},
	{"會議記錄", "big5", traditionalchinese.Big5},
	{"請問這個產品的價格", "big5", traditionalchinese.Big5},
	{"Привет, как дела?", "koi8-r", charmap.KOI8R},
	{"Счёт на оплату", "koi8-r", charmap.KOI8R},
	{"Счёт на оплату", "windows-1251", charmap.Windows1251},
	{"Договор.doc", "windows-1251", charmap.Windows1251},
	{"Zażółć gęślą jaźń", "windows-1250", charmap.Windows1250},
	{"Réunion de lundi", "windows-1252", charmap.Windows1252},
	{"Grüße aus Köln", "windows-1252", charmap.Windows1252},
	{"Καλημέρα σας", "windows-1253", charmap.Windows1253},
}

// TestDetectLegacy holds detectLegacy's score on short header text with
// no charset declared. One sample is ambiguous by nature: 見積書 in EUC-JP
// is three common hanzi in GBK as well; a message declaring its charset
// reads it right (TestLegacyDeclaredCharset).
func TestDetectLegacy(t *testing.T) {
	right := 0
	for _, s := range legacySamples {
		b, err := s.enc.NewEncoder().Bytes([]byte(s.text))
		if err != nil {
			t.Fatal(err)
		}
		name, text, ok := detectLegacy(b)
		if ok && text == s.text {
			right++
		} else {
			t.Logf("%s %q: detected %q %q", s.charset, s.text, name, text)
		}
	}
	t.Logf("legacy header text detected without a declared charset: %d/%d", right, len(legacySamples))
	if right < len(legacySamples) {
		t.Errorf("detected %d/%d, want all", right, len(legacySamples))
	}
	if _, _, ok := detectLegacy([]byte{0x81, 0x20, 0xff, 0x20, 0xfe, 0x8f}); ok {
		t.Error("junk bytes detected as a charset")
	}
}

// TestLegacyDeclaredCharset: a raw file name and subject in the charset a
// part declares (ISO-2022-JP stands for its 8-bit forms) are read in it,
// even where detection alone would choose another.
func TestLegacyDeclaredCharset(t *testing.T) {
	eucjp := func(s string) string {
		b, _ := japanese.EUCJP.NewEncoder().Bytes([]byte(s))
		return string(b)
	}
	gbk := func(s string) string {
		b, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
		return string(b)
	}
	cases := []struct {
		name, raw, subject, file string
	}{
		{"euc-jp under iso-2022-jp", "From: a@example.jp\r\nSubject: " + eucjp("見積書") + "\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
			"--b\r\nContent-Type: text/plain; charset=iso-2022-jp\r\n\r\nhello\r\n" +
			"--b\r\nContent-Type: application/pdf; name=\"" + eucjp("見積書.pdf") + "\"\r\nContent-Disposition: attachment\r\n\r\n%PDF\r\n--b--\r\n",
			"見積書", "見積書.pdf"},
		{"gbk file name, body gb2312", "From: a@example.cn\r\nSubject: test\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
			"--b\r\nContent-Type: text/plain; charset=gb2312\r\n\r\nhello\r\n" +
			"--b\r\nContent-Type: application/msword\r\nContent-Disposition: attachment; filename=\"" + gbk("会议纪要.doc") + "\"\r\n\r\nDOC\r\n--b--\r\n",
			"test", "会议纪要.doc"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse([]byte(c.raw), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != c.subject {
				t.Errorf("subject %q, want %q", m.Subject, c.subject)
			}
			if len(m.Attachments) != 1 || m.Attachments[0].Filename != c.file {
				t.Errorf("attachments %+v, want one named %q", m.Attachments, c.file)
			}
		})
	}
}

// TestLegacyHeaderMixed: encoded words keep their own charset next to raw
// text, and a valid UTF-8 field next to a raw GBK one stays as it is.
func TestLegacyHeaderMixed(t *testing.T) {
	gbk, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("关于下周会议的安排"))
	raw := "From: =?utf-8?B?5byg5LiJ?= <zhang@example.cn>\r\nTo: \"Zoë\" <zoe@example.com>\r\nSubject: Re: " + string(gbk) +
		" =?utf-8?Q?=E2=9C=93?=\r\n\r\nbody\r\n"
	m, err := Parse([]byte(raw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Re: 关于下周会议的安排 ✓"; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}
	if m.From.Name != "张三" || len(m.To) != 1 || m.To[0].Name != "Zoë" {
		t.Errorf("from %v to %v", m.From, m.To)
	}
}

// FuzzHeaderCharsets: whatever the bytes, the upgraded header block is
// valid UTF-8 with as many lines as it had.
func FuzzHeaderCharsets(f *testing.F) {
	for _, s := range legacySamples {
		b, _ := s.enc.NewEncoder().Bytes([]byte(s.text))
		f.Add([]byte("Subject: "+string(b)+"\r\nContent-Type: text/plain; charset="+s.charset+"\r\n"), false)
		f.Add([]byte("Subject: =?gbk?B?"+string(b)+"?= "+string(b)+"\n"), true)
	}
	f.Fuzz(func(t *testing.T, block []byte, declare bool) {
		hc := &headerCharsets{raw: block}
		if !declare {
			hc.scanned = true
		}
		out, _ := hc.upgrade(block)
		forEachSegment(out, func(seg []byte, word bool) {
			if !word && !utf8.Valid(seg) { // an encoded word's raw bytes are its charset's business
				t.Fatalf("invalid UTF-8 out of %q: %q", block, out)
			}
		})
		if bytes.Count(out, []byte("\n")) != bytes.Count(block, []byte("\n")) {
			t.Fatalf("line count changed: %q -> %q", block, out)
		}
		if name, text, ok := detectLegacy(block); ok && (!utf8.ValidString(text) || name == "") {
			t.Fatalf("detectLegacy(%q) = %q %q", block, name, text)
		}
	})
}
