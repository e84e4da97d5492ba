// Package quote finds what a person actually wrote in an email reply, by
// cutting the quoted history, signatures and client boilerplate that follow
// it. It owns heuristics only: pure functions of text, no I/O.
//
// What Trim removes, from the first line where it appears down to the end:
//   - the helpdesk's own marker line containing "Reply above this line";
//   - an attribution line "On … wrote:" (also wrapped over several lines, and
//     its French, German, Spanish, Scandinavian, Dutch, Italian, Portuguese,
//     Polish, Russian, Ukrainian, Finnish, Chinese… forms);
//   - "-----Original Message-----" and its translations;
//   - an Outlook header block (From:/Sent:/To:/Subject:, also Von:/Gesendet:,
//     De:/Envoyé:, Fra:/Sendt:, Da:/Inviato:, Från:/Skickat: …);
//   - the signature delimiter "-- " and what follows;
//   - a separator line (---, ___, ===, ***, Gmail's lone "ᐧ") after a blank
//     line: what follows is a signature or a quoted header;
//   - a valediction ("Regards,", "Best regards") followed only by a few
//     short lines (name, title) to the end.
//
// A "Sent from my iPhone"-style line (in several languages) below some text
// also ends the reply: mobile clients put it above the quoted message. Trim
// then drops a trailing block of ">" quoted lines (inline replies between
// quotes stay) and separator lines left at the end. An attribution whose
// quote the writer answers below it (an inline reply with at least three
// lines of their own) is dropped alone and the rest kept. Text that is
// nothing but a quote opening with a quoted attribution is all history.
//
// A reply written between the quoted lines ("> question / answer / >
// question / answer", at least two quotes each answered) keeps each answer
// under the last paragraph of the quote it answers; its attribution, even
// at the top, and the quote no answer follows are dropped (the rule is in
// inline.go).
//
// Forwarded messages ("---------- Forwarded message ---------", "Begin
// forwarded message:") are content: nothing from the forward marker down is
// removed, unless the marker is inside a quote the writer answers below it
// (history they reply to).
//
// TrimHTML does the same on an HTML body with the markers clients put in
// their HTML (gmail_quote, divRplyFwdMsg, blockquote …), before the HTML is
// converted to text; Trim then finishes on the text. A reply answered
// between its blockquotes is left whole by TrimHTML, so that Trim applies
// the inline rule to its text as to the text form of the same reply.
//
// How it fails: it cannot fail, but it can be wrong; it errs towards keeping
// text. When the whole text is quoted history, Trim returns "" and the caller
// decides whether to fall back to the full text.
package quote

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ReplyMarker is the text of the line the helpdesk puts above quoted history
// in its notifications; Trim cuts from the line that contains it.
const ReplyMarker = "Reply above this line"

// maxAttributionLines is how many lines a wrapped attribution may span.
const maxAttributionLines = 5

// Trim returns what the person wrote in text, a plain-text email body,
// without the quoted history, signature and boilerplate below it.
func Trim(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	lines := strings.Split(text, "\n")
	lines = lines[nextNonBlank(lines, 0):]
	cut, forwarded := findReplyEnd(lines)
	for cut == 0 && len(lines) > 0 {
		n := isAttributionAt(lines, 0)
		if n == 0 {
			break
		}
		// The reply starts with an attribution: drop it and the quote
		// directly under it, and look again at what follows.
		lines = lines[skipQuoteBlock(lines, n):]
		lines = lines[nextNonBlank(lines, 0):]
		cut, forwarded = findReplyEnd(lines)
	}
	if cut == len(lines) && !forwarded && quotedHistoryOnly(lines) {
		return ""
	}
	kept := dropInlineAttributions(lines, cut)
	if !forwarded {
		kept = trimTrailingQuote(kept)
		kept = trimMobileSignature(kept)
	}
	kept = trimTrailingJunk(kept)
	if !forwarded && isInterleaved(kept) {
		kept = keepContext(kept)
	}
	for len(kept) > 0 && strings.TrimSpace(kept[0]) == "" {
		kept = kept[1:]
	}
	return strings.Join(kept, "\n")
}

// findReplyEnd is findCut, with the attribution at the top checked again
// against what is kept: whether the reply below it is interleaved depends
// on where the reply ends (a valediction or a signature below the last
// quote is not an answer). When it is not, the cut is that attribution.
func findReplyEnd(lines []string) (cut int, forwarded bool) {
	cut, forwarded = findCut(lines)
	if !forwarded && cut > 0 && isAttributionAt(lines, 0) > 0 && !isInlineReplyAt(lines[:cut], 0) {
		return 0, false
	}
	return cut, forwarded
}

