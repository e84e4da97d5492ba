package message

import (
	"fmt"
	"mime"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/emersion/go-message/textproto"

	"github.com/helpdesk-gw/helpdesk/message/tnef"
)

// attach records a non-body part as an attachment. One whose content the
// size limits omit is measured, not decoded (a winmail.dat excepted: the
// files in it are limited one by one).
func (w *walker) attach(h textproto.Header, p part, body []byte) {
	enc := h.Get("Content-Transfer-Encoding")
	name := p.filename
	if name == "" {
		name = partName(h, p.typ, w.parts)
	}
	tnef := isTNEF(p.typ, name)
	if !tnef && w.omits(int64(len(body))) { // decoding never makes it larger
		size, warn := decodedSize(body, enc)
		if w.omits(size) {
			w.warn(warn)
			w.addAttachment(h, p, name, nil, size)
			return
		}
	}
	content, warn := decodeTransfer(body, enc)
	w.warn(warn)
	if tnef && w.unpackTNEF(h, p, content) {
		return
	}
	w.addAttachment(h, p, name, content, int64(len(content)))
}

// omits reports whether the size limits omit the content of an attachment
// of size bytes.
func (w *walker) omits(size int64) bool {
	return (w.opts.MaxAttachmentSize > 0 && size > w.opts.MaxAttachmentSize) ||
		(w.opts.MaxTotalSize > 0 && w.kept+size > w.opts.MaxTotalSize)
}

// isTNEF reports an Outlook winmail.dat part.
func isTNEF(typ, name string) bool {
	return typ == "application/ms-tnef" || typ == "application/vnd.ms-tnef" || strings.EqualFold(name, "winmail.dat")
}

// unpackTNEF adds the files packed in a winmail.dat as attachments of
// their own, and reports whether it found any (else the caller keeps the
// winmail.dat whole).
func (w *walker) unpackTNEF(h textproto.Header, p part, content []byte) bool {
	files, err := tnef.Decode(content)
	if len(files) == 0 {
		return false
	}
	if err != nil {
		w.warn(fmt.Sprintf("winmail.dat: %v: %d files read", err, len(files)))
	}
	for i, f := range files {
		name := cleanFilename(f.Name)
		if name == "" {
			name = fmt.Sprintf("winmail-%d.bin", i+1)
		}
		fp := p
		fp.typ = typeByExtension(name)
		w.addAttachment(h, fp, name, append([]byte(nil), f.Data...), int64(len(f.Data)))
	}
	return true
}

// typeByExtension guesses a lower-cased media type from a file name.
func typeByExtension(name string) string {
	typ, _, _ := mime.ParseMediaType(mime.TypeByExtension(filepath.Ext(name)))
	if typ == "" {
		return "application/octet-stream"
	}
	return typ
}

// attachMessage records an attached message (message/rfc822), named by
// its filename parameter, else after its subject. One whose content the
// size limits omit is measured, and only the start decoded for its header.
func (w *walker) attachMessage(h textproto.Header, p part, body []byte) {
	enc := h.Get("Content-Transfer-Encoding")
	var content, head []byte // head: what the header is read from
	size := int64(-1)
	if w.omits(int64(len(body))) { // decoding never makes it larger
		if n, warn := decodedSize(body, enc); w.omits(n) {
			w.warn(warn)
			size = n
			if p.filename == "" {
				head, _ = decodeTransfer(body[:min(len(body), maxOmittedHeader)], enc)
			}
		}
	}
	if size < 0 {
		var warn string
		content, warn = decodeTransfer(body, enc)
		w.warn(warn)
		head, size = content, int64(len(content))
	}
	name := p.filename
	if name == "" {
		inner := readHeader(head, true, w.charsets)
		subject, _ := decodeHeaderText(inner.header.Get("Subject"))
		name = cleanFilename(strings.NewReplacer("/", "_", `\`, "_").Replace(subject))
		if name != "" {
			name = truncate(name, 200) + ".eml"
		} else {
			name = "message.eml"
		}
	}
	w.addAttachment(h, p, name, content, size)
}

// maxOmittedHeader is how much of an attached message too large to keep is
// decoded to read its header (its Subject names the attachment).
const maxOmittedHeader = 256 << 10

// addAttachment applies the size limits and appends the attachment. size
// is the decoded size; content is nil when the caller measured an
// attachment the limits omit without decoding it.
func (w *walker) addAttachment(h textproto.Header, p part, name string, content []byte, size int64) {
	a := Attachment{
		Filename:    name,
		ContentType: p.typ,
		Size:        size,
		ContentID:   strings.Trim(strings.TrimSpace(h.Get("Content-Id")), "<>"),
		Content:     content,
	}
	a.Inline = p.disp == "inline" || (p.disp == "" && a.ContentID != "")
	switch {
	case w.opts.MaxAttachmentSize > 0 && a.Size > w.opts.MaxAttachmentSize:
		w.warn(fmt.Sprintf("attachment %q (%d bytes) exceeds MaxAttachmentSize: content omitted", name, a.Size))
		a.Content, a.Omitted = nil, true
	case w.opts.MaxTotalSize > 0 && w.kept+a.Size > w.opts.MaxTotalSize:
		w.warn(fmt.Sprintf("attachment %q (%d bytes) exceeds MaxTotalSize: content omitted", name, a.Size))
		a.Content, a.Omitted = nil, true
	default:
		w.kept += a.Size
	}
	w.msg.Attachments = append(w.msg.Attachments, a)
}

// cleanFilename keeps the last path element of a name, drops control and
// reserved characters and collapses whitespace.
func cleanFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), r == unicode.ReplacementChar:
			return -1
		case strings.ContainsRune(`:*?"<>|`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.Join(strings.Fields(name), " ")
	name = strings.Trim(name, ". ")
	return truncate(name, 255)
}
