package message

import (
	"bytes"
	"strings"
)

// splitMultipart splits a multipart body at its boundary lines. A boundary
// line is "--boundary" at the start of a line followed only by whitespace
// (so that a boundary that is a prefix of another does not match), or the
// closing "--boundary--". It tolerates a missing boundary parameter (the
// boundary is guessed from the body) and a missing closing line (the last
// part runs to the end). It returns nil parts when no boundary is found.
func splitMultipart(body []byte, boundary string) ([][]byte, string) {
	warn := ""
	if boundary == "" {
		boundary = guessBoundary(body)
		if boundary == "" {
			return nil, "multipart without boundary: body kept as text"
		}
		warn = "multipart without boundary parameter: boundary guessed"
	}
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1 // start of the current part's content
	closed := false
	for pos := 0; pos < len(body); {
		i := bytes.Index(body[pos:], delim)
		if i < 0 {
			break
		}
		at := pos + i
		pos = at + len(delim)
		if at > 0 && body[at-1] != '\n' {
			continue
		}
		isClose, lineEnd, ok := boundaryLine(body, pos)
		if !ok {
			continue
		}
		if start >= 0 {
			parts = append(parts, trimPartEnd(body[start:at]))
		}
		if isClose {
			closed = true
			break
		}
		start = lineEnd
		pos = lineEnd
	}
	if start < 0 {
		return nil, "multipart boundary not found: body kept as text"
	}
	if !closed {
		last, glued := cutGluedClose(body[start:], delim)
		parts = append(parts, last)
		if warn == "" && !glued {
			warn = "multipart without closing boundary (truncated message?)"
		} else if warn == "" {
			warn = "multipart closing boundary not on a line of its own"
		}
	}
	return parts, warn
}

// cutGluedClose removes a closing delimiter written at the end of the last
// part's content instead of on a line of its own ("text--b--" at the very
// end of the body): the part ends there. Only the end of an unclosed
// multipart is looked at, so "--b--" inside text stays text.
func cutGluedClose(last, delim []byte) ([]byte, bool) {
	trimmed := bytes.TrimRight(last, " \t\r\n")
	closing := append(append([]byte{}, delim...), '-', '-')
	if !bytes.HasSuffix(trimmed, closing) {
		return last, false
	}
	return trimmed[:len(trimmed)-len(closing)], true
}

// boundaryLine checks what follows a delimiter at pos: "--" (closing), or
// only whitespace up to the end of the line. It returns where the next line
// starts.
func boundaryLine(body []byte, pos int) (isClose bool, lineEnd int, ok bool) {
	end := bytes.IndexByte(body[pos:], '\n')
	if end < 0 {
		end = len(body)
	} else {
		end += pos + 1
	}
	rest := body[pos:end]
	if bytes.HasPrefix(rest, []byte("--")) {
		return true, end, true
	}
	return false, end, len(bytes.TrimSpace(rest)) == 0
}

// trimPartEnd removes the line break that belongs to the next delimiter.
func trimPartEnd(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// guessBoundary returns the first "--token" line's token, for multiparts
// whose Content-Type lost its boundary parameter.
func guessBoundary(body []byte) string {
	for rest := body; len(rest) > 0; {
		var line []byte
		line, rest = cutLine(rest)
		l := strings.TrimSpace(string(line))
		if strings.HasPrefix(l, "--") && len(l) > 4 && !strings.ContainsAny(l, " \t") {
			return strings.TrimSuffix(l[2:], "--")
		}
	}
	return ""
}
