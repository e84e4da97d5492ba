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
	"5.1.2": ReasonHostUnknown, "5.4.4": ReasonHostUnknown, "5.1.6": ReasonHasMoved, "5.1.10": ReasonNotAccept,
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
	{ReasonOther, regexp.MustCompile(`(?i)blacklist|blocklist|block(?:ed)? (?:list|by)|too many (?:recipients|connections|messages)|recipient preferences|spam|virus|relaying|policy|not authori[sz]ed|authentication|reverse dns|ptr|message (?:length|size) exceeds|too big|media error|mailer error|system error|protocol error|connection (?:reset|refused|timed out)|rate limit|message rejected|content`)},
	{ReasonHasMoved, regexp.MustCompile(`(?i)has moved|user has moved|no longer (?:valid|at|with)`)},
	{ReasonNotAccept, regexp.MustCompile(`(?i)does not accept (?:any )?mail|null mx|accepts no mail|couldn't find a mail exchanger`)},
	{ReasonHostUnknown, regexp.MustCompile(`(?i)host (?:or domain name )?(?:not found|unknown)|unknown host|domain (?:not found|does not exist|unknown|is not reachable)|no such domain|unrouteable (?:mail )?domain|unrouteable address|name or service not known|nxdomain|no mx (?:record|host)|mx (?:record )?not found|domain name not found|host not found|invalid domain|unable to route`)},
	{ReasonUserUnknown, regexp.MustCompile(`(?i)user unknown|unknown user|no such (?:user|mailbox|recipient|address|account)|(?:user|mailbox|recipient|address|account)(?: name)? (?:\S+ )?(?:does not|doesn't|not) exist|invalid (?:recipient|mailbox|address|user)|unknown (?:recipient|mailbox|local part|address)|mailbox (?:not found|unavailable)|user not found|recipient not found|not a valid (?:mailbox|recipient|user)|address (?:is )?(?:invalid|unknown)|no mailbox|unknown or illegal alias|is not a known user|addressee unknown|bad destination mailbox|mailbox does not exist|no account by that name|user doesn't have a|that user is not|invalid user address|recipient address rejected: access denied|not listed in|address (?:not found|couldn't be found)|name is not recognized|no valid recipients|check if (?:the )?address is correct`)},
	{ReasonExpired, regexp.MustCompile(`(?i)retry (?:time|timeout) (?:exceeded|reached)|could not be delivered for \d+|gave up|giving up|delivery time expired|message expired|too long in (?:the )?queue|undeliverable for \d+`)},
}

// reDataPhase matches a reply given to the message's content (after
// DATA): a "user unknown" there comes from a content filter, which
// sisimai calls "filtered". Sendmail's transcripts show ">>> DATA" before
// errors of RCPT (pipelining): a 5.1.x status there still means the
// address, so the rule applies only to vaguer codes.
var reDataPhase = regexp.MustCompile(`(?i)end of data|in reply to (?:the )?data command|after data command|>>> data`)

// failureReason names why delivery to a recipient failed, from the
// server's words (diag first, then the report text about the recipient)
// and its status code.
func failureReason(status, diag, report string) string {
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
	if r == ReasonUserUnknown && !strings.HasPrefix(status, "5.1.") && reDataPhase.MatchString(diag+"\n"+report) {
		return ReasonFiltered
	}
	if r == ReasonHostUnknown && status != "" && status[0] == '4' {
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
