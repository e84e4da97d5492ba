package autoreply

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"

	"github.com/helpdesk-gw/helpdesk/message"
)

const bounceParserDir = "testdata/mail-deliverystatus-bounceparser"

// classifyBoth classifies raw as the pipeline does (ClassifyParsed on the
// parsed message) and as Classify does, and fails when they disagree.
func classifyBoth(t *testing.T, name string, raw []byte, envelopeFrom string) Classification {
	t.Helper()
	s := strings.ReplaceAll(string(raw), "\r\n", "\n")
	body := ""
	if i := strings.Index(s, "\n\n"); i >= 0 {
		body = s[i+2:]
	}
	m, err := message.Parse(raw, message.Options{})
	if err != nil { // the pipeline classifies what it cannot parse with Classify
		c := ClassifyRaw(raw)
		if envelopeFrom != "" {
			br := bufio.NewReader(bytes.NewReader(raw))
			h, _ := textproto.ReadHeader(br)
			c = Classify(&h, body, envelopeFrom)
		}
		return c
	}
	want := Classify(&m.Header, body, envelopeFrom)
	got := ClassifyParsed(&m.Header, []byte(body), parsedOf(m), envelopeFrom)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: ClassifyParsed = %+v, Classify = %+v", name, got, want)
	}
	return want
}

