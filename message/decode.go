package message

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset" // every charset x/text knows
	"golang.org/x/text/encoding/charmap"
)

// decodeCharset converts b from the named charset to UTF-8. An empty name
// means undeclared: UTF-8 when valid, else Windows-1252. An unknown charset
// decodes the same way and returns a warning.
func decodeCharset(b []byte, name string) (string, string) {
	name = strings.ToLower(strings.Trim(strings.TrimSpace(name), `"'`))
	switch name {
	case "":
		return toUTF8(b), ""
	case "us-ascii", "ascii", "utf-8", "utf8":
		if utf8.Valid(b) {
			return string(b), ""
		}
		if strings.HasPrefix(name, "utf") {
			return mixedUTF8(b), "text declared UTF-8 is not all UTF-8: the invalid bytes decoded as Windows-1252"
		}
		return toUTF8(b), ""
	}
	if name == "utf-7" || name == "unicode-1-1-utf-7" || name == "csunicode11utf7" {
		return decodeUTF7(b), ""
	}
	r, err := charset.Reader(name, bytes.NewReader(b))
	if err != nil {
		return toUTF8(b), fmt.Sprintf("unknown charset %q: decoded as UTF-8 or Windows-1252", truncate(name, 64))
	}
	var out bytes.Buffer
	out.Grow(len(b) + len(b)/4 + bytes.MinRead) // read once: most text is ASCII, the same length in UTF-8
	if _, err := out.ReadFrom(r); err != nil {
		return toUTF8(b), fmt.Sprintf("charset %q: %v: decoded as UTF-8 or Windows-1252", truncate(name, 64), err)
	}
	text := strings.ToValidUTF8(out.String(), "\uFFFD")
	if strings.ContainsRune(text, utf8.RuneError) && !bytes.Contains(b, []byte("\uFFFD")) && utf8.Valid(b) {
		// Not the declared charset but valid UTF-8 (a converted message
		// that kept its old label): UTF-8 decodes it without loss.
		return string(b), fmt.Sprintf("text declared %q is UTF-8: decoded as UTF-8", truncate(name, 64))
	}
	if strings.ContainsRune(text, utf8.RuneError) && !bytes.Contains(b, []byte("\uFFFD")) {
		for _, rel := range relatedCharsets[name] {
			if t, ok := decodeStrict(b, rel); ok {
				return t, fmt.Sprintf("text declared %q is %s: decoded as %s", truncate(name, 64), rel, rel)
			}
		}
	}
	return text, ""
}

// relatedCharsets are the charsets that mail labelled with a 7-bit or
// older charset is often really written in (8-bit Japanese labelled
// ISO-2022-JP, GBK labelled GB2312 …), tried when the label fails.
var relatedCharsets = map[string][]string{
	"iso-2022-jp": {"euc-jp", "shift_jis"},
	"euc-jp":      {"shift_jis"},
	"shift_jis":   {"euc-jp"},
	"iso-2022-kr": {"euc-kr"},
	"gb2312":      {"gb18030"},
	"gbk":         {"gb18030"},
	"big5":        {"gb18030"},
}

// decodeStrict decodes b from charset name, and reports false when that
// needed a replacement character.
func decodeStrict(b []byte, name string) (string, bool) {
	r, err := charset.Reader(name, bytes.NewReader(b))
	if err != nil {
		return "", false
	}
	out, err := io.ReadAll(r)
	if err != nil || !utf8.Valid(out) || bytes.Contains(out, []byte("\uFFFD")) {
		return "", false
	}
	return string(out), true
}

// toUTF8 returns b as a string when it is valid UTF-8, else decodes it as
// Windows-1252 (the usual charset of undeclared 8-bit mail).
func toUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

// mixedUTF8 decodes text declared UTF-8 that is not all valid: the valid
// sequences as UTF-8, each invalid byte as Windows-1252 (a UTF-8 message
// with a pasted Latin-1 line, or stray bytes after a broken encoding).
func mixedUTF8(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/4)
	dec := charmap.Windows1252
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			r = dec.DecodeByte(b[0])
			n = 1
		}
		sb.WriteRune(r)
		b = b[n:]
	}
	return sb.String()
}

