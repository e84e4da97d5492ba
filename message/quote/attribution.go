package quote

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// attributionEnd matches the end of an attribution: the verb of "wrote" in
// many languages, possibly followed by a date (German and Scandinavian
// Gmail put it after the verb), then ':' (or the "----" of Zoho's form).
var attributionEnd = regexp.MustCompile(`(?i)(?:\bwrote|\bwrites|\ba [ée]crit|\bschrieb|\bescribió|\bescribio|\bskrev|\bschreef|\bha scritto|\bscrisse|\bescreveu|\bnapisał(?:\(a\))?|\bnapisała|\bkirjoitti|написал(?:\(а\))?|написала|пише|\bírta|\bnapsal(?:\(a\))?|\byazdı|写道|寫道)(?:.{0,150}[:：]|[\s\p{Zs}]*-{2,})[\s\p{Zs}]*$`)

// dateAddressColon matches "30.09.2017, 18.30, "Name" <addr>:", the
// verb-less attribution of some clients.
var dateAddressColon = regexp.MustCompile(`^.{0,120}(?:\d{4}|\d{1,2}[:.]\d{2}).{0,120}<\s*[^<>\s]+@[^<>\s]+\s*>[:：]\s*$`)

// onWrote matches "On <date>, <name> wrote" without the colon.
var onWrote = regexp.MustCompile(`(?i)^\s*on\s.{5,300}\bwrote$`)

// addressLike makes a line plausible as an attribution, as does dateLike.
var addressLike = regexp.MustCompile(`[^\s<>@]+@[^\s<>@]+\.[\p{L}]{2,}`)

