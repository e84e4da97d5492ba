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

// attach records a non-body part as an attachment.
func (w *walker) attach(h textproto.Header, p part, body []byte) {
	content, warn := decodeTransfer(body, h.Get("Content-Transfer-Encoding"))
	w.warn(warn)
	name := p.filename
	if name == "" {
		name = fmt.Sprintf("part-%d%s", w.parts, extensionFor(p.typ))
	}
	if isTNEF(p.typ, name) && w.unpackTNEF(h, p, content) {
		return
	}
	w.addAttachment(h, p, name, content)
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
		w.addAttachment(h, fp, name, append([]byte(nil), f.Data...))
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
// its filename parameter, else after its subject.
func (w *walker) attachMessage(h textproto.Header, p part, body []byte) {
	content, warn := decodeTransfer(body, h.Get("Content-Transfer-Encoding"))
	w.warn(warn)
	inner := readHeader(content, true)
	subject, _ := decodeHeaderText(inner.header.Get("Subject"))
	name := cleanFilename(strings.NewReplacer("/", "_", `\`, "_").Replace(subject))
	switch {
	case p.filename != "":
		name = p.filename
	case name != "":
		name = truncate(name, 200) + ".eml"
	default:
		name = "message.eml"
	}
	w.addAttachment(h, p, name, content)
}

// addAttachment applies the size limits and appends the attachment.
func (w *walker) addAttachment(h textproto.Header, p part, name string, content []byte) {
	a := Attachment{
		Filename:    name,
		ContentType: p.typ,
		Size:        int64(len(content)),
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

// extensionFor gives a file extension for a generated attachment name.
func extensionFor(typ string) string {
	switch typ {
	case "text/plain", "text/rfc822-headers", "message/delivery-status",
		"message/global-delivery-status", "message/disposition-notification":
		return ".txt"
	case "text/html":
		return ".html"
	case "text/calendar":
		return ".ics"
	case "image/png":
		return ".png"
	case "image/jpeg", "image/jpg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	case "application/pdf":
		return ".pdf"
	case "application/pgp-signature":
		return ".asc"
	case "application/pkcs7-signature", "application/x-pkcs7-signature":
		return ".p7s"
	}
	return ".bin"
}
