package autoreply

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// msg builds a raw message from header lines and a body.
func msg(body string, header ...string) []byte {
	return []byte(strings.Join(header, "\r\n") + "\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n"))
}

func TestB1_AutoReplyHeaders(t *testing.T) {
	for _, h := range []string{
		"Auto-Submitted: auto-replied",
		"Auto-Submitted: auto-generated (vacation)",
		"Auto-Submitted: Auto-Notified; owner-email=a@b.c",
		"X-Autoreply: yes",
		"X-Autorespond: Thanks",
		"Precedence: auto_reply",
	} {
		c := ClassifyRaw(msg("I am away.", "From: bob@acme.com", "Subject: Re: printer", h))
		if c.Kind != AutoReply || c.Rules[0] != "B1" {
			t.Errorf("%q: got %v (%s), want auto_reply by B1", h, c.Kind, c.Reason)
		}
		if c.Kind.Answerable() {
			t.Errorf("%q: auto-reply is answerable", h)
		}
	}
}

func TestB1_PersonalMailIsNone(t *testing.T) {
	for _, h := range []string{
		"Auto-Submitted: no",
		"Auto-Submitted: No (a person wrote this)",
		"X-Auto-Response-Suppress: All", // asks others not to auto-reply; Outlook sets it on ordinary mail
		"X-MS-Exchange-Inbox-Rules-Loop: bob@acme.com",
		"Subject: Automatic reply setup is broken",
		"Subject: Re: out of office replies do not reach you",
		"Precedence: first-class",
		"Return-Path: <bob@acme.com>",
	} {
		c := ClassifyRaw(msg("Hello, the printer is broken.", "From: bob@acme.com", h))
		if c.Kind != None || !c.Kind.Answerable() {
			t.Errorf("%q: got %v (%s), want none", h, c.Kind, c.Reason)
		}
	}
	// An empty envelope sender means "unknown", not a null return path.
	if c := ClassifyRaw(msg("Hi", "From: bob@acme.com")); c.Kind != None {
		t.Errorf("got %v, want none", c.Kind)
	}
}

func TestB1_OutOfOfficeSubjects(t *testing.T) {
	for _, s := range []string{
		"Out of Office", "Out of Office: Printer", "Automatic reply: [#123] Printer", "Auto: Printer",
		"Autoreply: Printer", "AutoReply", "Abwesenheitsnotiz: Drucker", "Réponse automatique : Imprimante",
		"=?UTF-8?Q?R=C3=A9ponse_automatique_:_Imprimante?=", "Fravær: Printer", "Frånvaro: Skrivare",
		"Respuesta automática: Impresora", "=?iso-8859-1?q?Fr=E5nvaro:_Skrivare?=",
	} {
		c := ClassifyRaw(msg("Back Monday.", "From: bob@acme.com", "Subject: "+s))
		if c.Kind != AutoReply {
			t.Errorf("subject %q: got %v, want auto_reply", s, c.Kind)
		}
	}
}

func TestB1_ListMailIsNeverAnswered(t *testing.T) {
	for _, h := range []string{
		"List-Id: Printers <printers.lists.acme.com>",
		"Precedence: bulk",
		"Precedence: list",
		"Precedence: JUNK",
	} {
		c := ClassifyRaw(msg("news", "From: news@acme.com", "Subject: Newsletter", h))
		if c.Kind != ListMail || c.Kind.Answerable() || c.Rules[0] != "B1" {
			t.Errorf("%q: got %v (%s), want list by B1", h, c.Kind, c.Reason)
		}
	}
	// An auto-reply from a list is still an auto-reply.
	c := ClassifyRaw(msg("x", "From: a@b.c", "List-Id: <l.b.c>", "Auto-Submitted: auto-replied"))
	if c.Kind != AutoReply {
		t.Errorf("got %v, want auto_reply", c.Kind)
	}
}

func TestB1_RFC3834ReplyWithNullReturnPathIsAutoReply(t *testing.T) {
	c := ClassifyRaw(msg("I am away until May 5.", "Return-Path: <>", "From: kijitora@example.net",
		"Subject: Away until May 5", "Auto-Submitted: auto-replied"))
	if c.Kind != AutoReply {
		t.Errorf("got %v (%s), want auto_reply", c.Kind, c.Reason)
	}
}

const dsnBody = `--b1
Content-Type: text/plain

Your message could not be delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.acme.com

Final-Recipient: rfc822; Bob@Acme.com
Action: failed
Status: 5.0.0
Diagnostic-Code: smtp; 550 5.1.1 <bob@acme.com>: Recipient address rejected:
  User unknown in local recipient table

Final-Recipient: rfc822;<carol@acme.com>
Action: delayed
Status: 4.4.1

Final-Recipient: rfc822; dave@acme.com
Action: delivered
Status: 2.0.0

--b1
Content-Type: text/rfc822-headers

From: Support <support@helpdesk.example>
To: bob@acme.com, carol@acme.com
Message-ID: <t123.abc@helpdesk.example>
Subject: [#123] Printer

--b1--
`

