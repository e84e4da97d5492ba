package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// sampleArgs are arguments that are right for each command, used to run
// every command on a store that does not exist. A command added to the
// table needs a line here (the test says so).
var sampleArgs = map[string][]string{
	"org add":            {"acme", "--domain", "acme.com"},
	"org set":            {"acme", "--access", "view"},
	"org domain add":     {"acme", "acme.net"},
	"org domain remove":  {"acme", "acme.net"},
	"org sync":           {"acme"},
	"org list":           {},
	"user add":           {"ann@acme.com"},
	"user set":           {"ann@acme.com", "--name", "Ann"},
	"user show":          {"ann@acme.com"},
	"member set":         {"ann@acme.com", "acme", "--access", "org"},
	"member remove":      {"ann@acme.com", "acme"},
	"staff add":          {"sam@help.example", "--role", "agent"}, // only the first owner creates a store
	"staff set":          {"sam@help.example", "--role", "admin"},
	"staff remove":       {"sam@help.example"},
	"ticket list":        {},
	"ticket show":        {"1"},
	"ticket access":      {"1"},
	"ticket cc":          {"1", "--add", "carl@cc.example"},
	"ticket reply":       {"1"},
	"ticket note":        {"1"},
	"ticket set":         {"1", "--status", "solved"},
	"outbox list":        {},
	"quarantine list":    {},
	"quarantine show":    {"1"},
	"quarantine release": {"1"},
	"quarantine discard": {"1"},
	"audit":              {},
	"team add":           {"billing", "--name", "Billing", "--address", "billing@help.example"},
	"team set":           {"billing", "--default"},
	"team remove":        {"billing"},
	"team member add":    {"billing", "sam@help.example"},
	"team member remove": {"billing", "sam@help.example"},
	"team list":          {},
	"staff list":         {},
	"outbox retry":       {"1"},
	"backup":             {"helpdesk-backup.db"},
}

// opensNoStore are the commands that create a missing store (cli.md), and
// those that open none.
var opensNoStore = map[string]bool{"serve": true, "ingest": true, "help": true, "version": true}

// TestCommandsRefuseAStoreThatDoesNotExist: every command but serve,
// ingest and the first owner's staff add, run on a SQLite path that does
// not exist, exits 1 with one line naming the path and creates nothing,
// with and without --dry-run and --as.
func TestCommandsRefuseAStoreThatDoesNotExist(t *testing.T) {
	c := newCLI(t)
	path := filepath.Join(t.TempDir(), "helpdesk-typo.db")
	c.db = "sqlite:" + path
	for _, cmd := range commands {
		if opensNoStore[cmd.Words] {
			continue
		}
		args, ok := sampleArgs[cmd.Words]
		if !ok {
			t.Errorf("%q has no sampleArgs: add a right command line for it", cmd.Words)
			continue
		}
		for _, extra := range [][]string{nil, {"--dry-run"}, {"--as", "owner@help.example", "--json"}} {
			line := append(append(strings.Fields(cmd.Words), args...), extra...)
			code, out, errs := c.run("", line...)
			if code != 1 || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "no helpdesk store at "+path) {
				t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and one line naming %s", line, code, out, errs, path)
			}
			if _, err := os.Stat(path); err == nil {
				t.Fatalf("%v created %s", line, path)
			}
		}
	}
}

func TestFirstOwnerAndIngestCreateTheStore(t *testing.T) {
	c := newCLI(t)
	path := strings.TrimPrefix(c.db, "sqlite:")
	// A dry run previews on an empty store and creates nothing.
	code, out, errs := c.run("From: ann@acme.com\r\nSubject: hi\r\n\r\nhello\r\n", "ingest", "--dry-run")
	if code != 0 || !strings.Contains(out, "(dry run) created ticket 1") || !strings.Contains(errs, "no store at "+path+" yet") {
		t.Errorf("ingest --dry-run: exit %d, %q, %q", code, out, errs)
	}
	if out := c.ok("staff", "add", "o@help.example", "--role", "owner", "--dry-run"); !strings.Contains(out, "dry run, nothing changed") {
		t.Errorf("staff add --dry-run: %q", out)
	}
	if c.storeExists() {
		t.Fatal("a dry run created the store")
	}
	c.ok("staff", "add", "o@help.example", "--role", "owner")
	if !c.storeExists() {
		t.Fatal("the first owner's staff add did not create the store")
	}
	c2 := newCLI(t)
	c2.run("From: ann@acme.com\r\nSubject: hi\r\n\r\nhello\r\n", "ingest")
	if !c2.storeExists() {
		t.Fatal("ingest did not create the store")
	}
}