// dateLike reports whether s names a year or a time: what the regular
// expression \b(?:19|20)\d\d\b|\b\d{1,2}[:.]\d{2}\b matches (\b
// between an ASCII word character and anything else), found by walking
// the runs of digits: a year is a run of four starting 19 or 20; a time, a
// run of one or two, then ':' or '.', then a run of exactly two.
func dateLike(s string) bool {
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j := digitsEnd(s, i)
		if i == 0 || !isWordByte(s[i-1]) {
			switch n := j - i; {
			case n == 4 && (s[i:i+2] == "19" || s[i:i+2] == "20") && (j == len(s) || !isWordByte(s[j])):
				return true
			case (n == 1 || n == 2) && j < len(s) && (s[j] == ':' || s[j] == '.'):
				if k := digitsEnd(s, j+1); k-(j+1) == 2 && (k == len(s) || !isWordByte(s[k])) {
					return true
				}
			}
		}
		i = j
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isWordByte is \w of regular expressions: an ASCII letter, digit or '_'.
func isWordByte(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}

// digitsEnd is the end of the run of ASCII digits starting at i.
func digitsEnd(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// attributionStart matches words that open an attribution line.
var attributionStart = regexp.MustCompile(`(?i)^\s*(?:-{2,}\s*)?(?:on|le|am|el|den|op|il|em|w dniu|dnia|at|在|el día|dne|в|у)\s`)

// gmailDate matches Gmail's "2016-03-03 17:21 GMT+01:00 Name <addr>:"
// attribution and the "2013/7/20 Name <addr>" form.
var gmailDate = regexp.MustCompile(`^\s*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:\s+\d{1,2}:\d{2}(?:\s*GMT[+-]\d{2}:?\d{2})?)?\s+\S.*`)

// isAttributionAt reports how many lines starting at i form an attribution
// line ("On <date>, <name> wrote:"), possibly wrapped; 0 when none does.
func isAttributionAt(lines []string, i int) int {
	if i >= len(lines) {
		return 0
	}
	first := strings.TrimSpace(lines[i])
	if first == "" || strings.HasPrefix(first, ">") || !plausibleStart(first) {
		return 0
	}
	if endsLikeAttribution(first) && (attributionEnd.MatchString(first) || dateAddressColon.MatchString(first)) ||
		onWrote.MatchString(first) || isGmailDateLine(first) {
		return 1
	}
	if endsSentence(first) {
		return 0
	}
	joined := first
	for n := 2; n <= maxAttributionLines && i+n <= len(lines); n++ {
		raw := strings.TrimSpace(lines[i+n-1])
		if raw == "" {
			continue
		}
		if attributionStart.MatchString(raw) {
			return 0 // the attribution is a later line, not a wrap of this one
		}
		joined += " " + strings.TrimSpace(strings.TrimLeft(raw, ">"))
		if len(joined) > 400 {
			return 0
		}
		if strings.HasSuffix(joined, ":") || strings.HasSuffix(joined, "：") {
			if attributionEnd.MatchString(joined) || dateAddressColon.MatchString(joined) {
				return n
			}
			return 0
		}
	}
	return 0
}

// endsLikeAttribution is a cheap test for the ':' (or Zoho's "--") that
// ends every attribution form but one.
func endsLikeAttribution(s string) bool {
	s = strings.TrimRightFunc(s, unicode.IsSpace)
	return strings.HasSuffix(s, ":") || strings.HasSuffix(s, "：") || strings.HasSuffix(s, "-")
}

// plausibleStart reports whether line may open an attribution: it starts
// with an opener word ("On", "Le", "Am" …) or a digit, or names an address,
// a year or a time.
func plausibleStart(line string) bool {
	// An address needs an '@': most lines of a body have none, and skip
	// the regular expression.
	if attributionStart.MatchString(line) ||
		strings.IndexByte(line, '@') >= 0 && addressLike.MatchString(line) ||
		dateLike(line) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(line)
	return line != "" && unicode.IsDigit(r)
}

// endsSentence reports whether line ends like a sentence ("then.", "ok!")
// rather than like a wrapped date ("Fr., 28.").
func endsSentence(line string) bool {
	t := strings.TrimRight(line, ".!?")
	if t == line || t == "" {
		return false
	}
	r := []rune(t)
	return !unicode.IsDigit(r[len(r)-1])
}

// isGmailDateLine matches a date-first attribution: Gmail's ISO date with a
// GMT offset, or a date followed by an address.
func isGmailDateLine(line string) bool {
	if !gmailDate.MatchString(line) {
		return false
	}
	return strings.Contains(line, "GMT") || strings.Contains(line, "@") || strings.HasSuffix(line, ":")
}

// headerKeys are the field names of a quoted header block, lower-cased, in
// the languages Outlook and webmails use.
var headerKeys = map[string]bool{
	"from": true, "sent": true, "to": true, "subject": true, "date": true, "cc": true, "reply-to": true,
	"von": true, "gesendet": true, "an": true, "betreff": true, "datum": true, "kopie": true,
	"de": true, "envoyé": true, "à": true, "objet": true, "a": true, "date d'envoi": true, "répondre à": true,
	"fra": true, "sendt": true, "til": true, "emne": true, "dato": true,
	"från": true, "skickat": true, "till": true, "ämne": true, "datum:": true,
	"van": true, "verzonden": true, "aan": true, "onderwerp": true,
	"da": true, "inviato": true, "oggetto": true, "data": true, "risposta": true,
	"enviado": true, "para": true, "asunto": true, "fecha": true, "enviada em": true, "assunto": true,
	"od": true, "wysłano": true, "do": true, "temat": true,
	"от": true, "отправлено": true, "кому": true, "тема": true, "дата": true,
	"lähettäjä": true, "lähetetty": true, "vastaanottaja": true, "aihe": true,
	"sent by": true, "envoyé par": true, "envoyé le": true, "sujet": true, "copie à": true, "copie": true, "gesendet am": true,
}

// fromKeys are the keys that open a header block.
var fromKeys = map[string]bool{
	"from": true, "von": true, "de": true, "fra": true, "från": true, "van": true, "da": true,
	"od": true, "от": true, "lähettäjä": true,
}

// headerLine splits "*From:* Name" into its lower-cased key.
var headerLine = regexp.MustCompile(`^\s*[*_]*([\p{L}' -]{1,20}?)[*_]*\s*[:：]`)

// headerKey returns the known header key of line, or "".
func headerKey(line string) string {
	m := headerLine.FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	k := strings.ToLower(strings.TrimSpace(m[1]))
	if headerKeys[k] {
		return k
	}
	return ""
}

// isHeaderBlockAt reports whether an Outlook-style header block starts at
// line i: a From line followed by at least two other header fields among
// the next lines.
func isHeaderBlockAt(lines []string, i int) bool {
	if i >= len(lines) || !fromKeys[headerKey(lines[i])] {
		return false
	}
	seen := map[string]bool{}
	for j := i + 1; j < len(lines) && j <= i+8; j++ {
		if strings.TrimSpace(lines[j]) == "" {
			if len(seen) >= 2 {
				break
			}
			continue
		}
		if k := headerKey(lines[j]); k != "" {
			seen[k] = true
		}
	}
	return len(seen) >= 2
}