func TestB3_DeliveryStatusReport(t *testing.T) {
	c := ClassifyRaw(msg(dsnBody, "From: Mail Delivery System <MAILER-DAEMON@mx.acme.com>",
		"Subject: Undelivered Mail Returned to Sender",
		`Content-Type: multipart/report; report-type=delivery-status; boundary="b1"`))
	if c.Kind != Bounce || c.Rules[0] != "B3" || c.Kind.Answerable() {
		t.Fatalf("got %v (%s), want bounce by B3", c.Kind, c.Reason)
	}
	want := []BounceRecipient{
		{Email: "bob@acme.com", Status: "5.1.1", Hard: true,
			Diagnostic: "550 5.1.1 <bob@acme.com>: Recipient address rejected: User unknown in local recipient table",
			Reason:     ReasonUserUnknown, BadAddress: true},
		{Email: "carol@acme.com", Status: "4.4.1", Hard: false},
	}
	if !reflect.DeepEqual(c.Recipients, want) {
		t.Errorf("recipients = %+v\nwant %+v", c.Recipients, want)
	}
	if c.OriginalMessageID != "t123.abc@helpdesk.example" {
		t.Errorf("original Message-ID = %q", c.OriginalMessageID)
	}
}

func TestB3_NullReturnPath(t *testing.T) {
	c := ClassifyRaw(msg("Delivery failed", "Return-Path: < >", "From: robot@acme.com", "Subject: Problem"))
	if c.Kind != Bounce {
		t.Errorf("Return-Path <>: got %v", c.Kind)
	}
	h := hdr{"From": {"robot@acme.com"}, "Subject": {"Problem"}}
	if c := Classify(h, "Delivery failed", "<>"); c.Kind != Bounce {
		t.Errorf("envelope <>: got %v", c.Kind)
	}
	if c := Classify(h, "Delivery failed", ""); c.Kind != None {
		t.Errorf("unknown envelope: got %v, want none", c.Kind)
	}
	// Only the topmost Return-Path counts (the final delivery's).
	c = ClassifyRaw(msg("hi", "Return-Path: <bob@acme.com>", "Return-Path: <>", "From: bob@acme.com"))
	if c.Kind != None {
		t.Errorf("lower Return-Path <>: got %v, want none", c.Kind)
	}
}

func TestB3_DaemonSenders(t *testing.T) {
	for _, from := range []string{
		"MAILER-DAEMON@mx.acme.com", "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
		"postmaster@acme.com", `"Postmaster" <postmaster@acme.com>`, "MAILER-DAEMON <>",
	} {
		if c := ClassifyRaw(msg("x", "From: "+from, "Subject: failure notice")); c.Kind != Bounce {
			t.Errorf("From %q: got %v, want bounce", from, c.Kind)
		}
	}
}

func TestB3_PlainTextBounces(t *testing.T) {
	qmail := `Hi. This is the qmail-send program at mx4.example.jp.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<kijitora@example.ne.jp>:
192.0.2.32 does not like recipient.
Remote host said: 550 5.1.1 <kijitora@example.ne.jp>... User Unknown
Giving up on 192.0.2.32.

--- Below this line is a copy of the message.

Return-Path: <support+bounce-tok@helpdesk.example>
Message-ID: <n42.x@helpdesk.example>
From: support@helpdesk.example
To: kijitora@example.ne.jp

hello
`
	c := ClassifyRaw(msg(qmail, "Return-Path: <>", "From: MAILER-DAEMON@mx4.example.jp", "Subject: failure notice"))
	want := []BounceRecipient{{Email: "kijitora@example.ne.jp", Status: "5.1.1", Hard: true,
		Diagnostic: "Remote host said: 550 5.1.1 <kijitora@example.ne.jp>... User Unknown", Reason: ReasonUserUnknown, BadAddress: true}}
	if c.Kind != Bounce || !reflect.DeepEqual(c.Recipients, want) || c.OriginalMessageID != "n42.x@helpdesk.example" {
		t.Errorf("qmail: got %+v", c)
	}

	exim := `This message was created automatically by mail delivery software.

A message that you sent has not yet been delivered to one or more of its
recipients after more than 24 hours on the queue on mx.acme.com.

The following address(es) deferred:

  bob@acme.com
    host mx.acme.com [192.0.2.1]: 451 4.3.0 Temporary local problem
`
	c = ClassifyRaw(msg(exim, "From: Mail Delivery System <Mailer-Daemon@mx.acme.com>",
		"X-Failed-Recipients: bob@acme.com", "Subject: Warning: message delayed"))
	if len(c.Recipients) != 1 || c.Recipients[0].Status != "4.3.0" || c.Recipients[0].Hard {
		t.Errorf("exim delay: got %+v", c.Recipients)
	}
}

