package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cli runs the command in-process against one database.
type cli struct {
	t   *testing.T
	db  string
	env map[string]string
}

func newCLI(t *testing.T) *cli {
	return &cli{t: t, db: "sqlite:" + filepath.Join(t.TempDir(), "h.db"),
		env: map[string]string{"HELPDESK_ADDRESS": "support@help.example", "HELPDESK_SECRET": "cli-test-secret-0123456789"}}
}

func (c *cli) run(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	args = append([]string{"--db", c.db}, args...)
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb, func(k string) string { return c.env[k] })
	return code, out.String(), errb.String()
}

func (c *cli) ok(args ...string) string {
	c.t.Helper()
	code, out, errs := c.run("", args...)
	if code != 0 {
		c.t.Fatalf("helpdesk %v: exit %d: %s", args, code, errs)
	}
	return out
}

func TestExitCodes(t *testing.T) {
	c := newCLI(t)
	cases := []struct {
		args []string
		code int
	}{
		{[]string{"nosuch"}, 2},
		{[]string{"org"}, 2},
		{[]string{"org", "add"}, 2},
		{[]string{"org", "add", "acme", "--access", "maybe", "--domain", "acme.com", "--as", "x@y.z"}, 2},
		{[]string{"ticket", "show", "abc"}, 2},
		{[]string{"org", "add", "acme", "--domain", "acme.com"}, 1}, // S2: no --as
		{[]string{"staff", "add", "o@help.example", "--role", "owner"}, 0},
		{[]string{"staff", "add", "a@help.example", "--role", "agent"}, 1}, // S2 again: no --as
		{[]string{"ticket", "show", "99"}, 1},
	}
	for _, tc := range cases {
		code, _, errs := c.run("", tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, code, tc.code, errs)
		}
		if code != 0 && (errs == "" || strings.Count(strings.TrimSpace(errs), "\n") > 0) {
			t.Errorf("%v: stderr should be one line, got %q", tc.args, errs)
		}
	}
}

func TestJSONShapes(t *testing.T) {
	c := newCLI(t)
	c.ok("staff", "add", "Owner@Help.example", "--role", "owner")
	c.ok("--as", "owner@help.example", "org", "add", "acme", "--name", "Acme", "--domain", "acme.com")
	raw := "From: Ann <ANN@acme.com>\r\nCc: carl@cc.example\r\nSubject: Printer\r\nMessage-ID: <a1@acme.com>\r\n\r\nHelp!\r\n"
	code, out, errs := c.run(raw, "ingest", "--json")
	if code != 0 {
		t.Fatal(errs)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(out), &line); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if line["outcome"] != "created" || line["ticket"] != float64(1) {
		t.Fatalf("ingest line %v", line)
	}
	if _, ok := line["reason"]; !ok {
		t.Fatal("no reason")
	}
	var show map[string]any
	mustJSON(t, c.ok("ticket", "show", "1", "--json"), &show)
	for _, k := range []string{"id", "subject", "status", "priority", "type", "organisation", "requester", "assignee", "participants", "comments"} {
		if _, ok := show[k]; !ok {
			t.Errorf("ticket show lacks %q", k)
		}
	}
	if show["requester"] != "ann@acme.com" || show["assignee"] != nil {
		t.Errorf("ticket show %v", show)
	}
	var list []map[string]any
	mustJSON(t, c.ok("ticket", "list", "--json"), &list)
	if len(list) != 1 || list[0]["comments"] != nil {
		t.Errorf("ticket list %v", list)
	}
	var outbox []map[string]any
	mustJSON(t, c.ok("outbox", "list", "--json"), &outbox)
	if len(outbox) != 3 { // ack, cc_added, and the owner told of the new ticket (N7)
		t.Fatalf("outbox %v", outbox)
	}
	for _, k := range []string{"id", "ticket", "to", "kind", "subject", "status", "message_id", "reply_to"} {
		if _, ok := outbox[0][k]; !ok {
			t.Errorf("outbox lacks %q", k)
		}
	}
	var user map[string]any
	mustJSON(t, c.ok("user", "show", "ann@acme.com", "--json"), &user)
	if user["default_org"] != "acme" || user["staff_role"] != nil {
		t.Errorf("user show %v", user)
	}
	var audit []map[string]any
	mustJSON(t, c.ok("audit", "--json"), &audit)
	if len(audit) != 2 || audit[1]["actor"] != "owner@help.example" || audit[1]["action"] != "org.add" {
		t.Errorf("audit %v", audit)
	}
	var q []map[string]any
	mustJSON(t, c.ok("quarantine", "list", "--json"), &q)
	if q == nil || len(q) != 0 {
		t.Errorf("quarantine list %v", q)
	}
}

func TestTicketAccessJSON(t *testing.T) {
	c := newCLI(t)
	c.ok("staff", "add", "o@help.example", "--role", "owner")
	c.run("From: ann@acme.com\r\nCc: carl@cc.example\r\nSubject: hi\r\n\r\nhello\r\n", "ingest")
	var entries []map[string]any
	mustJSON(t, c.ok("ticket", "access", "1", "--json"), &entries)
	if len(entries) != 3 {
		t.Fatalf("%v", entries)
	}
	for _, e := range entries {
		if e["view"] != true || e["rules"] == nil || e["why"] == "" {
			t.Errorf("entry %v", e)
		}
	}
}

func mustJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
