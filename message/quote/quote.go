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
//   - the signature delimiter "-- " and what follows.
//
// A "Sent from my iPhone"-style line (in several languages) below some text
// also ends the reply: mobile clients put it above the quoted message. Trim
// then drops a trailing block of ">" quoted lines (inline replies between
// quotes stay) and separator lines left at the end. Forwarded messages ("---------- Forwarded message
// ---------", "Begin forwarded message:") are content: nothing from the
// forward marker down is removed.
//
// How it fails: it cannot fail, but it can be wrong; it errs towards keeping
// text. When the whole text is quoted history, Trim returns "" and the caller
// decides whether to fall back to the full text.
package quote

import (
	"regexp"
	"strings"
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
	cut, forwarded := findCut(lines)
	for cut == 0 && len(lines) > 0 {
		n := isAttributionAt(lines, 0)
		if n == 0 {
			break
		}
		// The reply starts with an attribution: drop it and the quote
		// directly under it, and look again at what follows.
		lines = lines[skipQuoteBlock(lines, n):]
		lines = lines[nextNonBlank(lines, 0):]
		cut, forwarded = findCut(lines)
	}
	kept := lines[:cut]
	if !forwarded {
		kept = trimTrailingQuote(kept)
		kept = trimMobileSignature(kept)
	}
	kept = trimTrailingJunk(kept)
	for len(kept) > 0 && strings.TrimSpace(kept[0]) == "" {
		kept = kept[1:]
	}
	return strings.Join(kept, "\n")
}

// findCut returns the index of the first line of removable history, or
// len(lines). forwarded reports that scanning stopped at a forward marker.
func findCut(lines []string) (cut int, forwarded bool) {
	marker := strings.ToLower(ReplyMarker)
	for i, l := range lines {
		// Cheap guards keep the regular expressions off ordinary lines.
		hasPunct := strings.ContainsAny(l, "-:：")
		switch {
		case hasPunct && forwardMarker.MatchString(l):
			return len(lines), true
		case len(l) >= len(marker) && strings.Contains(strings.ToLower(l), marker):
			return i, false
		case i > 0 && len(l) < 120 && mobileSignature.MatchString(l):
			return i, false
		case isSignatureDelimiter(l),
			strings.Contains(l, "--") && originalMessage.MatchString(l),
			isAttributionAt(lines, i) > 0,
			hasPunct && isHeaderBlockAt(lines, i):
			return i, false
		case isSeparatorLine(l) && isHeaderBlockAt(lines, nextNonBlank(lines, i+1)):
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

// isSeparatorLine matches lines made only of -, _, =, * or ~ (3 or more).
func isSeparatorLine(l string) bool {
	t := strings.TrimSpace(l)
	return len(t) >= 3 && strings.Trim(t, "-_=*~—") == ""
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
		if t != "" && !strings.HasPrefix(t, ">") {
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
var mobileSignature = regexp.MustCompile(`(?i)^\s*(?:sent from my [\p{L}\p{N} \-]{1,40}|sent from (?:outlook|mail|yahoo mail|mailbox|gmail)[\p{L}\p{N} \-]{0,30}|get outlook for (?:ios|android)|envoyé de mon [\p{L}\p{N} \-]{1,40}|envoyé depuis (?:mon|ma) [\p{L}\p{N} \-]{1,40}|gesendet von [\p{L}\p{N} \-]{1,40}|envoyé à partir de [\p{L}\p{N} \-]{1,40}|von meinem [\p{L}\p{N} \-]{1,40} gesendet|enviado desde mi [\p{L}\p{N} \-]{1,40}|inviato da[l]? (?:mio )?[\p{L}\p{N} \-]{1,40}|verzonden (?:met|vanaf mijn) [\p{L}\p{N} \-]{1,40}|sendt fra min [\p{L}\p{N} \-]{1,40}|skickat från min [\p{L}\p{N} \-]{1,40}|enviado do meu [\p{L}\p{N} \-]{1,40})\.?\s*(?:<[^>]*>)?\s*$`)

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
