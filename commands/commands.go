// Package commands owns the email command block (access model I8): the
// lines at the top of a reply such as "#status solved" or "#cc +a@x.com",
// how they are parsed and validated, and who may use which (I8, P3).
//
// It is pure: it reads a body string and returns commands and the text that
// remains. It never fails as a whole: a malformed command carries its own
// Err, and a line that is not a command ends the block and stays text, so
// "#1 the printer" or "#hashtag" is never swallowed.
package commands

import (
	"errors"
	"fmt"
	"strings"
)

// The known command words (I8).
const (
	Note     = "note"
	Status   = "status"
	Assign   = "assign"
	Priority = "priority"
	Type     = "type"
	Org      = "org"
	CC       = "cc"
	Follow   = "follow"
	Team     = "team"
)

// Known reports whether word (lower-case) is a command word.
func Known(word string) bool {
	switch word {
	case Note, Status, Assign, Priority, Type, Org, CC, Follow, Team:
		return true
	}
	return false
}

// ErrMalformed is wrapped by every Command.Err: the command's arguments are
// missing, extra or not among the allowed values.
var ErrMalformed = errors.New("malformed command")

// Command is one line of the block. Name is the lower-cased command word;
// Args are its arguments, lower-cased (statuses, e-mail addresses and slugs
// are all case-insensitive). Line is the line as written, without its end.
// Err is non-nil, wrapping ErrMalformed, when the arguments are invalid;
// such a command must change nothing (I8).
type Command struct {
	Name string
	Args []string
	Line string
	Err  error
}

// ParseBlock splits body into its command block and the rest (I8). After
// any leading blank lines, the consecutive lines that begin with "#" and a
// known command word (case-insensitive, followed by a space or the line's
// end) form the block; the block ends at the first other line. When there
// is a block, rest is the body after it, without the blank lines that
// separated it; otherwise rest is body unchanged.
func ParseBlock(body string) (cmds []Command, rest string) {
	pos := 0
	for pos < len(body) {
		line, next := nextLine(body, pos)
		if strings.TrimSpace(Normalize(line)) == "" && cmds == nil {
			pos = next
			continue
		}
		cmd, ok := parseLine(line)
		if !ok {
			break
		}
		cmds = append(cmds, cmd)
		pos = next
	}
	if cmds == nil {
		return nil, body
	}
	for pos < len(body) { // drop blank lines between block and text
		line, next := nextLine(body, pos)
		if strings.TrimSpace(Normalize(line)) != "" {
			break
		}
		pos = next
	}
	return cmds, body[pos:]
}

// nextLine returns the line starting at pos, without "\n" or "\r\n", and
// the offset of the following line.
func nextLine(s string, pos int) (line string, next int) {
	end := strings.IndexByte(s[pos:], '\n')
	if end < 0 {
		return strings.TrimSuffix(s[pos:], "\r"), len(s)
	}
	return strings.TrimSuffix(s[pos:pos+end], "\r"), pos + end + 1
}

// parseLine reads one command line; ok is false when the line is text.
// The line is matched in its normalised form (Normalize), so that an
// invisible character or a fullwidth "＃" cannot hide a command.
func parseLine(line string) (Command, bool) {
	s := strings.TrimLeft(Normalize(line), " \t")
	if !strings.HasPrefix(s, "#") {
		return Command{}, false
	}
	fields := strings.Fields(s[1:])
	if len(fields) == 0 || !strings.HasPrefix(s[1:], fields[0]) {
		return Command{}, false // "#" alone, or "# status" with a space
	}
	name := strings.ToLower(fields[0])
	if !Known(name) {
		return Command{}, false
	}
	args := fields[1:]
	for i := range args {
		args[i] = strings.ToLower(args[i])
	}
	if len(args) == 0 {
		args = nil
	}
	return Command{Name: name, Args: args, Line: line, Err: validate(name, args)}, true
}

// validate checks a known command's arguments.
func validate(name string, args []string) error {
	switch name {
	case Note, Follow:
		if len(args) != 0 {
			return malformed(name, "takes no arguments")
		}
	case Status:
		return oneOf(name, args, "open", "pending", "solved", "closed")
	case Priority:
		return oneOf(name, args, "low", "normal", "high", "urgent")
	case Type:
		return oneOf(name, args, "question", "incident", "change", "problem")
	case Assign:
		if len(args) != 1 || (args[0] != "me" && !IsEmail(args[0])) {
			return malformed(name, "wants one staff e-mail address or me")
		}
	case Org:
		if len(args) != 1 || !IsSlug(args[0]) {
			return malformed(name, "wants one organisation slug (letters, digits and -)")
		}
	case CC:
		return validateCC(args)
	case Team:
		if len(args) != 1 || !IsSlug(args[0]) {
			return malformed(name, "wants one team slug, or none")
		}
	}
	return nil
}

func validateCC(args []string) error {
	if len(args) == 0 {
		return malformed(CC, "wants +address to add or -address to remove")
	}
	for _, a := range args {
		if len(a) < 2 || (a[0] != '+' && a[0] != '-') || !IsEmail(a[1:]) {
			return malformed(CC, fmt.Sprintf("%q is not +address or -address", a))
		}
	}
	return nil
}

func oneOf(name string, args []string, allowed ...string) error {
	if len(args) == 1 {
		for _, a := range allowed {
			if args[0] == a {
				return nil
			}
		}
	}
	return malformed(name, "wants one of "+strings.Join(allowed, "|"))
}

func malformed(name, why string) error {
	return fmt.Errorf("%w: #%s %s", ErrMalformed, name, why)
}

// IsEmail reports whether s looks like a bare address: one "@" with a
// non-empty local part and a dotted domain, no spaces or brackets.
//
// A quoted local part is one too (`"dot..dot"@cc.example`, issue 16.6):
// the domain is what follows the closing quote's "@".
func IsEmail(s string) bool {
	if strings.HasPrefix(s, `"`) {
		q := strings.LastIndexByte(s, '"')
		if q < 2 || q+1 >= len(s) || s[q+1] != '@' || strings.ContainsAny(s[1:q], "\"\r\n\t\\") {
			return false
		}
		s = "q" + s[q+1:] // judge the domain as for any address
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.Contains(domain, "@") || strings.ContainsAny(s, " \t<>(),;:\"[]") {
		return false
	}
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") &&
		!strings.HasSuffix(domain, ".") && !strings.Contains(domain, "..")
}

// IsSlug reports whether s has the shape of an organisation slug (O1):
// lower-case letters, digits and "-", not starting or ending with "-".
// Whether the slug is reserved or exists is for the caller to decide.
func IsSlug(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// Allowed reports whether a sender may use the command name (I8, P3,
// P4): staff (already proven, I9) may use every command; a proven requester
// only #org; anybody else none.
func Allowed(name string, isStaff, isProvenRequester bool) bool {
	switch {
	case !Known(name):
		return false
	case isStaff:
		return true
	case isProvenRequester:
		return name == Org
	}
	return false
}
