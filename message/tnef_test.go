package message

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"testing"
)

// tnefStream builds a winmail.dat holding one file.
func tnefStream(name, content string) []byte {
	var b bytes.Buffer
	le := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	attr := func(id uint32, data []byte) {
		b.WriteByte(2)
		le(id)
		le(uint32(len(data)))
		b.Write(data)
		le(uint16(0))
	}
	le(uint32(0x223E9F78))
	le(uint16(1))
	attr(0x00069002, make([]byte, 14))
	attr(0x00018010, append([]byte(name), 0))
	attr(0x0006800F, []byte(content))
	return b.Bytes()
}

func TestWinmailDatUnpacked(t *testing.T) {
	dat := base64.StdEncoding.EncodeToString(tnefStream("report.pdf", "%PDF-1.4 x"))
	raw := crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee attached\n" +
		"--b\nContent-Type: application/ms-tnef; name=winmail.dat\nContent-Transfer-Encoding: base64\n\n" + dat + "\n--b--\n")
	m := mustParse(t, raw)
	if len(m.Attachments) != 1 {
		t.Fatalf("attachments %+v", m.Attachments)
	}
	a := m.Attachments[0]
	if a.Filename != "report.pdf" || a.ContentType != "application/pdf" || string(a.Content) != "%PDF-1.4 x" {
		t.Errorf("got %+v", a)
	}
	// A winmail.dat that is not TNEF is kept as it is.
	raw = crlf("From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b\nContent-Type: application/ms-tnef; name=winmail.dat\n\njunk\n--b--\n")
	if m := mustParse(t, raw); len(m.Attachments) != 1 || m.Attachments[0].Filename != "winmail.dat" {
		t.Errorf("junk winmail.dat: %+v", m.Attachments)
	}
}
