package autoreply

import (
	"mime"
	"strings"
)

// autoReplyHeaders are headers whose presence (with any value but "no")
// marks an auto-responder's reply (B1). X-Auto-Response-Suppress is not
// among them: it asks others not to auto-reply and is set by ordinary
// Outlook mail. Neither is X-MS-Exchange-Inbox-Rules-Loop: it marks mail a
// user's rule forwarded, which is often a person's mail sent on to us.
var autoReplyHeaders = []string{
	"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Autoresponse",
	"X-Mail-Autoreply", "X-Autoreply-From", "X-Vacation",
}

// challengeHeaders mark a challenge-response system's request that the
// sender prove they are a person (Boxbe, TMDA, SpamArrest, Mailinblack…):
// automatic mail, never a ticket (B1).
var challengeHeaders = []string{"X-Boxbe-Pending", "X-TMDA-Confirm", "X-Spamarrest-Noauth", "X-Mib-Challenge", "X-Challenge-Response"}

// challengeSubjects are subject openings of challenge-response requests,
// lower-case, matched like autoReplySubjects.
var challengeSubjects = []string{
	"please confirm your message", "please confirm your e-mail", "please confirm your email",
	"confirmation required", "confirm your message", "please verify your email",
	"your message is pending", "message pending approval", "sender verification",
	"verify your email address to deliver", "awaiting your confirmation",
}

// autoReplySubjects are subject openings of out-of-office and vacation
// replies, lower-case. They match the whole subject or its start when
// followed by ":" (so "Autoreply: Printer" but not "Automatic reply setup
// is broken").
var autoReplySubjects = []string{
	"out of office autoreply", "out of office auto reply", "out of office reply",
	"out of office", "out of the office", "automatic reply", "auto reply", "auto-reply",
	"autoreply", "auto response", "auto-response", "autoresponse", "automated reply",
	"auto", "vacation", "on vacation", "away from the office", "abwesenheitsnotiz",
	"automatische antwort", "abwesend", "réponse automatique", "reponse automatique",
	"absence", "fravær", "fraværsmelding", "frånvaro", "frånvarande", "automatiskt svar",
	"automatisk svar", "automatisk besked", "respuesta automática", "respuesta automatica",
	"fuera de la oficina", "risposta automatica", "fuori ufficio", "automatisch antwoord",
	"afwezig", "resposta automática", "resposta automatica", "ausente",
	"automatyczna odpowiedź", "automaattinen vastaus", "poissa", "自動応答", "自動返信", "不在",
}

// autoReplyMarker returns why h is an auto-reply (B1), or "".
func autoReplyMarker(h Header) string {
	if v := headerToken(h.Get("Auto-Submitted")); v != "" && v != "no" {
		return "Auto-Submitted: " + v
	}
	for _, k := range autoReplyHeaders {
		if v := headerToken(h.Get(k)); v != "" && v != "no" && v != "false" {
			return k + " header"
		}
		if len(h.Values(k)) > 0 && h.Get(k) == "" {
			return k + " header"
		}
	}
	if v := headerToken(h.Get("Precedence")); v == "auto_reply" {
		return "Precedence: auto_reply"
	}
	if s := autoReplySubject(decodeHeader(h.Get("Subject"))); s != "" {
		return "subject of an automatic reply (" + s + ")"
	}
	return challengeHeaderMarker(h)
}

// challengeHeaderMarker returns why h is a challenge-response request by
// its headers or subject, or "" (challengeMarker reads the text too).
func challengeHeaderMarker(h Header) string {
	for _, k := range challengeHeaders {
		if len(h.Values(k)) > 0 {
			return "challenge-response request (" + k + " header)"
		}
	}
	if s := subjectOpening(decodeHeader(h.Get("Subject")), challengeSubjects); s != "" {
		return "challenge-response request (subject " + s + ")"
	}
	return ""
}

// autoReplySubject returns the matched opening of an auto-reply subject.
func autoReplySubject(subject string) string { return subjectOpening(subject, autoReplySubjects) }

// subjectOpening returns the opening of openings that subject is, or starts
// with before ":" or "(", or "".
func subjectOpening(subject string, openings []string) string {
	s := strings.ToLower(strings.Join(strings.Fields(subject), " "))
	for _, p := range openings {
		rest, ok := strings.CutPrefix(s, p)
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		if rest == "" || rest[0] == ':' || rest[0] == '(' {
			return p
		}
	}
	return ""
}

// listMarker returns why h is list or bulk mail (B1, RFC 3834), or "".
func listMarker(h Header) string {
	if strings.TrimSpace(h.Get("List-Id")) != "" {
		return "List-Id header"
	}
	switch v := headerToken(h.Get("Precedence")); v {
	case "list", "bulk", "junk":
		return "Precedence: " + v
	}
	return ""
}

// bounceSubjects are subject fragments of mail systems' bounces, lower-case.
var bounceSubjects = []string{
	"undeliver", "undelivered mail", "delivery status notification", "delivery failure",
	"mail delivery failed", "delivery has failed", "failure notice", "returned mail",
	"could not be delivered", "not delivered", "delivery failed", "nicht zustellbar",
	"unzustellbar", "non remis", "non distribuable", "mail system error",
	"delivery problem", "delivery notification", "rejected:", "warning: could not send",
}

// looksLikeBounce reports a subject that mail systems give bounces.
func looksLikeBounce(h Header) bool {
	s := strings.ToLower(decodeHeader(h.Get("Subject")))
	for _, b := range bounceSubjects {
		if strings.Contains(s, b) {
			return true
		}
	}
	return false
}

// headerToken lower-cases a header value and keeps what precedes any ";"
// or comment: "auto-replied; owner-email=..." gives "auto-replied".
func headerToken(v string) string {
	v, _, _ = strings.Cut(v, ";")
	v, _, _ = strings.Cut(v, "(")
	return strings.ToLower(strings.TrimSpace(v))
}

// decodeHeader decodes RFC 2047 encoded-words it can (UTF-8, ISO-8859-1,
// US-ASCII) and returns the value unchanged otherwise.
func decodeHeader(v string) string {
	var d mime.WordDecoder
	if s, err := d.DecodeHeader(v); err == nil {
		return s
	}
	return v
}