// decodeTransfer undoes a Content-Transfer-Encoding, tolerantly: it always
// returns what it could decode, with a warning when something was wrong.
func decodeTransfer(b []byte, enc string) ([]byte, string) {
	out, _, warn := transfer(b, enc, true)
	return out, warn
}

// decodedSize is the length of what decodeTransfer returns, with its
// warning, counted without materialising the decoded bytes.
func decodedSize(b []byte, enc string) (int64, string) {
	_, n, warn := transfer(b, enc, false)
	return int64(n), warn
}

// transfer is decodeTransfer, returning the decoded bytes when keep, and
// their length always.
func transfer(b []byte, enc string, keep bool) ([]byte, int, string) {
	enc = strings.ToLower(strings.TrimSpace(enc))
	if i := strings.IndexAny(enc, "; \t"); i >= 0 {
		enc = enc[:i]
	}
	switch {
	case enc == "" || enc == "binary" || strings.HasPrefix(enc, "7") || strings.HasPrefix(enc, "8"):
		return b, len(b), "" // 7bit, 8bit and their misspellings
	case strings.HasPrefix(enc, "base64") || enc == "base-64" || enc == "b64":
		if notBase64(b) {
			return b, len(b), "content declared base64 is plain text: kept as is"
		}
		return base64Decode(b, keep)
	case strings.HasPrefix(enc, "quoted"):
		return qpDecode(b, keep)
	}
	return b, len(b), fmt.Sprintf("unknown transfer encoding %q: kept as is", truncate(enc, 64))
}

// notBase64 reports a body labelled base64 that is plain text: most of
// its lines have words separated by spaces, which base64 never has.
func notBase64(b []byte) bool {
	lines, spaced := 0, 0
	for l := range bytes.Lines(b) { // no split of the whole body: at most 50 lines are read
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			continue
		}
		lines++
		if bytes.IndexByte(l, ' ') > 0 {
			spaced++
		}
		if lines >= 50 {
			break
		}
	}
	return lines > 0 && spaced*2 > lines
}

// decodeBase64 decodes base64 skipping characters outside the alphabet and
// restarting after padding (some encoders concatenate padded blocks).
func decodeBase64(b []byte) ([]byte, string) {
	out, _, warn := base64Decode(b, true)
	return out, warn
}

// base64Decode is decodeBase64, returning the decoded bytes only when keep
// (else nil), and their length always.
func base64Decode(b []byte, keep bool) ([]byte, int, string) {
	var out []byte
	if keep {
		out = make([]byte, 0, len(b)*3/4+3)
	}
	var seg [4096]byte // a multiple of 4: decoding in pieces equals decoding at once
	n := 0             // bytes of seg in use
	size := 0          // bytes decoded
	bad := false
	flush := func() {
		if n%4 == 1 {
			n--
			bad = true
		}
		if !keep {
			// seg holds alphabet characters only, which decode without
			// error to DecodedLen bytes (trailing bits are not checked).
			size += base64.RawStdEncoding.DecodedLen(n)
			n = 0
			return
		}
		start := len(out)
		out = out[:start+base64.RawStdEncoding.DecodedLen(n)] // fits: out holds 3/4 of all of b's bytes
		m, err := base64.RawStdEncoding.Decode(out[start:], seg[:n])
		out = out[:start+m]
		size += m
		if err != nil {
			bad = true
		}
		n = 0
	}
	for _, c := range b {
		switch v := base64Table[c]; v {
		case b64Skip:
		case b64Pad:
			if n > 0 {
				flush()
			}
		case b64Bad:
			bad = true
		default:
			seg[n] = v
			n++
			if n == len(seg) {
				flush()
			}
		}
	}
	if n > 0 {
		flush()
	}
	if bad {
		return out, size, "malformed base64: decoded what was readable"
	}
	return out, size, ""
}

// Classes of base64Table besides an alphabet character.
const (
	b64Skip = 0 // line breaks and blanks
	b64Pad  = 1 // '=': ends a segment
	b64Bad  = 2 // not base64
)

