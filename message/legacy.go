package message

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// headerCharsets reads raw 8-bit header text that is not UTF-8 (a
// subject or a file name written in GBK, Shift_JIS, KOI8-R … without
// RFC 2047 or RFC 2231 encoding), as the best mail readers do: valid
// UTF-8 stays UTF-8; else the charset the message itself declares (its
// encoded words, its parts' charset parameters) when the bytes read as
// text in it; else the charset detectLegacy finds; else Windows-1252.
// It is made once per message and scans the message for declared
// charsets only when a header needs them.
type headerCharsets struct {
	raw      []byte // the whole message
	declared []string
	scanned  bool
}

// maxDeclared bounds how many charset declarations are read.
const maxDeclared = 32

// upgrade returns block (header lines) with the 8-bit text outside
// encoded words converted to UTF-8, and a warning saying how it was read.
// A block that is valid UTF-8 is returned as it is.
func (hc *headerCharsets) upgrade(block []byte) ([]byte, string) {
	if hc == nil || utf8.Valid(block) {
		return block, ""
	}
	segs := invalidSegments(block)
	joined := bytes.Join(segs, []byte(" "))
	name, how := hc.choose(block, joined)
	var out bytes.Buffer
	out.Grow(len(block) + len(block)/2)
	for len(block) > 0 {
		line, rest := cutLine(block)
		block = rest
		if utf8.Valid(line) {
			out.Write(line)
			continue
		}
		forEachSegment(line, func(seg []byte, word bool) {
			if word || utf8.Valid(seg) {
				out.Write(seg)
				return
			}
			out.WriteString(readSegment(seg, name))
		})
	}
	return out.Bytes(), fmt.Sprintf("raw 8-bit header text read as %s (%s)", name, how)
}

// choose picks the charset of the 8-bit header text joined (its invalid
// segments), and says why.
func (hc *headerCharsets) choose(block, joined []byte) (name, how string) {
	if mostlyUTF8(joined) {
		return "UTF-8", "UTF-8 with stray bytes"
	}
	for _, d := range hc.declaredIn(block) {
		best, bestScore := "", -1.0
		for _, cand := range candidatesFor(d) {
			cs, ok := legacyByName(cand)
			if !ok {
				continue
			}
			text, ok := decodeWith(cs.enc, joined)
			if !ok {
				continue
			}
			if s := cs.score(joined, text); s >= 0 && s > bestScore {
				best, bestScore = cs.name, s
			}
		}
		if best != "" {
			return best, "declared by the message"
		}
	}
	if name, _, ok := detectLegacy(joined); ok {
		return name, "detected"
	}
	return "windows-1252", "no charset fits"
}

// candidatesFor lists the legacy charsets a declared charset stands for:
// itself, or for a 7-bit label (ISO-2022-JP …) the 8-bit charsets its
// senders write raw headers in.
func candidatesFor(declared string) []string {
	name := canonicalCharset(declared)
	if rel, ok := relatedCharsets[name]; ok && strings.HasPrefix(name, "iso-2022") {
		return rel
	}
	return []string{name}
}

// declaredIn returns the charsets the message declares, those of the
// encoded words in block first, then the charset parameters of the
// message, in order, without UTF-8 and ASCII (which raw 8-bit text that is
// not UTF-8 cannot be in), each once.
func (hc *headerCharsets) declaredIn(block []byte) []string {
	if !hc.scanned {
		hc.scanned = true
		hc.declared = charsetParams(hc.raw)
	}
	var out []string
	seen := map[string]bool{}
	add := func(name string) {
		name = canonicalCharset(name)
		if name == "" || seen[name] || strings.HasPrefix(name, "utf") || len(out) >= maxDeclared {
			return
		}
		seen[name] = true
		out = append(out, name)
	}
	for _, m := range encodedWord.FindAllSubmatch(block, maxDeclared) {
		cs, _, _ := strings.Cut(string(m[1]), "*")
		add(cs)
	}
	for _, d := range hc.declared {
		add(d)
	}
	return out
}

// charsetParams finds the values of charset= parameters in raw, in order.
func charsetParams(raw []byte) []string {
	var out []string
	for rest := raw; len(out) < maxDeclared; {
		i := bytes.Index(rest, []byte("harset"))
		if i < 0 {
			break
		}
		if i == 0 || (rest[i-1]|0x20) != 'c' {
			rest = rest[i+6:]
			continue
		}
		rest = rest[i+6:]
		v := bytes.TrimLeft(rest, " \t")
		if len(v) == 0 || v[0] != '=' {
			continue
		}
		v = bytes.TrimLeft(v[1:], " \t\"'")
		end := 0
		for end < len(v) && end < 40 && isCharsetByte(v[end]) {
			end++
		}
		if end > 0 {
			out = append(out, strings.ToLower(string(v[:end])))
		}
	}
	return out
}

func isCharsetByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.:", c) >= 0
}

// invalidSegments returns the pieces of block outside encoded words that
// are not valid UTF-8, their line ends removed.
func invalidSegments(block []byte) [][]byte {
	var segs [][]byte
	for rest := block; len(rest) > 0; {
		var line []byte
		line, rest = cutLine(rest)
		if utf8.Valid(line) {
			continue
		}
		forEachSegment(bytes.TrimRight(line, "\r\n"), func(seg []byte, word bool) {
			if !word && !utf8.Valid(seg) {
				segs = append(segs, seg)
			}
		})
	}
	return segs
}

// forEachSegment calls f for each piece of line: encoded words (word
// true) and the text between them.
func forEachSegment(line []byte, f func(seg []byte, word bool)) {
	last := 0
	for _, m := range encodedWord.FindAllIndex(line, -1) {
		if m[0] > last {
			f(line[last:m[0]], false)
		}
		f(line[m[0]:m[1]], true)
		last = m[1]
	}
	if last < len(line) {
		f(line[last:], false)
	}
}

// readSegment converts one 8-bit segment with the charset chosen for the
// header; a segment that does not decode in it is read on its own.
func readSegment(seg []byte, name string) string {
	if name == "UTF-8" {
		return mixedUTF8(seg)
	}
	body := bytes.TrimRight(seg, "\r\n")
	end := seg[len(body):]
	if cs, ok := legacyByName(name); ok {
		if text, ok := decodeWith(cs.enc, body); ok {
			return text + string(end)
		}
	}
	if mostlyUTF8(body) {
		return mixedUTF8(body) + string(end)
	}
	if _, text, ok := detectLegacy(body); ok {
		return text + string(end)
	}
	return toUTF8(body) + string(end)
}

// mostlyUTF8 reports text written in UTF-8 with a few stray bytes: at
// least three valid multi-byte sequences for each invalid byte.
func mostlyUTF8(b []byte) bool {
	valid, invalid := 0, 0
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n <= 1:
			invalid++
		case n > 1:
			valid++
		}
		b = b[n:]
	}
	return invalid > 0 && valid >= 3*invalid
}
