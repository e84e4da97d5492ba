package main

import (
	"net/mail"
	"net/smtp"
	"strings"
	"testing"
)

// TestServeStaffAnswerFromTheirMailClient is the walk-through's staff loop
// on the zero-set-up serve (local mail server, no authserv-id, so only a
// reply token proves staff, I9): a customer's mail opens a ticket; the
// staff member is told of it with their own reply address (N7); their
// reply to that notification, from their mail client, is a proven staff
// reply whose command acts (I8) and whose text reaches the customer (N1).
func TestServeStaffAnswerFromTheirMailClient(t *testing.T) {
	p := newProc(t)
	p.start()
	p.helpdesk("staff", "add", "sam@example.org", "--role", "owner")
	sendMail(t, p.smtp, "ann@example.com", "Printer on fire", "loop1@example.com")

	var notice *mail.Message
	p.waitFor("the staff notification", patience, func() bool {
		for _, m := range p.captured() {
			if strings.Contains(m, "Envelope-To: <sam@example.org>") && strings.Contains(m, "New ticket") {
				msg, err := mail.ReadMessage(strings.NewReader(m))
				if err != nil {
					t.Fatalf("the notification is not a message: %v", err)
				}
				notice = msg
				return true
			}
		}
		return false
	})
	replyTo, err := notice.Header.AddressList("Reply-To")
	if err != nil || len(replyTo) != 1 || !strings.HasPrefix(replyTo[0].Address, "support+") {
		t.Fatalf("N7: the notification's Reply-To %v (%v)", replyTo, err)
	}
	// Sam's mail client: a reply to the Reply-To, quoting the notification.
	reply := "From: Sam <sam@example.org>\r\nTo: " + replyTo[0].Address + "\r\nSubject: Re: " + notice.Header.Get("Subject") +
		"\r\nIn-Reply-To: " + notice.Header.Get("Message-ID") + "\r\nMessage-ID: <sam-reply-1@example.org>\r\n\r\n" +
		"Hi Ann, a technician is on the way.\r\n#status pending\r\n\r\nSam\r\n\r\n> New ticket #1 from ann@example.com\r\n"
	if err := smtp.SendMail(p.smtp, nil, "sam@example.org", []string{replyTo[0].Address}, []byte(reply)); err != nil {
		t.Fatal(err)
	}
	p.waitFor("the staff reply on the ticket", patience, func() bool {
		out := p.helpdesk("ticket", "show", "1", "--json")
		return strings.Contains(out, `"status": "pending"`) && strings.Contains(out, "a technician is on the way")
	})
	p.waitFor("the customer told", patience, func() bool {
		for _, m := range p.captured() {
			if strings.Contains(m, "Envelope-To: <ann@example.com>") && strings.Contains(m, "a technician is on the way") {
				if strings.Contains(m, "#status") {
					t.Fatalf("I8: a command line reached the customer:\n%s", m)
				}
				return true
			}
		}
		return false
	})
}
