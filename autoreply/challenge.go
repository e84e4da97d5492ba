package autoreply

import (
	"bytes"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// rePermanentFailure finds a permanent SMTP failure in a report's text: a
// 5xx reply code or a 5.x.x status.
var rePermanentFailure = regexp.MustCompile(`\b5\d\d[ -]|\b5\.\d{1,3}\.\d{1,3}\b`)

// Challenge-response and sender-verification requests (issue 16.4): a
// system that holds the mail until its sender proves to be a person
// (TMDA, Boxbe, Spam Arrest, Bluebottle, ChoiceMail, MailWasher,
// Mailinblack…) answers automatically, so the request is B1's automatic
// mail. It is never a bounce (B3): the recipient's address works, and
// taking the request for a bounce would stop every notification to a real
// customer. This holds when the request comes from MAILER-DAEMON or with
// a null return path; only a delivery report that says the mail failed
// for good (a 5.x.x status) stays a bounce, even if its words ask for a
// confirmation (see challengeDSN).

// challengeSignatures are words that only a challenge-response system
// writes: the product's own sentences or its name beside its request.
// Lower-case, spaces folded; matched in the report text outside quoted
// lines. Each is enough on its own.
var challengeSignatures = []string{
	"this account is protected by bluebottle",                                          // Bluebottle (BounceParser's bluebottle.msg)
	"add yourself to my boxbe guest list",                                              // Boxbe (boxbe-cr.msg)
	"listed on my boxbe guest list",                                                    // Boxbe's one-time confirmation (boxbe-cr2.msg)
	"sender not pre-approved",                                                          // Boxbe's Diagnostic-Code, also in its text
	"to control spam, i now allow incoming messages only from senders i have approved", // Spam Arrest
	"created automatically by mail delivery software (tmda)",                           // TMDA's confirm_request template
	"i am protecting myself from receiving junk mail",                                  // ChoiceMail
	"protected by mailwasher",
	"protected by mailinblack",
}

// challengePhrases are the generic words of a sender-verification request.
// A person may write them too ("the form says please confirm you are
// human"), so they count only on mail that is already plainly automatic:
// from a mail system (MAILER-DAEMON, postmaster), with a null return path,
// or with Precedence bulk or junk.
var challengePhrases = []string{
	"confirm that you are a human", "confirm you are a human", "confirm you are human",
	"verify that you are a human", "verify you are a human", "verify you are human",
	"prove that you are a human", "prove you are a human", "prove you are human",
	"confirm that you are a real person", "verify that you are a real person",
	"list of approved senders", "my approved senders", "my whitelist", "recipient's whitelist",
	"recipient's allowed list", "allowed senders list", "added to the whitelist",
	"requires confirmation", "verify your email address to deliver", "to complete this verification",
	"confirm your message", "confirm that you sent", "click the link below to deliver your message",
}

// challengeScanText bounds the text searched for a challenge's words: the
// request opens the message.
const challengeScanText = 8 << 10

// challengeMarker returns why a message is a challenge-response request
// (B1), or "": its headers or subject (challengeHeaderMarker), a TMDA
// confirmation address, a product's own words in text (the readable
// report, before any returned message), or generic verification words on
// mail that is already plainly automatic and reports no permanent SMTP
// failure (a 5xx reply or 5.x.x status: then it is a bounce).
func challengeMarker(h Header, text, envelopeFrom string) string {
	if why := challengeHeaderMarker(h); why != "" {
		return why
	}
	if tmdaConfirm(h) {
		return "challenge-response request (TMDA confirmation address)"
	}
	automatic := plainlyAutomatic(h, envelopeFrom)
	if !automatic && !mayHoldSignature(text) {
		return "" // no product's words, and the generic ones count only on automatic mail
	}
	return challengeInText(text, automatic)
}

// challengeInText is challengeMarker's reading of the text: a product's
// signature, or on automatic mail without a 5xx failure a generic phrase.
func challengeInText(text string, automatic bool) string {
	t := challengeText(text)
	if t == "" {
		return ""
	}
	for _, s := range challengeSignatures {
		if strings.Contains(t, s) {
			return "challenge-response request (" + s + ")"
		}
	}
	if !automatic || rePermanentFailure.MatchString(t) {
		return "" // a mail system's report of a 5xx rejection is a bounce
	}
	for _, s := range challengePhrases {
		if strings.Contains(t, s) {
			return "challenge-response request (" + s + ")"
		}
	}
	return ""
}

// plainlyAutomatic reports mail no person sends as such: from a mail
// system, with a null return path, or marked bulk or junk.
func plainlyAutomatic(h Header, envelopeFrom string) bool {
	if daemonSender(h.Get("From")) != "" || nullReturnPath(h, envelopeFrom) || strings.TrimSpace(h.Get("From")) == "<>" {
		return true
	}
	switch headerToken(h.Get("Precedence")) {
	case "bulk", "junk":
		return true
	}
	return false
}

// tmdaConfirm recognises a TMDA confirmation request: TMDA's agent header
// with a confirmation address (user-confirm-<cookie>@domain) to reply to.
// The agent header alone is not enough: TMDA users' ordinary mail carries
// it too.
func tmdaConfirm(h Header) bool {
	if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(h.Get("X-Delivery-Agent"))), "tmda") {
		return false
	}
	for _, k := range []string{"Reply-To", "From"} {
		for _, v := range h.Values(k) {
			as, err := mail.ParseAddressList(v)
			if err != nil {
				continue
			}
			for _, a := range as {
				local, _, _ := strings.Cut(strings.ToLower(a.Address), "@")
				if strings.Contains(local, "-confirm-") {
					return true
				}
			}
		}
	}
	return false
}

