package authres

import (
	"errors"
	"strings"
)

// ErrNoAuthservID is returned by Parse when the field has no authserv-id,
// as Microsoft's servers write it ("Authentication-Results: spf=pass ...").
var ErrNoAuthservID = errors.New("authres: no authserv-id")

// Field is one parsed Authentication-Results header field (RFC 8601).
type Field struct {
	AuthservID string         // lower-cased
	Version    string         // "" when absent
	Results    []MethodResult // empty for "none"
}

// MethodResult is one resinfo of a field: "dkim=pass header.d=example.com".
// Method, Result, and property names are lower-cased; property values keep
// their case but lose quotes and comments.
type MethodResult struct {
	Method        string
	MethodVersion string
	Result        string
	Reason        string
	// Props maps "ptype.property" (e.g. "header.d", "smtp.mailfrom") to
	// its value. A property repeated keeps its first value.
	Props map[string]string
}

// Parse parses the value of one Authentication-Results field. It is
// lenient: comments, quoted strings, folding, extra whitespace and
// unknown properties are accepted, and a resinfo it cannot read is
// skipped. It fails only when there is no authserv-id.
func Parse(value string) (Field, error) {
	segs := splitSegments(value)
	var f Field
	head := tokenize(segs[0])
	if len(head) == 0 || containsTok(head, "=") {
		return f, ErrNoAuthservID
	}
	f.AuthservID = strings.ToLower(head[0])
	if len(head) > 1 {
		f.Version = head[1]
	}
	for _, seg := range segs[1:] {
		if r, ok := parseResinfo(tokenize(seg)); ok {
			f.Results = append(f.Results, r)
		}
	}
	return f, nil
}

// parseResinfo reads "method[/version] = result [reason=...] [ptype.prop=value ...]".
// Tokens are words and "=" signs; quoted strings arrive unquoted.
func parseResinfo(toks []string) (MethodResult, bool) {
	pairs := pairUp(toks)
	if len(pairs) == 0 {
		return MethodResult{}, false
	}
	method, version, _ := strings.Cut(pairs[0][0], "/")
	r := MethodResult{
		Method:        strings.ToLower(strings.TrimSpace(method)),
		MethodVersion: strings.TrimSpace(version),
		Result:        strings.ToLower(pairs[0][1]),
		Props:         map[string]string{},
	}
	for _, p := range pairs[1:] {
		key := strings.ToLower(p[0])
		if key == "reason" {
			r.Reason = p[1]
			continue
		}
		if _, seen := r.Props[key]; !seen {
			r.Props[key] = p[1]
		}
	}
	return r, r.Method != "" && r.Result != ""
}

// pairUp turns "a = b c=d e" into [[a b] [c d]]; stray words are dropped.
func pairUp(toks []string) [][2]string {
	var out [][2]string
	for i := 0; i < len(toks); i++ {
		if toks[i] == "=" {
			continue
		}
		if i+1 < len(toks) && toks[i+1] == "=" {
			key, val := toks[i], ""
			i++ // the "="
			if i+1 < len(toks) && toks[i+1] != "=" && (i+2 >= len(toks) || toks[i+2] != "=") {
				i++
				val = toks[i]
			}
			out = append(out, [2]string{key, val})
		}
	}
	return out
}

func containsTok(toks []string, t string) bool {
	for _, x := range toks {
		if x == t {
			return true
		}
	}
	return false
}

// splitSegments removes comments and splits on ";" outside quoted strings.
// It always returns at least one segment.
func splitSegments(v string) []string {
	var segs []string
	var b strings.Builder
	depth, inQuote := 0, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case inQuote:
			b.WriteByte(c)
			if c == '\\' && i+1 < len(v) {
				i++
				b.WriteByte(v[i])
			} else if c == '"' {
				inQuote = false
			}
		case depth > 0:
			if c == '\\' {
				i++
			} else if c == '(' {
				depth++
			} else if c == ')' {
				depth--
				if depth == 0 {
					b.WriteByte(' ')
				}
			}
		case c == '(':
			depth++
		case c == '"':
			inQuote = true
			b.WriteByte(c)
		case c == ';':
			segs = append(segs, b.String())
			b.Reset()
		case c == '\r' || c == '\n' || c == '\t':
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return append(segs, b.String())
}

// tokenize splits a comment-free segment into words and "=" signs. A
// quoted string is unquoted and joined to adjacent non-space text, so
// "\"a b\"@example.com" is one word.
func tokenize(s string) []string {
	var toks []string
	var b strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			toks = append(toks, b.String())
			b.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			flush()
		case c == '=':
			flush()
			toks = append(toks, "=")
		case c == '"':
			inWord = true
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
		default:
			inWord = true
			b.WriteByte(c)
		}
	}
	flush()
	return joinDotted(toks)
}

// joinDotted repairs "header . d" and "dkim / 1" written with spaces
// around the dot of a property name or the slash of a method version
// (CFWS is allowed there by RFC 8601). A value (a word after "=") is
// never joined to what follows it.
func joinDotted(toks []string) []string {
	out := toks[:0]
	for _, t := range toks {
		n := len(out)
		if n > 0 && t != "=" && out[n-1] != "=" && (n < 2 || out[n-2] != "=") &&
			(endsJoin(out[n-1]) || startsJoin(t)) {
			out[n-1] += t
			continue
		}
		out = append(out, t)
	}
	return out
}

func endsJoin(t string) bool   { return strings.HasSuffix(t, ".") || strings.HasSuffix(t, "/") }
func startsJoin(t string) bool { return strings.HasPrefix(t, ".") || strings.HasPrefix(t, "/") }
