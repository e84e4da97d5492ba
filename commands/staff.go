package commands

import (
	"strings"
	"unicode"
)

// StaffText is what a proven staff member's own text holds (I8 v3): the
// commands found on any of its lines, whether it asks for an internal note,
// and the text left for the comment.
type StaffText struct {
	Commands []Command
	// Note is true when a line is "#note", or starts with "#note" followed
	// by anything ("#note:", "#note to self …"): the whole mail is then an
	// internal note (I7, R7).
	Note bool
	// Rest is the text without its command lines; what followed "#note" on
	// its line stays, as part of the note.
	Rest string
}

// ParseStaff reads a proven staff member's own text (quotes and signature
// already trimmed): every line that reads as a command, wherever it stands,
// is a command and is removed from the text (I8 v3). A line reads as a
// command when, after Normalize and leading spaces, it is "#" and a known
// command word (case-insensitive) followed by the end of the line or by
// anything that is not a letter or digit: "#status: solved" is a malformed
// #status (it changes nothing, is removed, and the sender is told),
// "#statuses" is text. A line that starts with "#note" is a note request
// whatever follows. So no line that reads as a staff command is ever sent
// to end-users as text.
func ParseStaff(body string) StaffText {
	var out StaffText
	var rest strings.Builder
	// A lone CR ends a line too where mail is shown, and so do the other
	// line breaks a client may draw (VT, FF, NEL, U+2028, U+2029): split
	// on them all.
	body = lineBreaks.Replace(strings.ReplaceAll(body, "\r\n", "\n"))
	pos := 0
	for pos < len(body) {
		line, next := nextLine(body, pos)
		end := body[pos+len(line) : next] // the line's own "\r\n" or "\n"
		pos = next
		norm := strings.TrimLeftFunc(Normalize(line), unicode.IsSpace)
		if after, ok := cutNote(norm); ok {
			out.Note = true
			out.Commands = append(out.Commands, Command{Name: Note, Line: line})
			if after != "" {
				rest.WriteString(after)
				rest.WriteString(end)
			}
			continue
		}
		if cmd, ok := staffLine(line, norm); ok {
			out.Commands = append(out.Commands, cmd)
			continue
		}
		rest.WriteString(line)
		rest.WriteString(end)
	}
	out.Rest = strings.TrimSpace(dropBlankRuns(rest.String()))
	return out
}

// lineBreaks turns every character a mail client may show as a line break
// into "\n".
var lineBreaks = strings.NewReplacer("\r", "\n", "\v", "\n", "\f", "\n", "\u0085", "\n", "\u2028", "\n", "\u2029", "\n")

// cutNote reports whether a normalised line starts with "#note"
// (case-insensitive), and returns what of it stays in the note: what
// follows, without the separating punctuation and spaces ("#note: rude"
// → "rude"), or, when a word goes on ("#notes from the call"), the line
// without its "#".
func cutNote(norm string) (string, bool) {
	if len(norm) < 5 || norm[0] != '#' || !strings.EqualFold(norm[1:5], Note) {
		return "", false
	}
	if len(norm) > 5 && (isWordByte(norm[5]) || norm[5] >= 0x80) {
		return strings.TrimSpace(norm[1:]), true
	}
	return strings.TrimSpace(strings.TrimLeft(norm[5:], ":;,.-–— \t")), true
}

// staffLine reads a normalised line as a staff command: "#", a known word,
// then the end or a character that is not a letter or digit.
func staffLine(line, norm string) (Command, bool) {
	if !strings.HasPrefix(norm, "#") {
		return Command{}, false
	}
	word := norm[1:]
	n := 0
	for n < len(word) && isWordByte(word[n]) {
		n++
	}
	name := strings.ToLower(word[:n])
	if !Known(name) {
		return Command{}, false
	}
	if n < len(word) && word[n] >= 0x80 { // a letter outside ASCII continues the word
		return Command{}, false
	}
	if cmd, ok := parseLine(line); ok {
		return cmd, true
	}
	// "#status: solved", "#assign:me": a command, malformed (I8).
	args := strings.Fields(strings.ToLower(word[n:]))
	return Command{Name: name, Args: args, Line: line, Err: malformed(name, "is not written as #"+name+" followed by a space and its arguments")}, true
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// dropBlankRuns collapses three or more line ends in a row, left where
// command lines were removed, into one blank line.
func dropBlankRuns(s string) string {
	for strings.Contains(s, "\n\n\n") {
		s = strings.ReplaceAll(s, "\n\n\n", "\n\n")
	}
	return s
}