// findCut returns the index of the first line of removable history, or
// len(lines). forwarded reports that scanning stopped at a forward marker.
func findCut(lines []string) (cut int, forwarded bool) {
	marker := strings.ToLower(ReplyMarker)
	for i, l := range lines {
		// Cheap guards keep the regular expressions off ordinary lines.
		hasPunct := strings.ContainsAny(l, "-:：")
		if hasPunct && forwardMarker.MatchString(l) && !isAnsweredQuoteAt(lines, i) {
			return len(lines), true
		}
		switch {
		case len(l) >= len(marker) && strings.Contains(strings.ToLower(l), marker):
			return i, false
		case i > 0 && len(l) < 120 && mobileSignature.MatchString(l):
			return i, false
		case isSignatureDelimiter(l),
			strings.Contains(l, "--") && originalMessage.MatchString(l),
			isAttributionAt(lines, i) > 0 && !isInlineReplyAt(lines, i),
			hasPunct && isHeaderBlockAt(lines, i):
			return i, false
		case isSeparatorLine(l) && isHeaderBlockAt(lines, nextNonBlank(lines, i+1)),
			isSeparatorLine(l) && (i == 0 || strings.TrimSpace(lines[i-1]) == ""),
			isValediction(lines, i):
			return i, false
		}
	}
	return len(lines), false
}

// isSignatureDelimiter matches "-- " (and "--", as clients strip the space).
func isSignatureDelimiter(l string) bool {
	return strings.TrimRight(l, " \t") == "--"
}

// forwardMarker matches the first line of a forwarded message.
var forwardMarker = regexp.MustCompile(`(?i)^[>\s]*(?:-{2,}\s*(?:forwarded message|original message follows|weitergeleitete nachricht|message transféré|mensaje reenviado|messaggio inoltrato|doorgestuurd bericht|videresendt melding|videresendt meddelelse|vidarebefordrat meddelande|mensagem encaminhada|пересылаемое сообщение)\s*-{2,}|begin forwarded message:|anfang der weitergeleiteten nachricht:|début du message réexpédié\s*:|inicio del mensaje reenviado:)`)

// originalMessage matches "-----Original Message-----" and translations.
var originalMessage = regexp.MustCompile(`(?i)^\s*[*_]*\s*-{2,}\s*(?:original message|ursprüngliche nachricht|originalnachricht|message d'origine|message original|mensaje original|messaggio originale|oorspronkelijk bericht|origineel bericht|originalmeddelande|opprinnelig melding|oprindelig meddelelse|original meddelelse|oprindelig besked|original besked|ursprungligt meddelande|alkuperäinen viesti|wiadomość oryginalna|oryginalna wiadomość|mensagem original|исходное сообщение|původní zpráva|eredeti üzenet)\s*-{2,}`)

// isSeparatorLine matches lines made only of -, _, =, *, ~, #, + (3 or
// more), "--" and Gmail's lone "ᐧ" tracking mark. After a blank line (so
// not a Markdown heading underline) it ends the reply: what follows is a
// signature or a quoted header.
func isSeparatorLine(l string) bool {
	t := strings.TrimSpace(l)
	if t == "ᐧ" || t == "--" {
		return true
	}
	return utf8.RuneCountInString(t) >= 2 && strings.Trim(t, "-_=*~—#+") == ""
}

// valediction matches a closing line ("Regards,", "Best regards") that
// opens a signature block.
var valediction = regexp.MustCompile(`(?i)^\s*(?:(?:best|kind|warm|warmest|many|with)\s+)?regards[,.!]?\s*$`)

// maxSignatureLines is how many short lines may follow a valediction for
// them to be taken as a signature.
const maxSignatureLines = 4

// isValediction reports whether line i is a valediction followed only by
// a few short lines (name, title) up to the end of the text.
func isValediction(lines []string, i int) bool {
	if i == 0 || len(lines[i]) > 30 || !valediction.MatchString(lines[i]) {
		return false
	}
	n := 0
	for _, l := range lines[i+1:] {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if n++; n > maxSignatureLines || len(t) > 60 {
			return false
		}
	}
	return true
}

func nextNonBlank(lines []string, i int) int {
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	return i
}

// trimTrailingQuote drops trailing ">" quoted and blank lines, unless the
// text is nothing but a quote.
func trimTrailingQuote(lines []string) []string {
	end := len(lines)
	for end > 0 {
		t := strings.TrimSpace(lines[end-1])
		if t != "" && !isQuoteLine(t) {
			break
		}
		end--
	}
	if end == 0 {
		return lines
	}
	return lines[:end]
}

// skipQuoteBlock returns the index after the attribution of n lines at the
// top and the quoted block (and blank lines) that follows it.
func skipQuoteBlock(lines []string, n int) int {
	i := n
	for i < len(lines) {
		t := strings.TrimSpace(lines[i])
		if t != "" && !strings.HasPrefix(t, ">") {
			break
		}
		i++
	}
	return i
}

