package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsAreValid(t *testing.T) {
	c, err := Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "sqlite:helpdesk.db" || c.Address != "support@localhost" || c.AckLimit != 5 || c.LoopLimit != 20 {
		t.Fatalf("%+v", c)
	}
}

func TestFileThenEnvironment(t *testing.T) {
	p := filepath.Join(t.TempDir(), "h.toml")
	os.WriteFile(p, []byte("address = \"help@acme.example\"\nack_limit = 3\nauthserv_id = \"mx.file\"\n"), 0o600)
	c, err := Load(p, env(map[string]string{"HELPDESK_AUTHSERV_ID": "mx.env"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Address != "help@acme.example" || c.AckLimit != 3 || c.AuthservID != "mx.env" {
		t.Fatalf("%+v", c)
	}
}

func TestWrongValuesNameTheKey(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"unknown_senders = \"maybe\"\n": "unknown_senders",
		"ack_limit = 0\n":               "ack_limit",
		"address = \"support\"\n":       "address",
		"secret = \"short\"\n":          "secret",
		"note_address = \"acme\"\n":     "note_address",
		"nosuchkey = 1\n":               "nosuchkey",
		"ack_limit = \"five\"\n":        "ack_limit",
	}
	for body, key := range cases {
		p := filepath.Join(dir, "c.toml")
		os.WriteFile(p, []byte(body), 0o600)
		_, err := Load(p, env(nil))
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%q: error %v does not name %s", body, err, key)
		}
	}
}

func TestRedactedHidesSecrets(t *testing.T) {
	c := Defaults()
	c.Secret = "supersecretsupersecret"
	c.DB = "postgres://helpdesk:pgpass@127.0.0.1/helpdesk"
	c.IMAP = "imaps://u:imappass@127.0.0.1:993/INBOX imap://v:other@127.0.0.1/X"
	out := c.Redacted()
	for _, s := range []string{"supersecret", "pgpass", "imappass", "other@"} {
		if strings.Contains(out, s) {
			t.Fatalf("%q leaked:\n%s", s, out)
		}
	}
	if !strings.Contains(out, "helpdesk:(redacted)@127.0.0.1") {
		t.Fatalf("user lost:\n%s", out)
	}
}

func TestServeKeysNameTheKey(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"log_format = \"xml\"\n":             "log_format",
		"log_level = \"loud\"\n":             "log_level",
		"shutdown_grace = \"forever\"\n":     "shutdown_grace",
		"shutdown_grace = \"0s\"\n":          "shutdown_grace",
		"local_smtp = \"0.0.0.0:2525\"\n":    "local_smtp",
		"local_imap = \"1143\"\n":            "local_imap",
		"http = \"8025\"\n":                  "http",
		"smtp = \"mail.example.com:587\"\n":  "smtp",
		"imap = \"pop3://u:p@host/INBOX\"\n": "imap",
		"db = \"${NO_SUCH_VARIABLE}\"\n":     "db",
		"capture_dir = \"\"\n":               "capture_dir",
	}
	for body, key := range cases {
		p := filepath.Join(dir, "c.toml")
		os.WriteFile(p, []byte(body), 0o600)
		_, err := Load(p, env(nil))
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%q: error %v does not name %s", body, err, key)
		}
	}
	if _, err := Load("", env(map[string]string{"HELPDESK_SHUTDOWN_GRACE": "soon"})); err == nil || !strings.Contains(err.Error(), "shutdown_grace") {
		t.Errorf("HELPDESK_SHUTDOWN_GRACE: %v", err)
	}
}

// A file names its secrets as ${VARIABLE}; the environment holds them.
func TestSecretsFromTheEnvironmentByName(t *testing.T) {
	p := filepath.Join(t.TempDir(), "h.toml")
	os.WriteFile(p, []byte(`db = "postgres://helpdesk:${PGPASS}@db.internal/helpdesk"
imap = """
imaps://acme%40help.example:${ACME_PASS}@imap.example.com/INBOX?name=acme
imaps://beta%40help.example:${BETA_PASS}@imap.example.com/INBOX?name=beta
"""
shutdown_grace = "30s"
log_format = "json"
`), 0o600)
	c, err := Load(p, env(map[string]string{"PGPASS": "pg-secret", "ACME_PASS": "a-secret", "BETA_PASS": "b-secret"}))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := c.IMAPMailboxes()
	if err != nil || len(ms) != 2 || ms[0].Password != "a-secret" || ms[1].Name != "beta" || ms[1].Password != "b-secret" {
		t.Fatalf("%+v %v", ms, err)
	}
	if !strings.Contains(c.DB, ":pg-secret@") || c.ShutdownGrace.String() != "30s" || c.LogFormat != "json" {
		t.Fatalf("%+v", c)
	}
	out := c.Redacted()
	for _, s := range []string{"pg-secret", "a-secret", "b-secret"} {
		if strings.Contains(out, s) {
			t.Fatalf("%s leaked:\n%s", s, out)
		}
	}
}

// cli.md: metrics are never public by accident: with the web on a
// non-loopback address, HELPDESK_METRICS is required.
func TestMetricsRequiredBeforeTheWebGoesPublic(t *testing.T) {
	env := map[string]string{"HELPDESK_BASE_URL": "https://help.example.com", "HELPDESK_HTTP": "0.0.0.0:8025"}
	_, err := Load("", func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "config key metrics") {
		t.Fatalf("want a refusal naming metrics, got %v", err)
	}
	env["HELPDESK_METRICS"] = "127.0.0.1:9025"
	if _, err := Load("", func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	delete(env, "HELPDESK_METRICS")
	env["HELPDESK_HTTP"] = "127.0.0.1:8025"
	if _, err := Load("", func(k string) string { return env[k] }); err != nil {
		t.Fatalf("loopback web without metrics: %v", err)
	}
}
