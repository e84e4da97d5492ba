package message

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// decodedSize counts exactly what decodeTransfer returns, warning included,
// for every encoding, well formed or not.
func TestDecodedSizeMatchesDecode(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	random := make([]byte, 10_000)
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	b64 := base64.StdEncoding.EncodeToString(random)
	folded := func(s string, n int) string {
		var b strings.Builder
		for i := 0; i < len(s); i += n {
			b.WriteString(s[i:min(i+n, len(s))] + "\r\n")
		}
		return b.String()
	}
	bodies := []string{
		"", "a", "ab", "abc", "abcd", "QUJD", "QUI=", "QQ==", "QQ==QUI=QUJD", "QQ=\r\n=QUI", "Q", "QUJDR",
		b64, folded(b64, 76), folded(b64, 7), b64[:len(b64)-1], b64[:len(b64)-2] + "!!" + b64,
		base64.URLEncoding.EncodeToString(random[:999]), "Zm9v YmFy", "this is plain text, labelled base64\r\nyes it is\r\n",
		"caf=C3=A9 =\r\nsoft =\nbreak =  \r\ntrailing = stray =4 =ZZ end=", "=", "=\r", "=4", string(random),
	}
	for _, enc := range []string{"", "7bit", "8bit", "binary", "base64", "BASE64", "b64", "base-64", "quoted-printable",
		"x-uuencode", "base64; x=y"} {
		for _, body := range bodies {
			want, wantWarn := decodeTransfer([]byte(body), enc)
			n, warn := decodedSize([]byte(body), enc)
			if n != int64(len(want)) || warn != wantWarn {
				t.Errorf("%s %.40q: decodedSize %d %q, decodeTransfer %d %q", enc, body, n, warn, len(want), wantWarn)
			}
		}
	}
}

// bigAttachmentMail is a message with a text and one base64 attachment of
// size random bytes, of type typ.
func bigAttachmentMail(size int, typ, name string) ([]byte, []byte) {
	rng := rand.New(rand.NewPCG(5, 6))
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = byte(rng.UintN(256))
	}
	var b bytes.Buffer
	b.Write(crlf("From: a@example.com\nSubject: big\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\nhere\n--XX\nContent-Type: " +
		typ + name + "\nContent-Transfer-Encoding: base64\n\n"))
	enc := base64.StdEncoding.EncodeToString(payload)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--XX--\r\n")
	return b.Bytes(), payload
}

// allocated is the number of bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// An attachment over MaxAttachmentSize is measured, not decoded: its size
// is exact, and parsing allocates far less than its content.
func TestOmittedAttachmentNotDecoded(t *testing.T) {
	const size = 8 << 20
	raw, payload := bigAttachmentMail(size+1, "application/pdf", "; name=scan.pdf")
	var m *Message
	var err error
	used := allocated(func() { m, err = Parse(raw, Options{MaxAttachmentSize: size}) })
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("attachments %+v", m.Attachments)
	}
	a := m.Attachments[0]
	if !a.Omitted || a.Content != nil || a.Size != int64(len(payload)) || a.Filename != "scan.pdf" || m.Text != "here" {
		t.Errorf("omitted=%v content=%d size=%d name=%q text=%q", a.Omitted, len(a.Content), a.Size, a.Filename, m.Text)
	}
	if used > size/4 {
		t.Errorf("parsing allocated %d bytes for an omitted attachment of %d", used, size)
	}

	// One byte less is kept, whole.
	raw, payload = bigAttachmentMail(size, "application/pdf", "; name=scan.pdf")
	m, err = Parse(raw, Options{MaxAttachmentSize: size})
	if err != nil || len(m.Attachments) != 1 || m.Attachments[0].Omitted || !bytes.Equal(m.Attachments[0].Content, payload) {
		t.Fatalf("an attachment at the limit not kept: %v", err)
	}

	// MaxTotalSize alike, counting the text kept before.
	raw, payload = bigAttachmentMail(size, "application/pdf", "")
	used = allocated(func() { m, err = Parse(raw, Options{MaxTotalSize: size}) })
	if err != nil || len(m.Attachments) != 1 || !m.Attachments[0].Omitted || m.Attachments[0].Size != int64(len(payload)) {
		t.Fatalf("MaxTotalSize: %v %+v", err, m.Attachments)
	}
	if used > size/4 {
		t.Errorf("parsing allocated %d bytes for an attachment omitted by MaxTotalSize", used)
	}
}

// An attached message over the limit is measured, and named after the
// Subject read from its start.
func TestOmittedAttachedMessage(t *testing.T) {
	const size = 4 << 20
	inner := string(crlf("From: b@example.com\nSubject: The old thread\n\n")) + strings.Repeat("x", size)
	var b bytes.Buffer
	b.Write(crlf("From: a@example.com\nSubject: fwd\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\nsee\n--XX\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"))
	enc := base64.StdEncoding.EncodeToString([]byte(inner))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--XX--\r\n")
	for _, limit := range []int64{size, 0} {
		m, err := Parse(b.Bytes(), Options{MaxAttachmentSize: limit})
		if err != nil || len(m.Attachments) != 1 {
			t.Fatalf("limit %d: %v, %d attachments", limit, err, len(m.Attachments))
		}
		a := m.Attachments[0]
		if a.Filename != "The old thread.eml" || a.Size != int64(len(inner)) || a.Omitted != (limit > 0) ||
			(limit == 0 && string(a.Content) != inner) || (limit > 0 && a.Content != nil) {
			t.Errorf("limit %d: name %q size %d omitted %v content %d", limit, a.Filename, a.Size, a.Omitted, len(a.Content))
		}
	}
}