// mobileSignature matches the one-line signatures of mobile clients.
var mobileSignature = regexp.MustCompile(`(?i)^\s*(?:sent from my [\p{L}\p{N} \-]{1,40}|sent from (?:outlook|mail|yahoo mail|mailbox|gmail|typeapp|bluemail|blue mail|aquamail|samsung mobile|windows mail)[\p{L}\p{N} \-]{0,30}|get outlook for (?:ios|android)|envoyé de mon [\p{L}\p{N} \-]{1,40}|envoyé depuis (?:mon|ma) [\p{L}\p{N} \-]{1,40}|gesendet von [\p{L}\p{N} \-]{1,40}|envoyé à partir de [\p{L}\p{N} \-]{1,40}|von meinem [\p{L}\p{N} \-]{1,40} gesendet|enviado desde mi [\p{L}\p{N} \-]{1,40}|inviato da[l]? (?:mio )?[\p{L}\p{N} \-]{1,40}|verzonden (?:met|vanaf mijn) [\p{L}\p{N} \-]{1,40}|sendt fra min [\p{L}\p{N} \-]{1,40}|skickat från min [\p{L}\p{N} \-]{1,40}|enviado do meu [\p{L}\p{N} \-]{1,40})\.?\s*(?:<[^>]*>|\(https?://[^)]*\))?\s*$`)

// trimMobileSignature drops trailing "Sent from my iPhone"-style lines.
func trimMobileSignature(lines []string) []string {
	for n := 0; n < 3; n++ {
		end := len(lines)
		for end > 0 && strings.TrimSpace(lines[end-1]) == "" {
			end--
		}
		if end <= 1 || !mobileSignature.MatchString(lines[end-1]) {
			return lines
		}
		lines = lines[:end-1]
	}
	return lines
}

// trimTrailingJunk drops trailing blank and separator lines.
func trimTrailingJunk(lines []string) []string {
	end := len(lines)
	for end > 0 {
		t := strings.TrimSpace(lines[end-1])
		if t != "" && !isSeparatorLine(t) {
			break
		}
		end--
	}
	return lines[:end]
}

// isQuoteLine matches a quoted line: "> text", and the "C>" style some
// clients prefix with the author's initials.
func isQuoteLine(t string) bool {
	if strings.HasPrefix(t, ">") {
		return true
	}
	i := strings.IndexByte(t, '>')
	if i <= 0 || i > 3 {
		return false
	}
	for _, r := range t[:i] {
		if !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

// isInlineReplyAt reports whether the attribution at line i introduces a
// quote that the writer answers below (an inline reply): a block of
// quoted lines followed by their own text. Such an attribution is dropped
// but what follows it is kept. Below an attribution at the top the reply
// must be interleaved (see inline.go): one quote with the reply below it
// is history followed by the reply. Elsewhere minInlineAnswerLines lines
// of the writer's own below the quote are enough; a wrapped line of the
// quote or a list footer is not an answer.
func isInlineReplyAt(lines []string, i int) bool {
	n := isAttributionAt(lines, i)
	j := nextNonBlank(lines, i+n)
	if j >= len(lines) || !isQuoteLine(strings.TrimSpace(lines[j])) {
		return false
	}
	blocks, answerLines := answers(lines, j, minAnsweredQuotes, minInlineAnswerLines)
	if i == 0 {
		return blocks >= minAnsweredQuotes
	}
	return blocks >= minAnsweredQuotes || answerLines >= minInlineAnswerLines
}

// minInlineAnswerLines is how many lines of their own a writer must put
// below a quote for it to be taken as an inline reply.
const minInlineAnswerLines = 3

// dropInlineAttributions returns lines[:cut] without the attribution
// lines of inline replies, judged on the whole text as findCut judged
// them: findCut did not cut there because the quote below is answered.
func dropInlineAttributions(lines []string, cut int) []string {
	var out []string
	for i := 0; i < cut; i++ {
		if n := isAttributionAt(lines, i); n > 0 && isInlineReplyAt(lines, i) {
			if out == nil {
				out = append([]string{}, lines[:i]...)
			}
			i += n - 1
			continue
		}
		if out != nil {
			out = append(out, lines[i])
		}
	}
	if out == nil {
		return lines[:cut]
	}
	return out
}

// quotedHistoryOnly reports whether the text is nothing but a quote that
// opens with a quoted attribution ("> On … wrote:"): history, no reply.
func quotedHistoryOnly(lines []string) bool {
	first := ""
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if !strings.HasPrefix(t, ">") {
			return false
		}
		if first == "" {
			first = strings.TrimSpace(strings.TrimLeft(t, "> "))
		}
	}
	return first != "" && isAttributionAt([]string{first}, 0) > 0
}
