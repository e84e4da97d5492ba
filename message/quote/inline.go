package quote

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Inline replies (issue 16.5).
//
// A writer who answers between the quoted lines ("> question / answer /
// > question / answer") writes an interleaved reply. The rule:
//
//   - A quoted block is a run of quoted lines (">", "> >", "C>"), with the
//     blank lines inside it and the unquoted remainders of quoted lines a
//     client wrapped (see isWrappedRemainder).
//   - An answer is a line of the writer's own below a quoted block, up to
//     the first line that ends a reply (a signature delimiter, a separator,
//     an attribution, a quoted header block, "-----Original Message-----",
//     a mobile signature, the helpdesk's reply marker: see endsReply). A
//     closing valediction ("Regards," and a name, with only quotes below)
//     answers no quote (isClosing).
//   - The reply is interleaved when at least two quoted blocks are each
//     followed by an answer (minAnsweredQuotes).
//
// In an interleaved reply Trim keeps the writer's answers and, above each
// answer, the last paragraph of the quoted block it answers (at most
// maxContextRunes of it), never a quoted attribution, "Name wrote:" line,
// signature or list footer; it drops the attribution line ("On … wrote:",
// or a bare "Name wrote:") that opens a quote, even at the top, and the
// quoted block that no answer follows (the rest of the history, list
// footers). Everything else Trim does is unchanged: the signature and
// markers below the last answer are cut as in any reply. A forward marker
// inside a quote the writer answers is history, not a forward.
//
// A reply that is not interleaved keeps its earlier rules: an attribution
// at the top with one quote and the answer below it (a bottom post) is
// history followed by the reply, and only the reply is kept; a quote
// between the writer's lines without an attribution stays whole.
//
// TrimHTML leaves a quote the writer answers below in place (see
// htmlDoc.answeredBelow), so that the HTML form of a reply reaches Trim
// as text with its answers, and the same rule applies to both forms.

// minAnsweredQuotes is how many quoted blocks must each be followed by an
// answer for a reply to be interleaved.
const minAnsweredQuotes = 2

// maxContextRunes bounds the quoted context kept above each answer of an
// interleaved reply: the last paragraph of the quoted block, or its last
// lines within this many characters (at least one line). A paragraph does
// not depend on how a client wrapped the lines, so the text and the HTML
// form of the same reply keep the same context.
const maxContextRunes = 400

// wrapWidth is the line length clients wrap quoted text at (72 to 80
// characters with the "> " markers): a quoted line followed by a word that
// would have fitted on it was not wrapped there.
const wrapWidth = 72

// quoteText returns a quoted line without its markers ("> > text" is "text").
func quoteText(t string) string {
	t = strings.TrimSpace(t)
	if !strings.HasPrefix(t, ">") {
		if i := strings.IndexByte(t, '>'); i > 0 && isQuoteLine(t) {
			t = t[i:] // "C> text"
		}
	}
	return strings.TrimSpace(strings.TrimLeft(t, "> \t"))
}

// isWrappedRemainder reports whether line i, not quoted, is the rest of
// the quoted line above it that a client wrapped without a ">" (crisp's
// email_7: "> … Nullam pharetra d" / "ignissim odio?"): it starts with a
// lower-case letter, as the middle of a sentence does, and its first word
// would not have fitted on the quoted line. An answer starts its own
// sentence, or sits under a line with room left ("> short?" / "ditto").
func isWrappedRemainder(lines []string, i int) bool {
	if i == 0 {
		return false
	}
	prev := strings.TrimRight(lines[i-1], " \t")
	if !isQuoteLine(strings.TrimSpace(prev)) {
		return false
	}
	t := strings.TrimSpace(lines[i])
	r, _ := utf8.DecodeRuneInString(t)
	if !unicode.IsLower(r) {
		return false
	}
	word, _, _ := strings.Cut(t, " ")
	return utf8.RuneCountInString(prev)+1+utf8.RuneCountInString(word) > wrapWidth
}

// endsReply reports whether line j ends what a writer answers: a
// signature, a separator, an attribution, a quoted header block, an
// "Original Message" line or the helpdesk's reply marker. Below it is
// history or a signature.
func endsReply(lines []string, j int) bool {
	l := lines[j]
	return isSignatureDelimiter(l) || isSeparatorLine(l) || isAttributionAt(lines, j) > 0 ||
		isHeaderBlockAt(lines, j) || mobileSignature.MatchString(l) || originalMessage.MatchString(l) ||
		strings.Contains(strings.ToLower(l), strings.ToLower(ReplyMarker))
}

// isClosing reports whether line j is a valediction ("Regards,") with at
// most a few short lines of the writer's below it, up to the end or a
// signature: quoted lines below it (a quote left under the signature) do
// not make it an answer.
func isClosing(lines []string, j int) bool {
	if j == 0 || len(lines[j]) > 30 || !valediction.MatchString(lines[j]) {
		return false
	}
	n := 0
	for _, l := range lines[j+1:] {
		t := strings.TrimSpace(l)
		switch {
		case t == "" || isQuoteLine(t):
		case isSignatureDelimiter(l):
			return true
		default:
			if n++; n > maxSignatureLines || len(t) > 60 {
				return false
			}
		}
	}
	return true
}

