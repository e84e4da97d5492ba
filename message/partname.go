package message

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// partName names a part that carries no file name (issue 16.3), as a
// person would recognise it: the last element of its Content-Location,
// else its Content-ID when that is a file name ("image001.jpg@01CDB132.
// D8A510F0" is image001.jpg), else "part-N" with the extension of its
// media type (video/quicktime is .mov, never .bin when the type is known).
func partName(h textproto.Header, typ string, n int) string {
	if name := locationName(h.Get("Content-Location")); name != "" {
		if !hasExtension(name) {
			name += extensionFor(typ) // "image1" of an image/png is image1.png
		}
		return name
	}
	if name := contentIDName(h.Get("Content-Id")); name != "" {
		return name
	}
	return fmt.Sprintf("part-%d%s", n, extensionFor(typ))
}

// locationName is the file name at the end of a Content-Location URL or
// path, possibly without extension; "" when it names none (a bare host, a
// directory, a cid: URL).
func locationName(loc string) string {
	loc = strings.Join(strings.Fields(loc), "")
	if loc == "" {
		return ""
	}
	if u, err := url.Parse(loc); err == nil && u.Path != "" {
		loc = u.Path
	} else if i := strings.IndexAny(loc, "?#"); i >= 0 {
		loc = loc[:i]
	}
	if strings.HasSuffix(loc, "/") {
		return ""
	}
	base := loc
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	if dec, err := url.PathUnescape(base); err == nil {
		base = dec
	}
	if len(base) > 200 || strings.ContainsAny(base, ":@=") { // a cid: or mid: URL, a query
		return ""
	}
	return cleanFilename(base)
}

// contentIDName is the local part of a Content-ID that looks like a file
// name ("image001.jpg@01CDB132.D8A510F0"), else "".
func contentIDName(cid string) string {
	cid = strings.Trim(strings.TrimSpace(cid), "<>")
	local, _, _ := strings.Cut(cid, "@")
	if !hasExtension(local) || len(local) > 200 {
		return ""
	}
	return cleanFilename(local)
}

// hasExtension reports a name of the shape "stem.ext": a non-empty stem
// and an extension of 1 to 5 letters or digits, at least one a letter.
func hasExtension(name string) bool {
	ext := path.Ext(name)
	if len(ext) < 2 || len(ext) > 6 || len(name) == len(ext) {
		return false
	}
	letter := false
	for _, c := range ext[1:] {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return letter
}

// extensions are the file extensions of the media types of attachments
// seen in mail, for generated names. A fixed table: the system's
// mime.types differs from machine to machine.
var extensions = map[string]string{
	"text/plain": ".txt", "text/rfc822-headers": ".txt", "message/delivery-status": ".txt",
	"message/global-delivery-status": ".txt", "message/disposition-notification": ".txt",
	"text/html": ".html", "text/calendar": ".ics", "text/csv": ".csv", "text/xml": ".xml",
	"text/vcard": ".vcf", "text/x-vcard": ".vcf", "text/markdown": ".md", "text/css": ".css",
	"text/richtext": ".rtx", "text/enriched": ".txt", "application/rtf": ".rtf", "text/rtf": ".rtf",
	"image/png": ".png", "image/jpeg": ".jpg", "image/jpg": ".jpg", "image/pjpeg": ".jpg",
	"image/gif": ".gif", "image/bmp": ".bmp", "image/tiff": ".tif", "image/webp": ".webp",
	"image/svg+xml": ".svg", "image/heic": ".heic", "image/heif": ".heif", "image/x-icon": ".ico",
	"image/vnd.microsoft.icon": ".ico", "image/avif": ".avif",
	"video/quicktime": ".mov", "video/mp4": ".mp4", "video/mpeg": ".mpg", "video/x-msvideo": ".avi",
	"video/webm": ".webm", "video/3gpp": ".3gp", "video/x-matroska": ".mkv", "video/x-ms-wmv": ".wmv",
	"audio/mpeg": ".mp3", "audio/mp4": ".m4a", "audio/x-m4a": ".m4a", "audio/wav": ".wav",
	"audio/x-wav": ".wav", "audio/ogg": ".ogg", "audio/amr": ".amr", "audio/aac": ".aac",
	"application/pdf": ".pdf", "application/zip": ".zip", "application/x-zip-compressed": ".zip",
	"application/gzip": ".gz", "application/x-gzip": ".gz", "application/x-tar": ".tar",
	"application/x-7z-compressed": ".7z", "application/x-rar-compressed": ".rar", "application/vnd.rar": ".rar",
	"application/json": ".json", "application/xml": ".xml", "application/ics": ".ics",
	"application/msword": ".doc", "application/vnd.ms-excel": ".xls", "application/vnd.ms-powerpoint": ".ppt",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   ".docx",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         ".xlsx",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
	"application/vnd.oasis.opendocument.text":                                   ".odt",
	"application/vnd.oasis.opendocument.spreadsheet":                            ".ods",
	"application/vnd.ms-outlook":                                                ".msg", "application/ms-tnef": ".dat", "application/vnd.ms-tnef": ".dat",
	"application/pgp-signature": ".asc", "application/pgp-encrypted": ".asc", "application/pgp-keys": ".asc",
	"application/pkcs7-signature": ".p7s", "application/x-pkcs7-signature": ".p7s",
	"application/pkcs7-mime": ".p7m", "application/x-pkcs7-mime": ".p7m",
	"application/vnd.apple.pkpass": ".pkpass", "application/x-shockwave-flash": ".swf",
	"application/javascript": ".js", "application/x-sh": ".sh", "application/x-msdownload": ".exe",
	"message/rfc822": ".eml", "message/global": ".eml", "message/feedback-report": ".txt",
	"application/postscript": ".ps", "application/epub+zip": ".epub",
	"audio/basic": ".au", "audio/mp3": ".mp3", "video/avi": ".avi", "video/x-flv": ".flv",
}

// extensionFor gives a file extension for a generated attachment name:
// the type's own, else one from its family ("image/x-foo" is no image
// file we know: .bin), else .bin.
func extensionFor(typ string) string {
	if ext, ok := extensions[typ]; ok {
		return ext
	}
	if strings.HasPrefix(typ, "text/") {
		return ".txt"
	}
	return ".bin"
}
