package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServeCheckWithoutConfiguration(t *testing.T) {
	c := newCLI(t)
	out := c.ok("serve", "--check")
	for _, want := range []string{"is valid", "built-in local mail server", "captured in the folder helpdesk-sent", `http = "127.0.0.1:8025"`,
		"memory:   soft limit 100MiB (memory_limit)", `memory_limit = "100MiB"`,
		"staff:    staff mail counts only as a reply to a notification they were sent"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

// I9: serve --check says how staff prove who they are with a trusted
// authserv-id.
func TestServeCheckSaysHowStaffProveIt(t *testing.T) {
	c := newCLI(t)
	c.env["HELPDESK_AUTHSERV_ID"] = "mx.help.example"
	out := c.ok("serve", "--check")
	if !strings.Contains(out, "Authentication-Results of mx.help.example") {
		t.Errorf("I9: the check does not say how staff prove it:\n%s", out)
	}
}

// GOMEMLIMIT, the Go runtime's own variable, wins over memory_limit, and
// the check says so.
func TestServeCheckShowsTheMemoryLimitInForce(t *testing.T) {
	c := newCLI(t)
	c.env["HELPDESK_MEMORY_LIMIT"] = "512MiB"
	if out := c.ok("serve", "--check"); !strings.Contains(out, "soft limit 512MiB (memory_limit)") {
		t.Errorf("HELPDESK_MEMORY_LIMIT=512MiB: no \"soft limit 512MiB\" in:\n%s", out)
	}
	c.env["GOMEMLIMIT"] = "1GiB"
	if out := c.ok("serve", "--check"); !strings.Contains(out, "GOMEMLIMIT=1GiB from the environment (it wins over memory_limit)") {
		t.Errorf("GOMEMLIMIT=1GiB: the check does not say it wins:\n%s", out)
	}
}

func TestServeCheckPrintsARealConfigurationRedacted(t *testing.T) {
	c := newCLI(t)
	p := filepath.Join(t.TempDir(), "helpdesk.toml")
	os.WriteFile(p, []byte(`db = "postgres://helpdesk:${PGPASS}@db.internal:5432/helpdesk?sslmode=require"
address = "support@help.example"
secret = "${TOKEN_SECRET}"
authserv_id = "mx.help.example"
imap = """
imaps://support%40help.example:${IMAP_PASS}@imap.help.example/INBOX?name=support&processed=Done
imap://sales%40help.example:${IMAP_PASS}@imap.help.example:143/INBOX?name=sales&mark=seen&poll=1m
"""
smtp = "smtps://support%40help.example:${SMTP_PASS}@smtp.help.example:465?pool=4&rate=10"
log_format = "json"
shutdown_grace = "30s"
`), 0o600)
	for k, v := range map[string]string{"HELPDESK_CONFIG": p, "PGPASS": "pg-pass-1", "TOKEN_SECRET": "token-secret-0123456789",
		"IMAP_PASS": "imap-pass-2", "SMTP_PASS": "smtp-pass-3"} {
		c.env[k] = v
	}
	delete(c.env, "HELPDESK_SECRET")
	code, out, errs := c.runNoDB("serve", "--check")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"mailbox support: imap.help.example:993", "mailbox sales: imap.help.example:143", "mark seen, poll 1m0s",
		"smtp relay support@help.example:xxxxx@smtp.help.example:465 (tls implicit, 4 connections", `log_format = "json"`,
		`shutdown_grace = "30s"`, "postgres://helpdesk:(redacted)@db.internal"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	for _, secret := range []string{"pg-pass-1", "token-secret", "imap-pass-2", "smtp-pass-3"} {
		if strings.Contains(out, secret) {
			t.Errorf("%s leaked:\n%s", secret, out)
		}
	}
}

// A wrong value is an error, exit 1, naming the key.
func TestServeCheckNamesTheWrongKey(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"smtp = \"smtp://u:p@relay.example.com?tls=none\"\n": "smtp",
		"smtp = \"smtp://relay.example.com?pool=many\"\n":    "smtp",
		"templates = \"/no/such/folder\"\n":                  "templates",
		"imap = \"imaps://u:p@host/INBOX?poll=1ms\"\n":       "imap",
		"ack_limit = 0\n":                   "ack_limit",
		"log_format = \"xml\"\n":            "log_format",
		"local_smtp = \"192.0.2.1:2525\"\n": "local_smtp",
		"no_such_key = 1\n":                 "no_such_key",
		"memory_limit = \"100MB\"\n":        "memory_limit",
	}
	for body, key := range cases {
		c := newCLI(t)
		p := filepath.Join(dir, "c.toml")
		os.WriteFile(p, []byte(body), 0o600)
		c.env["HELPDESK_CONFIG"] = p
		code, _, errs := c.run("", "serve", "--check")
		if code != 1 || !strings.Contains(errs, key) {
			t.Errorf("%q: exit %d, stderr %q does not name %s", body, code, errs, key)
		}
	}
}

// runNoDB runs a command without the test's --db flag, so the
// configuration's database is the one shown.
func (c *cli) runNoDB(args ...string) (int, string, string) {
	db := c.db
	c.db = ""
	defer func() { c.db = db }()
	return c.run("", args...)
}
