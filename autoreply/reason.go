package autoreply

import (
	"regexp"
	"strings"
)

// Reasons a delivery failed, named as sisimai names them. Only the reasons
// that decide whether an address is bad are told apart; the rest are "".
const (
	ReasonUserUnknown = "userunknown" // no such mailbox
	ReasonHostUnknown = "hostunknown" // no such domain, or no mail server for it
	ReasonHasMoved    = "hasmoved"    // the mailbox moved (5.1.6)
	ReasonNotAccept   = "notaccept"   // the domain accepts no mail (null MX, 5.1.10)
	ReasonMailboxFull = "mailboxfull" // over quota
	ReasonExpired     = "expired"     // gave up retrying
	ReasonSuspend     = "suspend"     // mailbox disabled or suspended
	ReasonFiltered    = "filtered"    // refused by the recipient's filter
)

// Status codes that name a reason by themselves (RFC 3463, RFC 7505).
var reasonByStatus = map[string]string{
	"5.1.1": ReasonUserUnknown, "5.1.0": ReasonUserUnknown, "4.1.1": ReasonUserUnknown,
	"5.1.2": ReasonHostUnknown, "5.3.2": ReasonNotAccept, "5.4.4": ReasonHostUnknown, "5.1.6": ReasonHasMoved, "5.1.10": ReasonNotAccept,
	"5.1.7": ReasonRejected, "5.1.8": ReasonRejected,
	"5.2.2": ReasonMailboxFull, "4.2.2": ReasonMailboxFull, "5.2.1": ReasonSuspend,
	"4.4.7": ReasonExpired, "5.4.7": ReasonExpired,
}

// ReasonRejected is a refusal of the sender, not of the recipient.
const ReasonRejected = "rejected"

// ReasonOther is any other named failure: a block, a policy, a size limit,
// a system error. It is never a bad address.
const ReasonOther = "other"

// reasonWords are the words that name a reason, tried in order before the
// status code: servers often send a generic code with precise words.
var reasonWords = []struct {
	reason string
	re     *regexp.Regexp
}{
	{ReasonMailboxFull, regexp.MustCompile(`(?i)mailbox (?:is )?full|over ?quota|quota exceeded|exceeded (?:the|his|her|its)? ?(?:storage|quota)|mailbox size limit|insufficient (?:disk|storage)|disk quota`)},
	{ReasonSuspend, regexp.MustCompile(`(?i)account (?:is |has been )?(?:disabled|suspended|inactive|expired|locked)|mailbox (?:is |has been )?(?:disabled|suspended|inactive)|user (?:is )?(?:suspended|disabled)|temporar(?:y|ily) locked|disabled recipient|on hold`)},
	{ReasonRejected, regexp.MustCompile(`(?i)sender (?:address )?rejected|domain of sender|sender address .{0,80}does not exist|sender domain|envelope sender`)},
	{ReasonOther, regexp.MustCompile(`(?i)blacklist|blocklist|block(?:ed)? (?:list|by)|too many (?:recipients|connections|messages)|recipient preferences|spam|virus|relaying|policy|not authori[sz]ed|authentication|reverse dns|ptr|message (?:length|size) exceeds|too big|media error|mailer error|system error|protocol error|connection (?:reset|refused|timed out)|rate limit|message rejected|content|malformed or unexpected name server reply|servfail`)},
	{ReasonHasMoved, regexp.MustCompile(`(?i)has moved|user has moved|no longer (?:valid|at|with)`)},
	{ReasonNotAccept, regexp.MustCompile(`(?i)does not accept (?:any )?mail|null mx|accepts no mail|couldn't find a mail exchanger|indicated no smtp service|not accepting network messages`)},
	{ReasonHostUnknown, regexp.MustCompile(`(?i)host (?:or domain name )?(?:not found|unknown)|unknown host|domain (?:not found|does not exist|unknown|is not reachable)|no such domain|unrouteable (?:mail )?domain|unrouteable address|name or service not known|nxdomain|no mx (?:record|host)|mx (?:record )?not found|domain name not found|host not found|invalid domain|unable to route|dns lookup failure|host \S+ not found|^\s*(?:\d{3}[ -])?[a-z0-9-]+(?:\.[a-z0-9-]+)+\.? does not exist`)},
	{ReasonUserUnknown, regexp.MustCompile(`(?i)user unknown|unknown user|no such (?:user|mailbox|recipient|address|account)|(?:user|mailbox|recipient|address|account)(?: name)? (?:\S+ )?(?:does not|doesn't|not) exist|invalid (?:recipient|mailbox|address|user)|unknown (?:recipient|mailbox|local part|address)|mailbox (?:not found|unavailable)|user not found|recipient not found|not a valid (?:mailbox|recipient|user)|address (?:is )?(?:invalid|unknown)|no mailbox|unknown or illegal alias|is not a known user|addressee unknown|bad destination mailbox|mailbox does not exist|no account by that name|user doesn't have a|that user is not|invalid user address|recipient address rejected: access denied|not listed in|address (?:not found|couldn't be found)|name is not recognized|no valid recipients|check if (?:the )?address is correct|invalid final delivery userid`)},
	{ReasonExpired, regexp.MustCompile(`(?i)retry (?:time|timeout) (?:exceeded|reached)|could not be delivered for \d+|gave up|giving up|delivery time expired|message expired|too long in (?:the )?queue|undeliverable for \d+`)},
}