// Real challenge-response requests (Bluebottle, Boxbe; from
// Mail-DeliveryStatus-BounceParser's corpus, see the README there) are
// automatic mail (B1), never bounces (B3) nor a person's mail, and mark
// nobody bouncing; Boxbe's come as multipart/report with a delivery-status
// part (Status 4.7.0, "Sender not pre-approved").
func TestB1_ChallengeResponseRealSamples(t *testing.T) {
	for _, name := range []string{"bluebottle.msg", "boxbe-cr.msg", "boxbe-cr2.msg"} {
		raw, err := os.ReadFile(filepath.Join(bounceParserDir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, env := range []string{"", "<>"} {
			c := classifyBoth(t, name, raw, env)
			if c.Kind != AutoReply || c.Kind.Answerable() || !reflect.DeepEqual(c.Rules, []string{"B1"}) ||
				len(c.Recipients) != 0 || !strings.HasPrefix(c.Reason, "challenge-response request") {
				t.Errorf("%s (envelope %q): got %v %v %q %v, want a B1 auto-reply (challenge-response)", name, env, c.Kind, c.Rules, c.Reason, c.Recipients)
			}
		}
	}
}

// A real DSN reporting a permanent failure stays a bounce though its words
// ask for a confirmation (whitelist.msg: Postfix, 550 "Your server requires
// confirmation"); the address is not a bad one.
func TestB3_ChallengeWordsInARealDSNStayABounce(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(bounceParserDir, "whitelist.msg"))
	if err != nil {
		t.Fatal(err)
	}
	c := classifyBoth(t, "whitelist.msg", raw, "<>")
	if c.Kind != Bounce || len(c.Recipients) != 1 || c.Recipients[0].Email != "john.smith@example.com" ||
		!c.Recipients[0].Hard || c.Recipients[0].BadAddress {
		t.Errorf("got %v %q %+v, want a bounce for john.smith@example.com, hard, not a bad address", c.Kind, c.Reason, c.Recipients)
	}
}

// Minimal messages written for this test (not real samples), modelled on
// the documented shapes: TMDA's confirmation request (X-Delivery-Agent:
// TMDA with a user-confirm-<cookie> reply address, the confirm_request
// template's opening sentence), Spam Arrest's and ChoiceMail's request
// sentences, and generic "prove you are human" requests sent from
// MAILER-DAEMON, with From: <> or a null return path. Each is an
// auto-reply; the same words from a person, or a mail system's report of a
// 5xx rejection, are not.
func TestB1_ChallengeResponseShapes(t *testing.T) {
	const dsnHead = "Content-Type: multipart/report; report-type=delivery-status; boundary=b"
	boxbeLike := func(status string) string {
		return "--b\r\nContent-Type: text/plain\r\n\r\nYour message was waitlisted. Please add yourself to my Boxbe Guest List.\r\n" +
			"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; boxbe.com\r\n\r\nFinal-Recipient: rfc822; ann@acme.com\r\n" +
			"Action: failed\r\nStatus: " + status + "\r\nDiagnostic-Code: X-Boxbe-Notice; Sender not pre-approved\r\n--b--\r\n"
	}
	tests := []struct {
		name string
		raw  []byte
		env  string
		want Kind
	}{
		{"TMDA confirmation request", msg("This message was created automatically by mail delivery software (TMDA).\n\nYour message attached below is being held because the address\n<help@helpdesk.example> has not been verified.",
			"From: Ann <ann-confirm-1234567890.12345.abcdef@acme.com>", "Reply-To: ann-confirm-1234567890.12345.abcdef@acme.com",
			"X-Delivery-Agent: TMDA/1.1.12 (Macallan)", "Subject: Re: [#12] Printer"), "", AutoReply},
		{"TMDA user's ordinary mail", msg("The printer is broken again.", "From: Ann <ann@acme.com>", "X-Delivery-Agent: TMDA/1.1.12 (Macallan)", "Subject: Printer"), "", None},
		{"Spam Arrest", msg("I apologize for this automatic reply to your email.\n\nTo control spam, I now allow incoming messages only from senders I have approved beforehand.\n\nhttps://www.spamarrest.com/a/1",
			"From: ann@acme.com", "Subject: Re: [#12] Printer"), "", AutoReply},
		{"ChoiceMail", msg("I am protecting myself from receiving junk mail. Just this once, click the link below so I can receive your emails.",
			"From: ann@acme.com", "Subject: Re: [#12] Printer"), "", AutoReply},
		{"from MAILER-DAEMON, null return path", msg("Your message to ann@acme.com is held.\nPlease click the link below to prove you are a human:\nhttps://verify.example/x",
			"From: MAILER-DAEMON@mx.acme.com", "Return-Path: <>", "Subject: Message held: [#12] Printer"), "<>", AutoReply},
		{"From: <>", msg("To deliver your message, please confirm that you are a human: https://verify.example/x", "From: <>", "Subject: Verify"), "", AutoReply},
		{"postmaster, whitelist request", msg("Your message awaits approval. Ask to be added to the recipient's allowed list: https://verify.example/x",
			"From: postmaster@acme.com", "Subject: Held mail"), "<>", AutoReply},
		{"MAILER-DAEMON challenge subject with a bounce word", msg("Please confirm you are human to have your message delivered: https://verify.example/x",
			"From: Mail Delivery System <MAILER-DAEMON@mx.acme.com>", "Return-Path: <>", "Subject: Message not delivered yet: please confirm"), "<>", AutoReply},
		{"Boxbe-like report, 4.7.0", msg(boxbeLike("4.7.0"), "From: noreply@boxbe.com", dsnHead), "<>", AutoReply},
		{"same report, 5.7.1: a real bounce", msg(boxbeLike("5.7.1"), "From: noreply@boxbe.com", dsnHead), "<>", Bounce},
		{"text bounce with a 5xx and challenge words", msg("<ann@acme.com>:\n550 Your server requires confirmation. Visit https://x.example/w to confirm this mail server.",
			"From: MAILER-DAEMON@mx.example", "Return-Path: <>", "Subject: failure notice"), "<>", Bounce},
		{"a person quoting a form", msg("Your web form says \"please confirm you are human\" and then fails. Can you help?",
			"From: ann@acme.com", "Subject: Form broken"), "", None},
		{"a person's reply quoting a request", msg("Done, see below.\n\n> Please click the link below to prove you are a human\n> This account is protected by Bluebottle.",
			"From: ann@acme.com", "Subject: Re: verify"), "", None},
	}
	for _, tt := range tests {
		c := classifyBoth(t, tt.name, tt.raw, tt.env)
		if c.Kind != tt.want {
			t.Errorf("%s: got %v (%s), want %v", tt.name, c.Kind, c.Reason, tt.want)
		}
		if tt.want == AutoReply && len(c.Recipients) != 0 {
			t.Errorf("%s: recipients %v on an auto-reply", tt.name, c.Recipients)
		}
	}
}

// No message of the personal and reply corpora, and no bounce of
// sisimai's set, is taken for a challenge-response request.
func TestB1_ChallengeMarkersSpareCorpora(t *testing.T) {
	var files []string
	for _, pat := range []string{
		"sisimai/set-of-emails/maildir/*/*",
		"github-email_reply_parser/test/emails/*.txt",
		"discourse-email_reply_trimmer/test/emails/*",
		"crisp-email-reply-parser/test/fixtures/*.txt",
		"zapier-email-reply-parser/test/emails/*.txt",
		"mailgun-talon/tests/fixtures/standard_replies/*.eml",
		"mailgun-talon/tests/fixtures/standard_replies/*/*.eml",
		"php-mime-mail-parser/tests/mails/*",
		"django-mailbox/django_mailbox/tests/messages/*",
		"mailgun-flanker/tests/fixtures/messages/*",
		"jhillyerd-enmime/testdata/mail/*",
	} {
		m, _ := filepath.Glob(filepath.Join(corpusDir, pat))
		files = append(files, m...)
	}
	if corpusDir == "" || len(files) == 0 {
		t.Skip("corpus not available")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, c := range []Classification{ClassifyRaw(raw), Classify(emptyHeader{}, string(raw), "<>")} {
			if strings.HasPrefix(c.Reason, "challenge-response") {
				t.Errorf("%s taken for a challenge: %s", f, c.Reason)
			}
		}
	}
	t.Logf("%d messages read", len(files))
}

// Whatever the input, a challenge-response verdict is a B1 auto-reply
// without bounce details, and the challenge check never panics.
func FuzzChallenge(f *testing.F) {
	for _, name := range []string{"bluebottle.msg", "boxbe-cr.msg", "boxbe-cr2.msg", "whitelist.msg"} {
		if b, err := os.ReadFile(filepath.Join(bounceParserDir, name)); err == nil {
			f.Add(b, "")
		}
	}
	f.Add(msg("please confirm you are human", "From: <>"), "<>")
	f.Add(msg("x", "X-Delivery-Agent: TMDA", "Reply-To: a-confirm-1.2@b.c"), "")
	f.Fuzz(func(t *testing.T, raw []byte, env string) {
		c := ClassifyRaw(raw)
		if strings.HasPrefix(c.Reason, "challenge-response") && (c.Kind != AutoReply || len(c.Recipients) != 0) {
			t.Fatalf("challenge verdict %v with %v", c.Kind, c.Recipients)
		}
		_ = challengeMarker(emptyHeader{}, string(raw), env)
		if s := challengeText(string(raw)); len(s) > 3*challengeScanText {
			t.Fatalf("challenge text of %d bytes", len(s))
		}
	})
}
