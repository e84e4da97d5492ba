package autoreply

import (
	"regexp"
	"sort"
	"strings"
)

// Returned-message markers: the line where a bounce's own words end and
// the copy of the returned message begins.
var reReturnedStart = regexp.MustCompile(`(?im)^.*(` +
	`below this line is a copy of the message|this is a copy of the message|` +
	`copy of the original message|original message follows|original message headers|` +
	`-+ ?original message ?-+|header of the original message|returned message follows|` +
	`unsent message (follows|below)|message text follows|undelivered message follows|` +
	`content-type: message/rfc822|headers of the original message|original message header` +
	`).*$|^(received: ?(from|by) |return-path: *<|delivered-to: )`)

// returnedHints are phrases one of which every line matched by
// reReturnedStart contains, lower-cased: lines without any are not run
// through the regular expression. Each alternative of the expression
// contains one of them literally.
var returnedHints = []string{"copy of the", "original message", "returned message", "unsent message",
	"message text follows", "undelivered message", "content-type: message/rfc822", "received:",
	"return-path:", "delivered-to:"}

// findReturnedStart returns the position of the first line that starts
// the returned message, as reReturnedStart.FindStringIndex on the whole
// text would, one line at a time (a leading ".*" over a large text is
// slow).
func findReturnedStart(text string) []int {
	for off := 0; off < len(text); {
		end := strings.IndexByte(text[off:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += off
		}
		line := text[off:end]
		lower := strings.ToLower(line)
		for _, h := range returnedHints {
			if strings.Contains(lower, h) {
				if loc := reReturnedStart.FindStringIndex(line); loc != nil {
					return []int{off + loc[0], off + loc[1]}
				}
				break
			}
		}
		off = end + 1
	}
	return nil
}

// splitReturned cuts decoded bounce text into the report and the returned
// message quoted inline after it.
func splitReturned(text string) (report, returned string) {
	loc := findReturnedStart(text)
	if loc == nil {
		return text, ""
	}
	rest := text[loc[1]:]
	if text[loc[0]:loc[1]] != "" && looksLikeHeaderLine(text[loc[0]:loc[1]]) {
		rest = text[loc[0]:]
	}
	return text[:loc[0]], rest
}

func looksLikeHeaderLine(line string) bool {
	l := strings.ToLower(line)
	return strings.HasPrefix(l, "received:") || strings.HasPrefix(l, "return-path:") || strings.HasPrefix(l, "delivered-to:")
}

const addrPat = `[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+`

var (
	reAddr = regexp.MustCompile(addrPat)
	// Places where bounces name the failed recipient, by shape, in tiers:
	// the mentions of the first tier that finds any are used, so looser
	// shapes serve only when stricter ones find nothing.
	reRecipientTiers = [][]*regexp.Regexp{{
		regexp.MustCompile(`(?m)^[ \t*>-]*<?(` + addrPat + `)>?[ \t]*:?[ \t]*$`),      // address alone on a line, maybe a bullet
		regexp.MustCompile(`(?m)^[ \t]*<(` + addrPat + `)>[ \t]*:`),                   // qmail, Postfix: "<a@b>: host said"
		regexp.MustCompile(`(?m)^[ \t]*(` + addrPat + `):[ \t]`),                      // "a@b: reason"
		regexp.MustCompile(`(?m)^[ \t>*-]*<?(` + addrPat + `)>?[ \t]+(?:[<\[(]|on )`), // ">>> a@b <a@b>", "a@b [User unknown]", "a@b on <date>"
		regexp.MustCompile(`(?m)^[0-9. ]*<?(` + addrPat + `)>?\.\.\.[ \t]`),           // sendmail "550 <a@b>... User unknown"
	}, {
		regexp.MustCompile(`(?i)RCPT TO:[ \t]*<(` + addrPat + `)>`), // SMTP transcript
		regexp.MustCompile(`<?(` + addrPat + `)>?\.\.\.[ \t]`),      // sendmail, quoted in a transcript
	}, {
		regexp.MustCompile(`(?i)(?:recipient(?: address)?|user|destinataire|empfänger|to)s?[ \t]*:[ \t]*<?(` + addrPat + `)>?`), // labelled
		regexp.MustCompile(`(?i)(?:message|mail|delivery) to[ \t]+<?(` + addrPat + `)>?`),                                       // "Your message to a@b couldn't be delivered"
		regexp.MustCompile(`(?i)(?:address|recipient)[^\n]{0,40}?<(` + addrPat + `)>`),                                          // "The following address ... <a@b>"
		regexp.MustCompile(`(?m):[ \t]*<?(` + addrPat + `)>?[ \t]*$`),                                                           // "Mailbox full: a@b"
	}}
	reMailFrom = regexp.MustCompile(`(?i)MAIL FROM:[ \t]*<(` + addrPat + `)>`)
	reReply    = regexp.MustCompile(`(?:^|[^0-9.#-])(4[257][0-9]|5[0-5][0-9])(?:[ :-]|$)`)
)

// findAddr returns the first address in s, lower-cased.
func findAddr(s string) string {
	return strings.ToLower(reAddr.FindString(s))
}

type mention struct {
	email string
	pos   int
}

// textRecipients finds failed recipients in a bounce without a usable
// delivery-status part: X-Failed-Recipients, DSN fields quoted as text,
// then the shapes of common servers' plain-text bounces.
func textRecipients(h Header, m *walked) []BounceRecipient {
	report := m.text
	if rs := parseDSN(report); len(rs) > 0 && strings.Contains(strings.ToLower(report), "recipient:") {
		return rs
	}
	mentions := findMentions(report, notRecipients(h, m))
	var emails []string
	for _, v := range h.Values("X-Failed-Recipients") {
		for _, a := range reAddr.FindAllString(v, -1) {
			emails = appendNew(emails, strings.ToLower(a))
		}
	}
	if len(emails) == 0 {
		for _, mt := range mentions {
			emails = appendNew(emails, mt.email)
		}
	}
	var out []BounceRecipient
	for _, e := range emails {
		seg := segmentFor(report, e, mentions)
		status := firstStatus(seg)
		if status == "" {
			status = classFromText(seg+"\n"+report, "5.0.0")
			if c := reReply.FindStringSubmatch(seg); c != nil && c[1][0] != status[0] {
				status = string(c[1][0]) + ".0.0"
			}
		}
		out = append(out, finishRecipient(BounceRecipient{Email: e, Status: status, Diagnostic: diagnosticLine(seg)}, seg))
	}
	return out
}

// notRecipients lists addresses that appear in bounces but are not failed
// recipients: the bounce's sender, the returned message's sender, SMTP
// MAIL FROM arguments.
func notRecipients(h Header, m *walked) map[string]bool {
	not := map[string]bool{}
	add := func(v string) {
		for _, a := range reAddr.FindAllString(v, -1) {
			not[strings.ToLower(a)] = true
		}
	}
	add(h.Get("From"))
	if m.originalHeader != nil {
		add(m.originalHeader.Get("From"))
		add(m.originalHeader.Get("Return-Path"))
	}
	for _, mf := range reMailFrom.FindAllStringSubmatch(m.text, -1) {
		add(mf[1])
	}
	return not
}

// findMentions finds where the report names recipients, tier by tier
// (see reRecipientTiers), in the order they appear. A mention's position
// is the start of its line, where servers often put the status code.
func findMentions(report string, not map[string]bool) []mention {
	for _, tier := range reRecipientTiers {
		var ms []mention
		for _, re := range tier {
			for _, loc := range re.FindAllStringSubmatchIndex(report, -1) {
				e := strings.ToLower(report[loc[2]:loc[3]])
				line := strings.LastIndexByte(report[:loc[0]], '\n') + 1
				if !not[e] && !isSystemAddr(e) && !isIDLine(report[line:]) {
					ms = append(ms, mention{e, line})
				}
			}
		}
		if len(ms) > 0 {
			sort.SliceStable(ms, func(i, j int) bool { return ms[i].pos < ms[j].pos })
			return ms
		}
	}
	return nil
}

// isIDLine reports a header line carrying message ids, whose ids look
// like addresses.
func isIDLine(line string) bool {
	l := strings.ToLower(strings.TrimLeft(line, " \t>"))
	for _, p := range []string{"message-id", "in-reply-to", "references", "content-id", "x-message-id"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// isSystemAddr reports addresses of mail systems, never a failed recipient.
func isSystemAddr(e string) bool {
	local, _, _ := strings.Cut(e, "@")
	switch local {
	case "mailer-daemon":
		return true
	}
	return false
}

// segmentFor returns the report text about e: from its first mention to
// the next mention of another recipient; the whole report if e is not
// mentioned.
func segmentFor(report, e string, mentions []mention) string {
	start := -1
	for _, mt := range mentions {
		if start < 0 && mt.email == e {
			start = mt.pos
			continue
		}
		if start >= 0 && mt.email != e && mt.pos > start {
			return report[start:mt.pos]
		}
	}
	if start < 0 {
		// Lower-casing may change byte lengths outside ASCII: search a
		// copy only where it keeps them.
		lower := strings.ToLower(report)
		if i := strings.Index(lower, e); i >= 0 && len(lower) == len(report) {
			start = i
		} else if i := strings.Index(report, e); i >= 0 {
			start = i
		} else {
			return report
		}
	}
	return report[start:]
}

// diagnosticLine returns the first line of seg that carries an SMTP reply
// or status code, trimmed, as the server's words.
func diagnosticLine(seg string) string {
	for _, line := range strings.Split(seg, "\n") {
		if firstStatus(line) != "" || reReply.MatchString(line) {
			return strings.Join(strings.Fields(line), " ")
		}
	}
	return ""
}

// firstStatus returns the first enhanced status code of class 4 or 5 in s
// ("5.1.1"), ignoring dotted numbers that are longer (IP addresses).
func firstStatus(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '4' && c != '5' {
			continue
		}
		if i > 0 && (isDigit(s[i-1]) || s[i-1] == '.') {
			continue
		}
		j, ok := i+1, true
		for part := 0; part < 2 && ok; part++ {
			if j >= len(s) || s[j] != '.' {
				ok = false
				break
			}
			k := j + 1
			for k < len(s) && isDigit(s[k]) && k-j <= 3 {
				k++
			}
			ok = k > j+1 && k-j <= 4
			j = k
		}
		if !ok || (j < len(s) && isDigit(s[j])) || (j+1 < len(s) && s[j] == '.' && isDigit(s[j+1])) {
			continue
		}
		return s[i:j]
	}
	return ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

var (
	permanentWords = []string{"permanent", "fatal error", "user unknown", "unknown user", "no such user", "does not exist", "unrouteable"}
	temporaryWords = []string{"temporar", "delayed", "will retry", "will be retried", "will continue", "still trying",
		"deferred", "not yet been delivered", "retrying", "transient", "try again later"}
)

// classFromText guesses the status class of a failure from its words:
// "5.0.0" for permanent, "4.0.0" for temporary, def when unsure.
func classFromText(s, def string) string {
	l := strings.ToLower(s)
	for _, w := range permanentWords {
		if strings.Contains(l, w) {
			return "5.0.0"
		}
	}
	for _, w := range temporaryWords {
		if strings.Contains(l, w) {
			return "4.0.0"
		}
	}
	return def
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
