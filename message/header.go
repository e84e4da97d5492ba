package message

import (
	"bufio"
	"bytes"

	"github.com/emersion/go-message/textproto"
)

// rawHeader is the result of reading a header block tolerantly.
type rawHeader struct {
	header  textproto.Header
	body    []byte
	fields  int      // valid header fields kept
	junk    int      // lines that were neither fields nor continuations
	warning []string // what was repaired
}

// readHeader splits raw into a header and a body without ever failing: lines
// that are not header fields are dropped (or, when no field follows them, are
// taken as the start of a body that lacks its blank separator line). When
// top is set, a leading mbox "From " line is skipped. Raw 8-bit text that
// is not UTF-8 is read by hc (nil: as UTF-8 or Windows-1252 later).
func readHeader(raw []byte, top bool, hc *headerCharsets) rawHeader {
	var rh rawHeader
	var clean bytes.Buffer
	rest := raw
	if top {
		rest = skipLeadingJunk(rest)
	}
	inField := false
	first := true
	for len(rest) > 0 {
		line, next := cutLine(rest)
		content := bytes.TrimRight(line, "\r\n")
		switch {
		case len(bytes.TrimSpace(content)) == 0:
			rh.body = next
			rh.header = buildHeader(clean.Bytes(), &rh, hc)
			return rh
		case first && top && bytes.HasPrefix(content, []byte("From ")):
			// mbox separator line.
		case first && top && (content[0] == ' ' || content[0] == '\t') && isFieldLine(bytes.TrimLeft(content, " \t")):
			// A header whose first line is indented.
			clean.Write(bytes.TrimLeft(content, " \t"))
			clean.WriteString("\r\n")
			rh.fields++
			inField = true
			rh.warning = append(rh.warning, "header starts with whitespace")
		case (content[0] == ' ' || content[0] == '\t') && inField:
			clean.Write(content)
			clean.WriteString("\r\n")
		case isFieldLine(content):
			clean.Write(content)
			clean.WriteString("\r\n")
			rh.fields++
			inField = true
		default:
			if rh.fields == 0 || !nextIsField(next) {
				// Body without a blank separator line.
				if rh.fields > 0 {
					rh.warning = append(rh.warning, "header not followed by a blank line")
				}
				rh.body = rest
				rh.header = buildHeader(clean.Bytes(), &rh, hc)
				return rh
			}
			rh.junk++
			inField = false
		}
		first = false
		rest = next
	}
	rh.header = buildHeader(clean.Bytes(), &rh, hc)
	return rh
}

// skipLeadingJunk drops a byte-order mark and blank or whitespace-only
// lines before the first header line.
func skipLeadingJunk(b []byte) []byte {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	for len(b) > 0 {
		line, next := cutLine(b)
		if len(bytes.TrimSpace(line)) != 0 {
			break
		}
		b = next
	}
	return b
}

// buildHeader parses the cleaned header lines with go-message's reader,
// after hc has read their raw 8-bit text.
func buildHeader(clean []byte, rh *rawHeader, hc *headerCharsets) textproto.Header {
	if rh.junk > 0 {
		rh.warning = append(rh.warning, "dropped malformed header lines")
	}
	clean, warn := hc.upgrade(clean)
	if warn != "" {
		rh.warning = append(rh.warning, warn)
	}
	buf := make([]byte, 0, len(clean)+2)
	buf = append(buf, clean...)
	buf = append(buf, '\r', '\n')
	// A reader's buffer the size of the header, not bufio's 4 KB: a
	// part's header is often a tenth of that, and ReadHeader's lines are
	// not bounded by the buffer.
	h, err := textproto.ReadHeader(bufio.NewReaderSize(bytes.NewReader(buf), len(buf)))
	if err != nil {
		rh.warning = append(rh.warning, "header: "+err.Error())
	}
	return h
}

// cutLine returns the first line of b including its newline, and the rest.
func cutLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil
	}
	return b[:i+1], b[i+1:]
}

// nextIsField reports whether the first line of b is a header field.
func nextIsField(b []byte) bool {
	line, _ := cutLine(b)
	return isFieldLine(bytes.TrimRight(line, "\r\n"))
}

// isFieldLine reports whether line looks like "Key: value" with a valid
// RFC 5322 field name (spaces before the colon are tolerated).
func isFieldLine(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i <= 0 || i > 200 {
		return false
	}
	key := bytes.TrimRight(line[:i], " \t")
	if len(key) == 0 {
		return false
	}
	for _, c := range key {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}