func TestSQLiteFile(t *testing.T) {
	for url, want := range map[string]string{
		"sqlite:helpdesk.db":          "helpdesk.db",
		"sqlite:///var/lib/h.db":      "/var/lib/h.db",
		"/var/lib/h.db":               "/var/lib/h.db",
		"h.db?_busy_timeout=1":        "h.db",
		"sqlite:file:h.db?mode=rwc":   "h.db",
		"postgres://u@localhost/db":   "",
		"postgresql://u@localhost/db": "",
		"sqlite::memory:":             "",
	} {
		got, ok := sqliteFile(url)
		if got != want || ok != (want != "") {
			t.Errorf("sqliteFile(%q) = %q, %v; want %q", url, got, ok, want)
		}
	}
}

// TestIngestExitsOneWhenAMessageFailed: every message is still ingested
// and printed; the exit code says one failed, in one line.
func TestIngestExitsOneWhenAMessageFailed(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	bad, good, gone := filepath.Join(dir, "bad.eml"), filepath.Join(dir, "good.eml"), filepath.Join(dir, "gone.eml")
	writeFile(t, bad, "")
	writeFile(t, good, "From: ann@acme.com\r\nSubject: hi\r\n\r\nhello\r\n")
	code, out, errs := c.run("", "ingest", "--json", bad, gone, good)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || len(lines) != 3 || !strings.Contains(lines[0], `"outcome":"failed"`) ||
		!strings.Contains(lines[1], `"outcome":"failed"`) || !strings.Contains(lines[1], "cannot read the file") ||
		!strings.Contains(lines[2], `"outcome":"created"`) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if errs != "helpdesk: 2 of 3 messages failed (their lines say why)\n" {
		t.Errorf("stderr %q", errs)
	}
	noFrom := filepath.Join(dir, "nofrom.eml")
	writeFile(t, noFrom, "From: undisclosed\r\nSubject: hi\r\n\r\nbody\r\n")
	code, out, errs = c.run("", "ingest", noFrom)
	if code != 1 || !strings.HasPrefix(out, noFrom+": failed: ") || errs != "helpdesk: 1 of 1 message failed (their lines say why)\n" {
		t.Errorf("one bad file: exit %d, %q, %q", code, out, errs)
	}
	code, out, errs = c.run("\x00\x01garbage", "ingest")
	if code != 1 || !strings.HasPrefix(out, "failed: ") || errs != "helpdesk: the message failed (its line says why)\n" {
		t.Errorf("garbage on stdin: exit %d, %q, %q", code, out, errs)
	}
	if code, _, errs := c.run("From: bob@acme.com\r\nSubject: hi\r\n\r\nhello\r\n", "ingest"); code != 0 {
		t.Errorf("a good message: exit %d, %q", code, errs)
	}
}

// nullable are the keys cli.md documents as "or null".
var nullable = map[string]bool{"ticket": true, "organisation": true, "assignee": true, "team": true,
	"staff_role": true, "default_org": true, "before": true, "after": true, "comment": true}

// TestJSONHasEveryKeyAndNoNullLists: ticket show of a ticket without
// comments, participants or attachments prints them as [], a preview that
// takes nothing away prints "lost": [], and nothing prints null but the
// keys documented as nullable.
func TestJSONHasEveryKeyAndNoNullLists(t *testing.T) {
	c := newCLI(t)
	c.ok("staff", "add", "o@help.example", "--role", "owner")
	c.run("From: ann@acme.com\r\nSubject: hi\r\n\r\nhello\r\n", "ingest")
	bareTicket(t, c)

	var show map[string]any
	mustJSON(t, c.ok("ticket", "show", "2", "--json"), &show)
	for _, k := range []string{"id", "subject", "status", "priority", "type", "organisation", "requester", "assignee", "team", "participants", "comments"} {
		if _, ok := show[k]; !ok {
			t.Errorf("ticket show lacks %q: %v", k, show)
		}
	}
	if !isEmptyList(show["comments"]) || !isEmptyList(show["participants"]) {
		t.Errorf("ticket show of a ticket without comments or participants: %v", show)
	}
	mustJSON(t, c.ok("ticket", "show", "1", "--json"), &show)
	comments, _ := show["comments"].([]any)
	if len(comments) != 1 || !isEmptyList(comments[0].(map[string]any)["attachments"]) {
		t.Errorf("comment without attachments: %v", show["comments"])
	}

	c.ok("--as", "o@help.example", "org", "add", "acme", "--domain", "acme.com")
	var preview map[string]any
	mustJSON(t, c.ok("--as", "o@help.example", "org", "set", "acme", "--access", "view", "--dry-run", "--json"), &preview)
	impact, _ := preview["impact"].(map[string]any)
	if impact == nil || !isEmptyList(impact["lost"]) || impact["gained"] == nil {
		t.Errorf("preview: %v", preview)
	}

	for _, args := range [][]string{
		{"ticket", "show", "1"}, {"ticket", "show", "2"}, {"ticket", "list"}, {"ticket", "access", "1"},
		{"--as", "o@help.example", "org", "set", "acme", "--access", "view", "--dry-run"},
		{"--as", "o@help.example", "org", "sync", "acme"}, {"org", "list"}, {"user", "show", "ann@acme.com"},
		{"outbox", "list"}, {"quarantine", "list"}, {"audit"}, {"version"},
	} {
		var v any
		mustJSON(t, c.ok(append(args, "--json")...), &v)
		if where := nullList(v, ""); where != "" {
			t.Errorf("%v --json: null at %s", args, where)
		}
	}
}