// base64Table maps each byte of a base64 body to the standard-alphabet
// character it stands for (the URL-safe '-' and '_' read as '+' and '/'),
// or to its class; a table lookup keeps decoding megabytes cheap.
var base64Table = func() (t [256]byte) {
	for c := range t {
		t[c] = b64Bad
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = alphabet[i]
	}
	t['-'], t['_'] = '+', '/'
	t['='] = b64Pad
	for _, c := range " \t\r\n" {
		t[c] = b64Skip
	}
	return t
}()

// decodeQP decodes quoted-printable; malformed escapes are kept literally.
func decodeQP(b []byte) []byte {
	out, _, _ := qpDecode(b, true)
	return out
}

// qpSink collects decoded bytes, or only counts them.
type qpSink struct {
	out  []byte
	n    int
	keep bool
}

func (s *qpSink) add(c byte) {
	if s.keep {
		s.out = append(s.out, c)
	}
	s.n++
}

// qpDecode is decodeQP, returning the decoded bytes only when keep (else
// nil), and their length always.
func qpDecode(b []byte, keep bool) ([]byte, int, string) {
	out := qpSink{keep: keep}
	if keep {
		out.out = make([]byte, 0, len(b))
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '=' {
			out.add(c)
			continue
		}
		switch {
		case i+1 < len(b) && b[i+1] == '\n':
			i++
		case i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n':
			i += 2
		case i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]):
			out.add(unhex(b[i+1])<<4 | unhex(b[i+2]))
			i += 2
		default:
			// Soft line break followed by trailing spaces, or a stray '='.
			j := i + 1
			for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
				j++
			}
			if j < len(b) && (b[j] == '\n' || b[j] == '\r') && j > i+1 {
				if b[j] == '\r' && j+1 < len(b) && b[j+1] == '\n' {
					j++
				}
				i = j
				continue
			}
			out.add(c)
		}
	}
	return out.out, out.n, ""
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// encodedWord matches one RFC 2047 encoded word.
var encodedWord = regexp.MustCompile(`=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=`)

// decodeHeaderText decodes an unstructured header value: RFC 2047 words in
// any charset x/text knows (also when they contain raw 8-bit bytes, or are
// glued to other text), and raw 8-bit text as UTF-8 or Windows-1252.
// Whitespace between adjacent encoded words is dropped. Words in unknown
// charsets are decoded as UTF-8 or Windows-1252 with a warning; malformed
// words are kept as written.
func decodeHeaderText(s string) (string, string) {
	if !strings.Contains(s, "=?") {
		return toUTF8([]byte(s)), ""
	}
	var b strings.Builder
	var warn string
	last := 0
	prevWord := false
	for _, m := range encodedWord.FindAllStringSubmatchIndex(s, -1) {
		between := s[last:m[0]]
		if !(prevWord && strings.TrimSpace(between) == "") {
			b.WriteString(toUTF8([]byte(between)))
		}
		raw, ok := decodeWordPayload(s[m[4]:m[5]], s[m[6]:m[7]])
		if !ok {
			b.WriteString(toUTF8([]byte(s[m[0]:m[1]])))
			warn = "malformed encoded word in header"
			prevWord = false
			last = m[1]
			continue
		}
		cs, _, _ := strings.Cut(s[m[2]:m[3]], "*") // RFC 2231 language suffix
		text, w := decodeCharset(raw, cs)
		if w != "" {
			warn = w
		}
		b.WriteString(text)
		prevWord = true
		last = m[1]
	}
	b.WriteString(toUTF8([]byte(s[last:])))
	return b.String(), warn
}

// decodeWordPayload decodes the B or Q payload of an encoded word.
func decodeWordPayload(enc, payload string) ([]byte, bool) {
	if strings.EqualFold(enc, "b") {
		b, warn := decodeBase64([]byte(payload))
		return b, warn == "" || len(b) > 0
	}
	return decodeQP([]byte(strings.ReplaceAll(payload, "_", " "))), true
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