// answers counts, from line from on, the quoted blocks followed by an
// answer and the answer lines below a quote, up to the first line that
// ends the reply. A closing valediction ("Regards," and a name, see
// isClosing) answers no quote: after it lines are still counted, blocks
// no longer; nor does the wrapped remainder of a quoted line, counted as a
// line as the minInlineAnswerLines rule always did. It stops early once
// both counts reach their limits.
func answers(lines []string, from, maxBlocks, maxLines int) (blocks, answerLines int) {
	pending := false // a quoted block is waiting for its answer
	closed := false  // past the writer's closing valediction
	for j := from; j < len(lines) && (blocks < maxBlocks || answerLines < maxLines); j++ {
		t := strings.TrimSpace(lines[j])
		switch {
		case t == "":
		case isQuoteLine(t):
			pending = true
		case !pending && answerLines == 0 && blocks == 0:
			// text above the first quote is not an answer
		case isWrappedRemainder(lines, j):
			answerLines++ // counted as before issue 16.5, but it answers no quote
		case endsReply(lines, j):
			return blocks, answerLines
		default:
			closed = closed || isClosing(lines, j)
			answerLines++
			if pending && !closed {
				blocks++
			}
			pending = false
		}
	}
	return blocks, answerLines
}

// isInterleaved reports whether lines hold an interleaved reply.
func isInterleaved(lines []string) bool {
	first := -1
	for i, l := range lines {
		if isQuoteLine(strings.TrimSpace(l)) {
			first = i
			break
		}
	}
	if first < 0 {
		return false
	}
	blocks, _ := answers(lines, first, minAnsweredQuotes, 0)
	return blocks >= minAnsweredQuotes
}

// keepContext shortens each quoted block of an interleaved reply to the
// context of the answer below it (see maxContextRunes) and drops the
// "… wrote:" lines that open a quoted block. The writer's lines are kept
// as they are.
func keepContext(lines []string) []string {
	out := make([]string, 0, len(lines))
	for i := 0; i < len(lines); {
		if !isQuoteLine(strings.TrimSpace(lines[i])) {
			if !opensQuote(lines, i) {
				out = append(out, lines[i])
			}
			i++
			continue
		}
		end := quoteBlockEnd(lines, i)
		quoted := lines[i : i+quotedSignature(lines[i:end])]
		for len(quoted) > 0 && quoteText(quoted[len(quoted)-1]) == "" {
			quoted = quoted[:len(quoted)-1] // blank quoted lines below the context
		}
		if len(quoted) > 0 {
			out = append(out, withoutAttributions(quoted[contextStart(quoted, 0, len(quoted)):])...)
		}
		i = end
	}
	return out
}

// opensQuote reports whether line i is a short "… wrote:" line directly
// above a quoted block: an attribution, also in the bare "Name wrote:"
// form of Thunderbird and Evolution that isAttributionAt does not take on
// its own.
func opensQuote(lines []string, i int) bool {
	if !isWroteLine(strings.TrimSpace(lines[i])) {
		return false
	}
	j := nextNonBlank(lines, i+1)
	return j < len(lines) && isQuoteLine(strings.TrimSpace(lines[j]))
}

// quotedSignature returns the index in the quoted block of its quoted
// signature: a valediction ("Regards,") with a few short lines, or a "-- "
// line and what follows (a signature, a list footer); len(block) when it
// has none. A signature is never what the writer answers.
func quotedSignature(block []string) int {
	texts := make([]string, len(block))
	for i, l := range block {
		texts[i] = quoteText(l)
		if isSignatureDelimiter(texts[i]) {
			texts = texts[:i]
			break
		}
	}
	for i := range texts {
		if isValediction(texts, i) {
			return i
		}
	}
	return len(texts)
}

// isWroteLine reports whether l is a short line ending like an
// attribution ("Jane Doe wrote:", "… schrieb:").
func isWroteLine(l string) bool {
	return l != "" && len(l) <= maxAttributionBytes && endsLikeAttribution(l) && attributionEnd.MatchString(l)
}

// withoutAttributions returns the quoted lines of a context without the
// quoted attributions ("> On … wrote:") among them, and nothing when only
// blank quoted lines are left: an attribution names the author of the
// quote, not what the writer answers.
func withoutAttributions(quoted []string) []string {
	texts := make([]string, len(quoted))
	for i, l := range quoted {
		texts[i] = quoteText(l)
	}
	var out []string
	content := false
	for i := 0; i < len(quoted); i++ {
		if n := isAttributionAt(texts, i); n > 0 {
			i += n - 1
			continue
		}
		if isWroteLine(texts[i]) {
			continue
		}
		out = append(out, quoted[i])
		content = content || texts[i] != ""
	}
	if !content {
		return nil
	}
	return out
}

// quoteBlockEnd returns the index after the quoted block starting at i:
// quoted lines, wrapped remainders, and blank lines followed by more
// quoted lines.
func quoteBlockEnd(lines []string, i int) int {
	end := i
	for j := i; j < len(lines); j++ {
		t := strings.TrimSpace(lines[j])
		switch {
		case isQuoteLine(t), t != "" && isWrappedRemainder(lines, j):
			end = j + 1
		case t == "":
		default:
			return end
		}
	}
	return end
}

// contextStart returns where the context kept from the quoted block
// lines[start:end], which ends with a line of text, begins: the first line
// of its last paragraph, moved down while the paragraph is longer than
// maxContextRunes (its last line is always kept).
func contextStart(lines []string, start, end int) int {
	last := end - 1
	first, runes := last, 0
	for j := last; j >= start; j-- {
		text := quoteText(lines[j])
		if text == "" {
			break // the line above the paragraph
		}
		if runes += utf8.RuneCountInString(text); runes > maxContextRunes && j < last {
			break
		}
		first = j
	}
	return first
}

// isAnsweredQuoteAt reports whether line i is quoted and the writer
// answers below the quote it belongs to: a forward marker there is history
// the writer replies to, not a message they forward.
func isAnsweredQuoteAt(lines []string, i int) bool {
	if !isQuoteLine(strings.TrimSpace(lines[i])) {
		return false
	}
	blocks, _ := answers(lines, i, 1, 0)
	return blocks > 0
}
