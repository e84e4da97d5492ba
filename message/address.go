package message

import (
	netmail "net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/mail"
)

// emailPattern finds something shaped like an addr-spec inside junk.
var emailPattern = regexp.MustCompile(`[^\s<>()\[\],;:"'@]+(?:'[^\s<>()\[\],;:"'@]+)*@[^\s<>()\[\],;:"'@]+`)

// maxAddresses caps how many addresses one header field yields.
const maxAddresses = 1000

// ParseAddressList parses an address-list header value (From, To, Cc,
// Reply-To…), tolerating what real mail contains: unquoted dots and commas
// in names, missing angle brackets, RFC 2047 names in any charset, raw 8-bit
// names, junk around addresses. Entries without an addr-spec (groups, "undisclosed") are
// skipped; emails are lower-cased and duplicates dropped. It never fails: the
// worst case is an empty list.
func ParseAddressList(s string) []Address {
	if !utf8.ValidString(s) {
		s = toUTF8([]byte(s))
	}
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []Address
	if list, err := mail.ParseAddressList(s); err == nil {
		for _, a := range list {
			out = append(out, Address{Name: cleanName(a.Name), Email: addrSpec(a.Address)})
		}
	} else {
		for _, chunk := range splitAddressList(s) {
			if a, ok := parseAddressChunk(chunk); ok {
				out = append(out, a)
			}
		}
	}
	return normalizeAddresses(out)
}

// normalizeAddresses lower-cases emails, drops unusable and duplicate ones.
func normalizeAddresses(in []Address) []Address {
	seen := make(map[string]bool, len(in))
	out := make([]Address, 0, len(in))
	for _, a := range in {
		a.Email = strings.ToLower(strings.Trim(strings.TrimSpace(a.Email), "."))
		if !usableEmail(a.Email) || seen[a.Email] || len(out) >= maxAddresses {
			continue
		}
		seen[a.Email] = true
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// addrSpec writes an address as the parser returned it (its local part
// unquoted: `john smith@acme.com`, `ann@acme.com@evil.example`) as an
// addr-spec, quoting the local part where RFC 5322 needs it: `"john
// smith"@acme.com`, `"ann@acme.com"@evil.example`. The domain follows the
// last '@' (a domain has none).
func addrSpec(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || strings.ContainsAny(addr, "\r\n") {
		return addr
	}
	s := (&netmail.Address{Address: addr}).String() // <local@domain>, quoted where needed
	return strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
}

// usableEmail reports whether e has a non-empty local part and domain:
// a local part with no white space or angle brackets, or a quoted one
// (`"john smith"@acme.com`) with no line break or control character; a
// domain with neither white space, brackets nor quotes.
func usableEmail(e string) bool {
	at := strings.LastIndexByte(e, '@')
	if at <= 0 || at >= len(e)-1 || len(e) > 320 || strings.ContainsAny(e[at+1:], " \t\r\n<>\"") {
		return false
	}
	local := e[:at]
	if len(local) >= 2 && local[0] == '"' && local[len(local)-1] == '"' {
		inner := local[1 : len(local)-1]
		return strings.TrimSpace(strings.ReplaceAll(inner, `\`, "")) != "" &&
			!strings.ContainsFunc(inner, func(r rune) bool { return r < 0x20 || r == 0x7f })
	}
	return !strings.ContainsAny(local, " \t\r\n<>\"")
}

// splitAddressList splits at commas and semicolons outside quotes, angle
// brackets and comments.
func splitAddressList(s string) []string {
	var out []string
	depthAngle, depthParen, quoted := 0, 0, false
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<':
			depthAngle++
		case c == '>' && depthAngle > 0:
			depthAngle--
		case c == '(':
			depthParen++
		case c == ')' && depthParen > 0:
			depthParen--
		case (c == ',' || c == ';') && depthAngle == 0 && depthParen == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// parseAddressChunk reads one address from a chunk that net/mail refused.
func parseAddressChunk(chunk string) (Address, bool) {
	chunk = strings.TrimSpace(chunk)
	if a, err := mail.ParseAddress(chunk); err == nil {
		return Address{Name: cleanName(a.Name), Email: addrSpec(a.Address)}, true
	}
	chunk = removeComments(chunk, false)
	// Prefer an address inside angle brackets, then any addr-spec.
	email := ""
	name := chunk
	if lt := strings.LastIndexByte(chunk, '<'); lt >= 0 {
		inner := chunk[lt+1:]
		if gt := strings.IndexByte(inner, '>'); gt >= 0 {
			inner = inner[:gt]
		}
		email = emailPattern.FindString(inner)
		name = chunk[:lt]
	}
	if email == "" {
		email = emailPattern.FindString(chunk)
		name = strings.Replace(chunk, email, "", 1)
	}
	if email == "" {
		return Address{}, false
	}
	if i := strings.LastIndexByte(name, ':'); i >= 0 { // group "name: addr"
		name = name[i+1:]
	}
	name = strings.Trim(name, " \t\"'<>()")
	dec, _ := decodeHeaderText(name)
	return Address{Name: cleanName(dec), Email: email}, true
}

// cleanName trims quotes and whitespace around a display name and collapses
// inner whitespace.
func cleanName(n string) string {
	if !utf8.ValidString(n) { // an encoded word with bytes its charset lacks
		n = mixedUTF8([]byte(n))
	}
	n = strings.Join(strings.Fields(n), " ")
	n = strings.Trim(n, `"' `)
	return n
}
