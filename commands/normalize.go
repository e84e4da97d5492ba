package commands

import (
	"strings"
	"unicode"
)

// Normalize prepares one line for matching against the command words (I8
// v3): invisible characters (byte-order mark U+FEFF, zero-width space and
// joiners U+200B–U+200D, word joiner U+2060, soft hyphen U+00AD) are
// removed, non-breaking and other Unicode spaces become a plain space, and a
// fullwidth "＃" (U+FF03) or small "﹟" (U+FE5F) counts as "#". The line a
// person wrote is kept elsewhere (Command.Line); this form is only matched.
func Normalize(line string) string {
	if isPlainASCII(line) {
		return line
	}
	var b strings.Builder
	b.Grow(len(line))
	for _, r := range line {
		switch {
		case invisible(r):
			continue
		case r == '\uFF03' || r == '\uFE5F':
			b.WriteByte('#')
		case r != '\n' && r != '\r' && unicode.IsSpace(r), unicode.Is(unicode.Zs, r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// invisible reports whether r is a character I8 removes before matching:
// the rule's list (U+FEFF, U+200B–U+200D, U+2060, U+00AD) belongs to
// Unicode's format characters (Cf), and so do the other invisible ones that
// could hide a "#" the same way (bidirectional marks, U+2061–U+2064), so
// the whole category is removed.
func invisible(r rune) bool { return unicode.Is(unicode.Cf, r) }

// isPlainASCII reports whether s holds only printable ASCII, tabs and line
// ends: nothing Normalize would change.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c >= 0x7f {
			return false
		}
	}
	return true
}
