package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestServeCheckAcceptsTheSampleConfiguration: an operator who copies
// docs/helpdesk.example.toml and sets the variables it names gets a valid
// configuration from serve --check, which shows none of the secrets.
func TestServeCheckAcceptsTheSampleConfiguration(t *testing.T) {
	sample, err := filepath.Abs("../../docs/helpdesk.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{"HELPDESK_PG_PASSWORD": "pg-password-1", "HELPDESK_TOKEN_SECRET": "token-secret-0123456789",
		"IMAP_PASSWORD": "imap-password-2", "SMTP_PASSWORD": "smtp-password-3", "M365_CLIENT_SECRET": "m365-secret-4"}
	c := newCLI(t)
	c.env = map[string]string{"HELPDESK_CONFIG": sample}
	for k, v := range secrets {
		c.env[k] = v
	}
	code, out, errs := c.runNoDB("serve", "--check")
	if code != 0 {
		t.Fatalf("serve --check on the sample: exit %d: %s", code, errs)
	}
	for _, want := range []string{"the configuration is valid", "# database: postgres://helpdesk:(redacted)@127.0.0.1:5432/helpdesk",
		"mailbox support: imap.help.example:993", "relay ", `address = "support@help.example"`} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --check on the sample: no %q in:\n%s", want, out)
		}
	}
	for name, v := range secrets {
		if strings.Contains(out, v) {
			t.Errorf("serve --check printed %s's value:\n%s", name, out)
		}
	}
	delete(c.env, "SMTP_PASSWORD")
	if code, _, errs := c.runNoDB("serve", "--check"); code != 1 || !strings.Contains(errs, "config key smtp") || !strings.Contains(errs, "SMTP_PASSWORD") {
		t.Errorf("sample without SMTP_PASSWORD: exit %d, %q; want exit 1 naming the key and the variable", code, errs)
	}
}