func TestB3_VERPReturnPath(t *testing.T) {
	for _, tc := range []struct {
		addr, token string
		ok          bool
	}{
		{"support+bounce-abc123@helpdesk.example", "abc123", true},
		{"<Support+BOUNCE-Abc.9@helpdesk.example>", "Abc.9", true},
		{"support+bounce-@helpdesk.example", "", false},
		{"support+note@helpdesk.example", "", false},
		{"support@helpdesk.example", "", false},
		{"bounce-abc@helpdesk.example", "", false},
	} {
		tok, ok := VERPToken(tc.addr, "bounce")
		if tok != tc.token || ok != tc.ok {
			t.Errorf("VERPToken(%q) = %q, %v", tc.addr, tok, ok)
		}
	}
	h := hdr{"Delivered-To": {"support+bounce-xyz@helpdesk.example"}, "To": {"someone@else.example"}}
	if addr, tok, ok := FindVERP(h, "bounce"); !ok || tok != "xyz" || addr != "support+bounce-xyz@helpdesk.example" {
		t.Errorf("FindVERP = %q %q %v", addr, tok, ok)
	}
}

func TestFirstStatus(t *testing.T) {
	for in, want := range map[string]string{
		"550 5.1.1 User unknown":      "5.1.1",
		"(#5.5.0)":                    "5.5.0",
		"host 10.5.0.1 said 4.4.7":    "4.4.7",
		"Exim 4.72 via 192.0.2.4":     "",
		"5.7.509 Access denied":       "5.7.509",
		"status 5.1.1234 is too long": "",
		"version 4.1.2.3":             "",
	} {
		if got := firstStatus(in); got != want {
			t.Errorf("firstStatus(%q) = %q, want %q", in, got, want)
		}
	}
}

// hdr is a simple Header for tests.
type hdr map[string][]string