// addressStatus reports a status of the X.1.Y subject, "addressing":
// the server judged the address itself.
func addressStatus(status string) bool {
	return strings.HasPrefix(status, "5.1.") || strings.HasPrefix(status, "4.1.")
}

// reNoAccount matches how large mailbox providers say, in their own
// words, that they hold no such account (Yahoo, Microsoft, Orange): that
// is the mailbox's host speaking, not a filter in front of it.
var reNoAccount = regexp.MustCompile(`(?i)user doesn't have an? \S+ account|requested action not taken: mailbox unavailable|recipientnotfound|destinataire invalide`)

// reReplyCode finds an SMTP reply code (RFC 5321) in a diagnostic.
var reReplyCode = regexp.MustCompile(`\b[45][0-5][0-9]\b`)

// reCommand finds the SMTP command a failure answered, in the ways mail
// servers say it: Postfix "(in reply to RCPT TO command)", Exim "after
// RCPT TO:<…>", Sendmail's transcript ">>> RCPT To:<…>", qmail "most
// progress was RCPT TO response", "SMTP:RCPT host", "[RCPT_TO]"…
var reCommand = regexp.MustCompile(`(?i)(?:in\s+reply\s+to\s+(?:the\s+)?|after\s+(?:the\s+)?|did\s+not\s+like\s+our\s+|progress\s+was\s+|>>>\s*|\bsmtp:|\[)(rcpt|mail\s*from|data|end\s+of\s+data|ehlo|helo|connect)(?:\b|_)`)

// commandPhrases are words that name the refused command without naming
// it as such (qmail's "does not like recipient", "my name was rejected").
var commandPhrases = []struct {
	command string
	re      *regexp.Regexp
}{
	{"RCPT", regexp.MustCompile(`(?i)does not like recipient`)},
	{"HELO", regexp.MustCompile(`(?i)my name was rejected`)},
	{"MAIL", regexp.MustCompile(`(?i)sender was rejected`)},
	{"CONN", regexp.MustCompile(`(?i)greeting failed`)},
}

// reAddrReply matches a reply that starts with the recipient's address
// and says it is unknown, as servers answer RCPT TO: "550
// <a@b.example>: User unknown".
var reAddrReply = regexp.MustCompile(`(?i)\b[45]\d\d[ -:]+(?:[45]\.\d{1,3}\.\d{1,3}\s+)?<[^<>\s]+@[^<>\s]+>:\s+user unknown`)