// bareTicket adds ticket 2, with no comment, participant or organisation,
// straight into the store (no command makes one).
func bareTicket(t *testing.T, c *cli) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, c.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.UserByEmail(ctx, "ann@acme.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateTicket(ctx, &model.Ticket{Subject: "bare", RequesterID: u.ID}); err != nil {
		t.Fatal(err)
	}
}

func isEmptyList(v any) bool {
	l, ok := v.([]any)
	return ok && len(l) == 0
}

// nullList returns where v holds a null that is not a nullable key's.
func nullList(v any, at string) string {
	switch v := v.(type) {
	case nil:
		return at
	case []any:
		for i, x := range v {
			if w := nullList(x, at+"["+strconv.Itoa(i)+"]"); w != "" {
				return w
			}
		}
	case map[string]any:
		for k, x := range v {
			if x == nil && nullable[k] {
				continue
			}
			if w := nullList(x, at+"."+k); w != "" {
				return w
			}
		}
	}
	return ""
}

func TestWithEmptyLists(t *testing.T) {
	type Inner struct {
		L   []string        `json:"l"`
		Raw json.RawMessage `json:"raw"`
	}
	type outer struct {
		Inner
		P     *Inner           `json:"p"`
		Items []Inner          `json:"items"`
		Any   any              `json:"any"`
		M     map[string][]int `json:"m"`
		hide  []int
	}
	v := outer{P: &Inner{}, Items: []Inner{{}}, Any: Inner{}, M: map[string][]int{"a": nil}}
	b, err := json.Marshal(withEmptyLists(v))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"l":[],"raw":null,"p":{"l":[],"raw":null},"items":[{"l":[],"raw":null}],"any":{"l":[],"raw":null},"m":{"a":[]}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	if v.P.L != nil || v.Items[0].L != nil || v.M["a"] != nil {
		t.Error("withEmptyLists changed its argument")
	}
	_ = v.hide
}

// TestOutcomeSentencesUsePlurals: "1 person gains rights on 1 ticket".
func TestOutcomeSentencesUsePlurals(t *testing.T) {
	c := newCLI(t)
	c.ok("staff", "add", "o@help.example", "--role", "owner")
	c.ok("--as", "o@help.example", "org", "add", "acme", "--domain", "acme.com")
	c.run("From: ann@acme.com\r\nSubject: hi\r\n\r\nhello\r\n", "ingest")
	c.ok("--as", "o@help.example", "user", "add", "bob@acme.com")
	out := c.ok("--as", "o@help.example", "org", "set", "acme", "--access", "view", "--dry-run")
	if !strings.Contains(out, ": 1 person gains rights on 1 ticket, 0 people lose rights on 0 tickets\n") {
		t.Errorf("one person: %q", out)
	}
	c.ok("--as", "o@help.example", "user", "add", "carl@acme.com")
	out = c.ok("--as", "o@help.example", "org", "set", "acme", "--access", "view", "--dry-run")
	if !strings.Contains(out, ": 2 people gain rights on 1 ticket, 0 people lose rights on 0 tickets\n") {
		t.Errorf("two people: %q", out)
	}
	if got := rightsChange(1, "loses", "lose", 3); got != "1 person loses rights on 3 tickets" {
		t.Errorf("%q", got)
	}
}

// TestO2_DomainWithLineBreakIsRefused: a domain holding CR, LF or TAB once
// got in and broke org list's lines.
func TestO2_DomainWithLineBreakIsRefused(t *testing.T) {
	c := newCLI(t)
	c.ok("staff", "add", "o@help.example", "--role", "owner")
	c.ok("--as", "o@help.example", "org", "add", "acme", "--domain", "Bücher.example")
	for _, args := range [][]string{
		{"org", "domain", "add", "acme", "x.example\r\nevil"},
		{"org", "domain", "add", "acme", "x.example\tevil"},
		{"org", "add", "evil", "--domain", "evil.example\nacme.com"},
	} {
		code, _, errs := c.run("", append([]string{"--as", "o@help.example"}, args...)...)
		if code != 2 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "O2: ") || !strings.Contains(errs, "is not a domain name") {
			t.Errorf("%q: exit %d, stderr %q", args, code, errs)
		}
	}
	out := c.ok("org", "list")
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, " xn--bcher-kva.example\n") {
		t.Errorf("org list:\n%s", out)
	}
}