// signatureAnchors holds a word of each challenge signature that
// challengeText can only have made of the same ASCII letters, in either
// case, standing together in text: no space or apostrophe (challengeText
// makes those of other characters), and no i or k (the lower case of
// U+0130 and U+212A; no other character outside ASCII lower-cases to
// ASCII). The longest such word of each, to be rare in mail.
var signatureAnchors = func() [][]byte {
	var out [][]byte
	for _, s := range challengeSignatures {
		best := ""
		for _, w := range strings.Split(s, " ") {
			if len(w) > len(best) && !strings.ContainsAny(w, "'ik") && isASCII(w) {
				best = w
			}
		}
		if best == "" {
			panic("challenge signature without an anchor: " + s)
		}
		if !slices.ContainsFunc(out, func(a []byte) bool { return string(a) == best }) {
			out = append(out, []byte(best))
		}
	}
	return out
}()

// mayHoldSignature reports whether challengeText(text) may contain a
// challenge signature: false when the start of text it reads holds none
// of the signatures' anchors, in any ASCII case. It spares the folding of
// every ordinary message (issue 20.6); a true answer is checked on the
// folded text.
func mayHoldSignature(text string) bool {
	if len(text) > challengeScanText {
		text = text[:challengeScanText]
	}
	var buf [challengeScanText]byte // ASCII letters lower-cased, other bytes as they are
	lower := buf[:len(text)]
	for i := 0; i < len(text); i++ {
		c := text[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	for _, a := range signatureAnchors {
		if bytes.Contains(lower, a) {
			return true
		}
	}
	return false
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// challengeText is the start of text, lower-case, with quoted lines (">")
// dropped and white space folded, for matching challenge words: the
// kept lines joined by spaces, lower-cased as strings.ToLower does
// (invalid UTF-8 becoming U+FFFD), split and joined as strings.Fields and
// strings.Join do, with the curly apostrophes U+2018 and U+2019 made
// straight. One pass, one buffer.
func challengeText(text string) string {
	if len(text) > challengeScanText {
		text = text[:challengeScanText]
	}
	b := make([]byte, 0, len(text))
	space := false // a space is due before the next character written
	for rest := text; ; {
		line, more, found := strings.Cut(rest, "\n")
		if !strings.HasPrefix(strings.TrimSpace(line), ">") {
			b, space = foldLower(b, line, space)
			space = space || len(b) > 0 // the space after each kept line
		}
		if !found {
			break
		}
		rest = more
	}
	return string(b)
}

// foldLower appends line to b lower-cased, its runs of white space folded
// to one space and curly apostrophes straightened, for challengeText;
// space says a space is due before the next character, and is returned
// updated.
func foldLower(b []byte, line string, space bool) ([]byte, bool) {
	for i := 0; i < len(line); {
		c := line[i]
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(line[i:])
		}
		i += size
		if unicode.IsSpace(r) {
			space = len(b) > 0
			continue
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		switch {
		case r == '\u2018' || r == '\u2019':
			b = append(b, '\'')
		case r < utf8.RuneSelf:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b = append(b, byte(r))
		default:
			b = utf8.AppendRune(b, unicode.ToLower(r))
		}
	}
	return b, space
}

// challengeDSN reports a delivery report that is a challenge in disguise:
// Boxbe sends its requests as multipart/report with a delivery-status
// part (Action: failed, Status: 4.7.0, "Sender not pre-approved"). The
// report counts as a challenge when it names recipients, none of them
// failed for good (no 5.x.x), and the message carries a challenge's marks.
// A report with a permanent failure is a real bounce whatever its words.
func challengeDSN(h Header, m *walked, envelopeFrom string) bool {
	if len(m.dsnRecipients) == 0 {
		return false
	}
	for _, r := range m.dsnRecipients {
		if r.Hard || !strings.HasPrefix(r.Status, "4.") {
			return false
		}
	}
	return m.challenge(h, reportText(m), envelopeFrom) != ""
}

// reportText is the readable report with the diagnostics of its delivery
// status part, where Boxbe writes "Sender not pre-approved".
func reportText(m *walked) string {
	if len(m.dsnRecipients) == 0 {
		return m.text
	}
	var b strings.Builder
	b.WriteString(m.text)
	for _, r := range m.dsnRecipients {
		b.WriteString("\n")
		b.WriteString(r.Diagnostic)
	}
	return b.String()
}
