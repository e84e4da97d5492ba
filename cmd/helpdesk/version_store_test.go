package main

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
)

// storeSQL runs statements on the CLI's SQLite store, as an older or newer
// release would have left it.
func storeSQL(t *testing.T, c *cli, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", strings.TrimPrefix(c.db, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// storeSchema is the highest migration recorded in the CLI's store.
func storeSchema(t *testing.T, c *cli) int {
	t.Helper()
	db, err := sql.Open("sqlite", strings.TrimPrefix(c.db, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestVersionShowsTheStoresSchema: helpdesk version shows the program's
// schema and the store's, reading the store without creating or
// migrating it.
func TestVersionShowsTheStoresSchema(t *testing.T) {
	c := newCLI(t)
	if out := c.ok("version"); !strings.Contains(out, "store "+c.db+": none yet") {
		t.Errorf("no store:\n%s", out)
	}
	if c.storeExists() {
		t.Fatal("version created the store")
	}
	c.run("From: ann@acme.com\r\nSubject: hi\r\n\r\nhello\r\n", "ingest")
	if out := c.ok("version"); !strings.Contains(out, fmt.Sprintf("schema version %d\nstore %s: schema version %d, current\n", knownSchema, c.db, knownSchema)) {
		t.Errorf("current store:\n%s", out)
	}
	storeSQL(t, c, fmt.Sprintf(`DELETE FROM schema_migrations WHERE version = %d`, knownSchema))
	out := c.ok("version")
	if !strings.Contains(out, fmt.Sprintf("schema version %d, older: the next command or 'serve' migrates it to %d", knownSchema-1, knownSchema)) {
		t.Errorf("older store:\n%s", out)
	}
	if v := storeSchema(t, c); v != knownSchema-1 {
		t.Errorf("version migrated the store to %d", v)
	}
	var v map[string]any
	mustJSON(t, c.ok("version", "--json"), &v)
	if v["schema"] != float64(knownSchema) || v["store_schema"] != float64(knownSchema-1) || v["store_state"] != "older" {
		t.Errorf("version --json: %v", v)
	}
}

// TestNewerStoreIsRefusedClearly: a store a newer release migrated is
// refused by every command in one line naming both versions, and nothing
// is recorded in it; version says so without refusing.
func TestNewerStoreIsRefusedClearly(t *testing.T) {
	c := newCLI(t)
	c.ok("staff", "add", "o@help.example", "--role", "owner")
	future := knownSchema + 1
	storeSQL(t, c, fmt.Sprintf(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (%d, 'from a newer release', '2030-01-01 00:00:00')`, future))
	want := fmt.Sprintf("the store's schema version is %d, newer than this program's %d", future, knownSchema)
	for _, args := range [][]string{{"ticket", "list"}, {"ingest"}, {"serve"}} {
		code, out, errs := c.run("From: ann@acme.com\r\nSubject: hi\r\n\r\nhello\r\n", args...)
		if code != 1 || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, want) {
			t.Errorf("%v on a newer store: exit %d, %q, %q; want exit 1 and one line saying %q", args, code, out, errs, want)
		}
	}
	var raws int
	db, err := sql.Open("sqlite", strings.TrimPrefix(c.db, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT COUNT(*) FROM raw_messages`).Scan(&raws); err != nil || raws != 0 {
		t.Errorf("the refused ingest recorded %d messages (%v)", raws, err)
	}
	if out := c.ok("version"); !strings.Contains(out, fmt.Sprintf("schema version %d, newer: this program refuses it", future)) {
		t.Errorf("version on a newer store:\n%s", out)
	}
}
