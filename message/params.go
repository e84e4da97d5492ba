package message

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// parseMediaHeader parses a Content-Type or Content-Disposition value
// tolerantly: junk parameters are skipped, RFC 2231 continuations and
// charsets are decoded in any charset, and RFC 2047 words inside values
// (common, though not allowed) are decoded. The media type is lower-cased;
// parameter names are lower-cased.
func parseMediaHeader(v string) (string, map[string]string) {
	typ, rest, _ := strings.Cut(v, ";")
	typ = strings.ToLower(strings.TrimSpace(typ))
	raw := splitParams(rest)
	return typ, resolveParams(raw)
}

// param is one raw name=value pair in the order it appeared.
type param struct {
	name, value string
}

// splitParams reads `; name=value; name="quoted"` pairs, skipping junk.
func splitParams(s string) []param {
	var out []param
	for len(s) > 0 {
		s = strings.TrimLeft(s, " \t\r\n;")
		eq := strings.IndexAny(s, "=;")
		if eq < 0 {
			break
		}
		if s[eq] == ';' {
			s = s[eq:] // a name without a value: skip it
			continue
		}
		name := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t\r\n")
		var value string
		value, s = readParamValue(s)
		if name != "" {
			out = append(out, param{name, value})
		}
	}
	return out
}

// readParamValue reads a quoted string or a token up to the next ';'.
func readParamValue(s string) (value, rest string) {
	if !strings.HasPrefix(s, `"`) {
		end := strings.IndexByte(s, ';')
		if end < 0 {
			return strings.TrimSpace(s), ""
		}
		return strings.TrimSpace(s[:end]), s[end:]
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), "" // unterminated quote: take the rest
}

// section is one RFC 2231 piece of a parameter: name*N or name*N*.
type section struct {
	n        int
	extended bool
	value    string
}

// resolveParams joins RFC 2231 continuations and decodes values.
func resolveParams(raw []param) map[string]string {
	plain := map[string]string{}
	sections := map[string][]section{}
	for _, p := range raw {
		base, sec, ok := parseSectionName(p.name)
		if !ok {
			if _, dup := plain[p.name]; !dup {
				plain[p.name] = p.value
			}
			continue
		}
		sec.value = p.value
		sections[base] = append(sections[base], sec)
	}
	out := make(map[string]string, len(plain)+len(sections))
	for k, v := range plain {
		out[k] = decodeParamWords(v)
	}
	for base, secs := range sections {
		if v := join2231(secs); v != "" || out[base] == "" {
			out[base] = v
		}
	}
	return out
}

// parseSectionName splits "name*", "name*3" or "name*3*".
func parseSectionName(name string) (string, section, bool) {
	base, suffix, ok := strings.Cut(name, "*")
	if !ok || base == "" {
		return "", section{}, false
	}
	var sec section
	if strings.HasSuffix(suffix, "*") {
		sec.extended = true
		suffix = strings.TrimSuffix(suffix, "*")
	}
	if suffix == "" {
		sec.extended = true // name* is a single extended value
		return base, sec, true
	}
	n, err := strconv.Atoi(suffix)
	if err != nil || n < 0 || n > 10000 {
		return "", section{}, false
	}
	sec.n = n
	return base, sec, true
}

// join2231 orders the sections, percent-decodes extended ones and converts
// the bytes from the charset named by the first extended section.
func join2231(secs []section) string {
	sort.SliceStable(secs, func(i, j int) bool { return secs[i].n < secs[j].n })
	var buf []byte
	charset := ""
	for i, s := range secs {
		v := s.value
		if s.extended && i == 0 {
			if parts := strings.SplitN(v, "'", 3); len(parts) == 3 {
				charset, v = parts[0], parts[2]
			}
		}
		if s.extended {
			if dec, err := url.PathUnescape(v); err == nil {
				v = dec
			}
		}
		buf = append(buf, v...)
	}
	text, _ := decodeCharset(buf, charset)
	return text
}

// decodeParamWords decodes RFC 2047 words that senders put in parameter
// values, and repairs raw 8-bit values.
func decodeParamWords(v string) string {
	if strings.Contains(v, "=?") {
		dec, _ := decodeHeaderText(v)
		return dec
	}
	return toUTF8([]byte(v))
}
