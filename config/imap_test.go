package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseIMAP(t *testing.T) {
	ms, err := ParseIMAP("imaps://support%40help.example:s3cr%2Ft@mail.example.com/INBOX "+
		"imap://billing:pw@mail.example.com:1143/Billing?mark=seen&poll=5s&idle=off&max_size=10MB&failed=Bad&name=billing&timeout=3s&batch=50 "+
		"imap://t:secret@127.0.0.1:2143/?tls=none&processed=Done&auth=plain", 25<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 3 {
		t.Fatalf("got %d mailboxes", len(ms))
	}
	a, b, c := ms[0], ms[1], ms[2]
	if a.Addr != "mail.example.com:993" || a.TLS != TLSImplicit || a.Username != "support@help.example" || a.Password != "s3cr/t" ||
		a.Folder != "INBOX" || a.Mark != MarkMove || a.Processed != "Processed" || a.Failed != "Failed" ||
		a.PollInterval != DefaultPollInterval || !a.IDLE || a.MaxBytes != 25<<20 || a.Name != "support@help.example@mail.example.com/INBOX" {
		t.Errorf("first: %+v", a)
	}
	if b.Addr != "mail.example.com:1143" || b.TLS != TLSStart || b.Folder != "Billing" || b.Mark != MarkSeen ||
		b.PollInterval != 5*time.Second || b.IDLE || b.MaxBytes != 10<<20 || b.Failed != "Bad" || b.Name != "billing" ||
		b.Timeout != 3*time.Second || b.Batch != 50 {
		t.Errorf("second: %+v", b)
	}
	if c.TLS != TLSNone || c.Folder != "INBOX" || c.Processed != "Done" || c.Auth != "plain" {
		t.Errorf("third: %+v", c)
	}
}

func TestParseIMAPRefuses(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"http://u:p@h/", "want imaps://"},
		{"imaps://h/", "no user name"},
		{"imap://u:p@mail.example.com/?tls=none", "loopback"},
		{"imaps://u:p@h/?mark=burn", "mark="},
		{"imaps://u:p@h/?mark=move&processed=INBOX", "processed folder"},
		{"imaps://u:p@h/?colour=red", "unknown option"},
		{"imaps://u:p@h/?poll=soon", "option poll"},
		{"imaps://u:p@h/?max_size=lots", "option max_size"},
		{"imaps://u:p@h/?auth=cram", "auth="},
		{"imaps://u:p@h/ imaps://u:q@h/", "used twice"},
	} {
		_, err := ParseIMAP(tc.url, 1<<20)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.url, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), ":p@") {
			t.Errorf("%s: error shows the password: %v", tc.url, err)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"1048576": 1 << 20, "512KB": 512 << 10, "25MB": 25 << 20, "1gb": 1 << 30, "10 B": 10} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestValidateIMAP(t *testing.T) {
	c := Defaults()
	c.IMAP = "imap://u:p@example.com/?tls=none"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "config key imap") {
		t.Fatalf("Validate = %v", err)
	}
}