func (h hdr) Values(k string) []string { return h[k] }
func (h hdr) Get(k string) string {
	if v := h[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func FuzzClassifyRaw(f *testing.F) {
	f.Add(msg(dsnBody, "From: MAILER-DAEMON@x", `Content-Type: multipart/report; report-type=delivery-status; boundary="b1"`))
	f.Add(msg("<a@b.c>:\n550 5.1.1 no\n--- Below this line is a copy of the message.\nMessage-ID: <x@y>", "Return-Path: <>"))
	f.Add(msg("away", "Subject: Out of Office", "Auto-Submitted: auto-replied"))
	f.Add([]byte("From x\nContent-Type: multipart/mixed; boundary=z\n\n--z\nContent-Type: message/rfc822\n\n--z--"))
	f.Add(msg(`{"notificationType":"Bounce","bounce":{"bouncedRecipients":[{"emailAddress":"a@b.c","status":"5.1.1"}]}}`))
	// Seeds from the corpus: one bounce of each shape the sisimai set has.
	for _, rel := range []string{
		"sisimai/set-of-emails/maildir/bsd/lhost-postfix-01.eml",
		"sisimai/set-of-emails/maildir/bsd/lhost-qmail-01.eml",
		"sisimai/set-of-emails/maildir/bsd/lhost-exim-01.eml",
		"sisimai/set-of-emails/maildir/bsd/lhost-sendmail-01.eml",
		"sisimai/set-of-emails/maildir/bsd/lhost-amazonses-10.eml",
		"sisimai/set-of-emails/maildir/bsd/rfc3834-01.eml",
		"sisimai/set-of-emails/maildir/bsd/arf-01.eml",
	} {
		if b, err := os.ReadFile(filepath.Join(corpusDir, rel)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c := ClassifyRaw(raw)
		if c.Kind != Bounce && (len(c.Recipients) > 0 || c.OriginalMessageID != "") {
			t.Fatalf("bounce details on a %v", c.Kind)
		}
		for _, r := range c.Recipients {
			if r.Email == "" || r.Status == "" || r.Hard != (r.Status[0] == '5') || (r.BadAddress && r.Reason == "") {
				t.Fatalf("bad recipient %+v", r)
			}
		}
		if (c.Kind == None) != (len(c.Rules) == 0) {
			t.Fatalf("rules %v for %v", c.Rules, c.Kind)
		}
	})
}

func TestB3_FailureReason(t *testing.T) {
	tests := []struct {
		status, diag, report string
		want                 string
		bad                  bool
	}{
		{"5.1.1", "550 5.1.1 <a@b.example>: User unknown", "", ReasonUserUnknown, true},
		{"5.0.0", "550 Unknown user a@b.example (in reply to end of DATA command)", "", ReasonFiltered, false},
		{"5.1.1", "552 5.2.2 Over quota", "", ReasonMailboxFull, false},
		{"5.1.2", "", "", ReasonHostUnknown, true},
		{"4.0.0", "DNS Error: NXDOMAIN Domain name not found", "", ReasonOther, false},
		{"5.1.10", "", "", ReasonNotAccept, true},
		{"5.0.0", "", "Your message wasn't delivered because the address couldn't be found.", ReasonUserUnknown, true},
		{"5.7.1", "550 5.7.1 IP address blacklisted by recipient", "", ReasonOther, false},
		{"5.1.8", "553 5.1.8 Domain of sender address does not exist", "", ReasonRejected, false},
		{"5.0.0", "", "", "", false},
		// The refused command decides whether "user unknown" is the address
		// (RCPT TO) or a content filter (DATA, or not told).
		{"5.0.0", "550 Unknown user a@b.example", "", ReasonFiltered, false},
		{"5.2.1", "550 5.2.1 <a@b.example>... User Unknown", "", ReasonFiltered, false},
		{"5.0.0", "550 No such user", "a@b.example: host mx said: 550 No such user (in reply to\n RCPT TO command)", ReasonUserUnknown, true},
		{"5.0.0", "550 <a@b.example>: User unknown", "", ReasonUserUnknown, true},
		{"5.0.0", "554 delivery error: dd This user doesn't have a yahoo.com account (a@yahoo.com)", "", ReasonUserUnknown, true},
		{"5.0.0", "501 5.0.0 Invalid domain name", "Connected to 192.0.2.1 but my name was rejected.", ReasonOther, false},
		{"5.1.7", "550 5.1.7 No such domain b.example", "", ReasonRejected, false},
		{"5.3.2", "521 5.3.2 System not accepting network messages", "", ReasonNotAccept, true},
		{"5.4.4", "Name service error for name=b.example type=MX: Malformed or unexpected name server reply", "", ReasonOther, false},
		{"5.0.0", "553 b.example does not exist", "", ReasonHostUnknown, true},
		{"5.0.0", "550 No such user", "host [mail.b.example] said: 550 No such user (in reply to RCPT TO command)", ReasonUserUnknown, true},
	}
	for _, tt := range tests {
		r := finishRecipient(BounceRecipient{Status: tt.status, Diagnostic: tt.diag}, tt.report)
		if r.Reason != tt.want || r.BadAddress != tt.bad {
			t.Errorf("%s %q %q: got %q bad=%v, want %q bad=%v", tt.status, tt.diag, tt.report, r.Reason, r.BadAddress, tt.want, tt.bad)
		}
	}
}

func TestB3_AmazonSESNotification(t *testing.T) {
	body := `{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"Bob@Acme.com","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}]},"mail":{"source":"support@helpdesk.example"}}`
	c := ClassifyRaw(msg(body, "From: no-reply@sns.amazonaws.com", "Subject: AWS Notification Message", "Content-Type: text/plain"))
	want := []BounceRecipient{{Email: "bob@acme.com", Status: "5.1.1", Hard: true, Diagnostic: "550 5.1.1 user unknown", Reason: ReasonUserUnknown, BadAddress: true}}
	if c.Kind != Bounce || !reflect.DeepEqual(c.Recipients, want) {
		t.Errorf("got %+v", c)
	}
	c = ClassifyRaw(msg(`{"notificationType":"Delivery","mail":{}}`, "From: no-reply@sns.amazonaws.com", "Subject: AWS Notification Message"))
	if c.Kind != Bounce || len(c.Recipients) != 0 {
		t.Errorf("delivery notification: got %+v", c)
	}
	if c := ClassifyRaw(msg(`I pasted {"notificationType":"Bounce"} here`, "From: bob@acme.com", "Subject: json")); c.Kind != None {
		t.Errorf("a person's text with JSON: got %v", c.Kind)
	}
}

func TestB1_ChallengeResponseRequests(t *testing.T) {
	for _, h := range []string{
		"Subject: Please confirm your message",
		"Subject: Confirmation required: Printer broken",
		"X-Boxbe-Pending: yes",
		"X-TMDA-Confirm: 1",
	} {
		c := ClassifyRaw(msg("Click the link to confirm you are a person.", "From: robot@verify.example", h))
		if c.Kind != AutoReply {
			t.Errorf("%s: kind %v", h, c.Kind)
		}
	}
	c := ClassifyRaw(msg("Hello", "From: ann@acme.com", "Subject: Please confirm your order 1234 is lost"))
	if c.Kind != None {
		t.Errorf("ordinary subject taken for a challenge: %v", c.Kind)
	}
}
