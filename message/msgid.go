package message

import (
	"strings"
)

// parseMsgIDList reads a list of message identifiers (In-Reply-To,
// References) tolerantly: ids in angle brackets are taken as written; text
// outside brackets yields the words that contain '@' (ids whose brackets were
// lost); comments, quoted strings and other junk between ids are skipped. Duplicates are dropped; each id is cut to MaxIDLength. The second
// result reports whether anything was cut.
func parseMsgIDList(v string) ([]string, bool) {
	var out []string
	seen := map[string]bool{}
	cut := false
	add := func(id string) {
		id = toUTF8([]byte(strings.Trim(strings.TrimSpace(id), `"'<>,;`)))
		if id == "" || strings.ContainsAny(id, " \t\r\n") {
			return
		}
		if len(id) > MaxIDLength {
			id, cut = truncate(id, MaxIDLength), true
		}
		if !seen[id] && len(out) < maxReferences {
			seen[id] = true
			out = append(out, id)
		} else if len(out) >= maxReferences {
			cut = true
		}
	}
	if strings.Count(v, `"`)%2 == 0 && strings.Count(v, "(") == strings.Count(v, ")") {
		v = stripComments(v) // balanced: drop comments and quoted strings
	}
	for len(v) > 0 {
		lt := strings.IndexByte(v, '<')
		if lt < 0 {
			addBareIDs(v, add)
			break
		}
		addBareIDs(v[:lt], add)
		v = v[lt+1:]
		gt := strings.IndexAny(v, "><")
		if gt < 0 || v[gt] == '<' {
			// Unterminated: take the word up to whitespace.
			end := strings.IndexAny(v, " \t\r\n<")
			if end < 0 {
				end = len(v)
			}
			add(v[:end])
			v = v[end:]
			continue
		}
		add(strings.Join(strings.Fields(v[:gt]), ""))
		v = v[gt+1:]
	}
	return out, cut
}

// addBareIDs passes the words of s that look like ids (contain '@').
func addBareIDs(s string, add func(string)) {
	s = stripComments(s)
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == ',' || r == ';' || r == '>' || r == '<'
	}) {
		if strings.Contains(w, "@") && !strings.HasSuffix(w, "@") && !strings.HasPrefix(w, "@") {
			add(w)
		}
	}
}

// stripComments removes (comments) and "quoted strings" from s.
func stripComments(s string) string { return removeComments(s, true) }

// removeComments removes (comments) from s, and "quoted strings" too when
// dropQuoted is set.
func removeComments(s string, dropQuoted bool) string {
	if !strings.ContainsAny(s, `("`) {
		return s
	}
	var b strings.Builder
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (quoted || depth > 0):
			if quoted && !dropQuoted {
				b.WriteByte(c)
				b.WriteByte(s[i+1])
			}
			i++
		case c == '"' && depth == 0:
			quoted = !quoted
			if !dropQuoted {
				b.WriteByte(c)
			}
		case quoted:
			if !dropQuoted {
				b.WriteByte(c)
			}
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// parseMessageID returns the canonical Message-ID: go-message's parse when
// it succeeds, else the raw value trimmed of whitespace and brackets. The
// second result reports that the id was malformed or cut.
func parseMessageID(raw string, parsed string) (string, string) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", ""
	}
	id := parsed
	warn := ""
	if id == "" {
		id = strings.TrimSpace(strings.Trim(raw, "<> \t"))
		if ids, _ := parseMsgIDList(raw); len(ids) == 1 && len(raw) <= MaxIDLength+2 {
			id = ids[0]
		}
		warn = "malformed Message-ID: kept the raw value"
	}
	id = toUTF8([]byte(strings.Join(strings.Fields(id), "")))
	if len(id) > MaxIDLength {
		id = truncate(id, MaxIDLength)
		warn = "Message-ID longer than 995 bytes: truncated"
	}
	return id, warn
}