// smtpCommand names the SMTP command the server refused, from the
// diagnostic or else the report: "RCPT", "MAIL", "DATA", "HELO" (also
// EHLO), "CONN" (the greeting), or "" when neither says. Of several in one
// text the last counts: a transcript ends with the refused command.
func smtpCommand(diag, report string) string {
	for _, s := range []string{diag, report} {
		for _, p := range commandPhrases {
			if p.re.MatchString(s) {
				return p.command
			}
		}
		if reAddrReply.MatchString(s) {
			return "RCPT"
		}
		m := reCommand.FindAllStringSubmatch(s, -1)
		if len(m) == 0 {
			continue
		}
		switch c := strings.ToUpper(m[len(m)-1][1]); {
		case strings.HasPrefix(c, "END"):
			return "DATA"
		case strings.HasPrefix(c, "MAIL"):
			return "MAIL"
		case c == "EHLO":
			return "HELO"
		case c == "CONNECT":
			return "CONN"
		default:
			return c
		}
	}
	return ""
}

// failureReason names why delivery to a recipient failed, from the
// server's words (diag first, then the report text about the recipient)
// and its status code. It follows how sisimai decides, where that is a
// rule and not a list of one vendor's quirks:
//   - a sender status (X.1.7, X.1.8) is about the sender, whatever the words;
//   - "user unknown" words are a bad address when the status is about the
//     address (X.1.Y), when the server answered RCPT TO, or when the
//     mailbox's host says so in its own words (reNoAccount); an SMTP reply
//     with such words given to DATA, or to a command the report does not
//     name, comes from a content filter: "filtered";
//   - a refusal of HELO or MAIL FROM is not about the recipient at all.
func failureReason(status, diag, report string) string {
	if reasonByStatus[status] == ReasonRejected {
		return ReasonRejected
	}
	r := reasonFromWords(diag)
	if r == "" {
		r = reasonByStatus[status]
	}
	if r == "" {
		r = reasonFromWords(report)
		if r == ReasonUserUnknown && status != "" && status[0] == '4' {
			r = ReasonOther // the report's words, not this temporary failure's
		}
	}
	if r != ReasonUserUnknown && r != ReasonHostUnknown {
		return r
	}
	switch cmd := smtpCommand(diag, report); {
	case cmd == "HELO" || cmd == "MAIL" || cmd == "CONN":
		return ReasonOther
	case r == ReasonUserUnknown && cmd != "RCPT" && !addressStatus(status) &&
		reReplyCode.MatchString(diag) && !reNoAccount.MatchString(diag):
		return ReasonFiltered // DATA, or not told: a content filter's words
	case r == ReasonHostUnknown && status != "" && status[0] == '4':
		return ReasonOther // a DNS failure that may pass
	}
	return r
}

func reasonFromWords(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	for _, rw := range reasonWords {
		if rw.re.MatchString(s) {
			return rw.reason
		}
	}
	return ""
}

// badAddress reports sisimai's "hard bounce": the address itself does not
// work (unknown user or domain, moved, or a domain that accepts no mail,
// permanently), so mail to it should stop.
func badAddress(reason, status string) bool {
	switch reason {
	case ReasonUserUnknown, ReasonHostUnknown, ReasonHasMoved:
		return true
	case ReasonNotAccept:
		return status == "" || status[0] == '5'
	}
	return false
}

// finishRecipient fills in what follows from a recipient's status and the
// server's words: Hard, Reason and BadAddress.
func finishRecipient(r BounceRecipient, words ...string) BounceRecipient {
	r.Hard = r.Status != "" && r.Status[0] == '5'
	r.Reason = failureReason(r.Status, r.Diagnostic, strings.Join(words, "\n"))
	r.BadAddress = badAddress(r.Reason, r.Status)
	return r
}
