// Package tnef reads the files packed in an Outlook "winmail.dat"
// (application/ms-tnef, Transport Neutral Encapsulation Format) so that
// they can be stored as ordinary attachments.
//
// It reads the attachment attributes only: each file's title (its 8.3 or
// short name) and data. Message properties, RTF bodies and MAPI property
// blocks are skipped. Decode never panics and never allocates more than
// its input: a file's content is a sub-slice of the input.
//
// How it fails: input without the TNEF signature gives ErrNotTNEF; a
// stream cut short gives the files read so far and ErrTruncated.
package tnef

import (
	"encoding/binary"
	"errors"
	"strings"
)

// Errors returned by Decode.
var (
	ErrNotTNEF   = errors.New("tnef: no TNEF signature")
	ErrTruncated = errors.New("tnef: stream cut short")
)

// signature opens every TNEF stream (little-endian 0x223E9F78).
const signature = 0x223E9F78

// maxFiles bounds the files read from one stream.
const maxFiles = 1000

// Attribute tags (the low 16 bits of an attribute id) this package reads.
const (
	tagAttachRendData = 0x9002 // starts a new attachment
	tagAttachTitle    = 0x8010 // the attachment's file name
	tagAttachData     = 0x800F // the attachment's content
)

// levelAttachment marks attributes that describe an attachment.
const levelAttachment = 0x02

// File is one file packed in a TNEF stream.
type File struct {
	Name string // file name as Outlook gave it; may be empty
	Data []byte // content; a sub-slice of Decode's input
}

// Decode returns the files packed in b, in order. Attachments without
// data are skipped.
func Decode(b []byte) ([]File, error) {
	if len(b) < 6 || binary.LittleEndian.Uint32(b) != signature {
		return nil, ErrNotTNEF
	}
	b = b[6:] // signature and legacy key
	var files []File
	var cur *File
	flush := func() {
		if cur != nil && cur.Data != nil && len(files) < maxFiles {
			files = append(files, *cur)
		}
		cur = nil
	}
	for len(b) > 0 {
		if len(b) < 9 {
			flush()
			return files, ErrTruncated
		}
		level, id, n := b[0], binary.LittleEndian.Uint32(b[1:]), binary.LittleEndian.Uint32(b[5:])
		b = b[9:]
		if uint64(n)+2 > uint64(len(b)) {
			flush()
			return files, ErrTruncated
		}
		data := b[:n]
		b = b[n+2:] // data and its checksum
		if level != levelAttachment {
			continue
		}
		switch id & 0xFFFF {
		case tagAttachRendData:
			flush()
			cur = &File{}
		case tagAttachTitle:
			if cur == nil {
				cur = &File{}
			}
			cur.Name = cString(data)
		case tagAttachData:
			if cur == nil {
				cur = &File{}
			}
			cur.Data = data
		}
	}
	flush()
	return files, nil
}

// cString returns data up to its first NUL, as TNEF stores 8-bit strings.
func cString(data []byte) string {
	s := string(data)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return s
}
