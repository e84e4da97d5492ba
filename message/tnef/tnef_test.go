package tnef

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// attr encodes one TNEF attribute.
func attr(level byte, id uint32, data []byte) []byte {
	var b bytes.Buffer
	b.WriteByte(level)
	binary.Write(&b, binary.LittleEndian, id)
	binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	var sum uint16
	for _, c := range data {
		sum += uint16(c)
	}
	binary.Write(&b, binary.LittleEndian, sum)
	return b.Bytes()
}

// stream builds a TNEF stream holding the given name/content pairs.
func stream(files ...string) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint32(signature))
	binary.Write(&b, binary.LittleEndian, uint16(0x0001))
	b.Write(attr(0x01, 0x00089006, []byte{1, 0, 0, 0})) // message class, skipped
	for i := 0; i+1 < len(files); i += 2 {
		b.Write(attr(levelAttachment, 0x00069002, make([]byte, 14)))
		b.Write(attr(levelAttachment, 0x00018010, append([]byte(files[i]), 0)))
		b.Write(attr(levelAttachment, 0x0006800F, []byte(files[i+1])))
	}
	return b.Bytes()
}

func TestDecode(t *testing.T) {
	files, err := Decode(stream("report.pdf", "%PDF-1.4", "notes.txt", "hello"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Name != "report.pdf" || string(files[0].Data) != "%PDF-1.4" ||
		files[1].Name != "notes.txt" || string(files[1].Data) != "hello" {
		t.Errorf("got %+v", files)
	}
}

func TestDecodeErrors(t *testing.T) {
	if _, err := Decode([]byte("not tnef at all")); !errors.Is(err, ErrNotTNEF) {
		t.Errorf("plain text: %v", err)
	}
	s := stream("a.txt", "abc", "b.txt", "defgh")
	files, err := Decode(s[:len(s)-3])
	if !errors.Is(err, ErrTruncated) || len(files) != 1 || files[0].Name != "a.txt" {
		t.Errorf("truncated: %+v %v", files, err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(stream("report.pdf", "%PDF-1.4", "notes.txt", "hello"))
	f.Add(stream())
	f.Add([]byte{0x78, 0x9f, 0x3e, 0x22, 0, 0, 2, 0x0f, 0x80, 6, 0, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		files, _ := Decode(b)
		total := 0
		for _, f := range files {
			total += len(f.Data)
		}
		if total > len(b) {
			t.Fatalf("decoded %d bytes from %d", total, len(b))
		}
	})
}
