package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/store"
)

func TestHelpPrintsUsageAndFlags(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{
		{"help", "org", "set"},
		{"org", "set", "--help"},
		{"org", "set", "-h"},
		{"org", "set", "acme", "--name", "X", "-h"},
		{"--json", "help", "org", "set"},
	} {
		code, out, errs := c.run("", args...)
		if code != 0 || errs != "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
		for _, want := range []string{
			"usage: helpdesk org set SLUG [--name NAME] [--access own|view|comment]",
			"[--language en|nb]", "--cc-adders requester|participants", "--dry-run", "--as EMAIL",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: help lacks %q:\n%s", args, want, out)
			}
		}
	}
	// org add's --language, once missing from the help, is there.
	if out := c.ok("help", "org", "add"); !strings.Contains(out, "--language en|nb") || !strings.Contains(out, "--domain D [--domain D ...]") {
		t.Errorf("help org add:\n%s", out)
	}
	// A group lists its commands.
	out := c.ok("help", "org")
	for _, want := range []string{"helpdesk org add SLUG", "helpdesk org domain remove SLUG DOMAIN", "helpdesk org list"} {
		if !strings.Contains(out, want) {
			t.Errorf("help org lacks %q:\n%s", want, out)
		}
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		code, out, _ := c.run("", args...)
		if code != 0 || !strings.Contains(out, "  ticket cc ID [--add EMAIL ...] [--remove EMAIL ...]") {
			t.Errorf("%v: exit %d:\n%s", args, code, out)
		}
	}
}

func TestWrongUsageExits2InOneLine(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "no command"},
		{[]string{"nosuch"}, `unknown command "nosuch"`},
		{[]string{"help", "nosuch"}, `unknown command "nosuch"`},
		{[]string{"org"}, "org: which one? add, set, domain add, domain remove, sync, list"},
		{[]string{"org", "nosuch"}, `org: unknown command "nosuch"`},
		{[]string{"org", "domain"}, "org domain: which one? add, remove"},
		{[]string{"org", "add", "acme", "--bogus"}, "unknown flag --bogus"},
		{[]string{"org", "add", "acme"}, "--domain is required"},
		{[]string{"org", "add", "acme", "b", "--domain", "acme.com"}, "usage: helpdesk org add SLUG"},
		{[]string{"member", "set", "a@b.example", "acme", "--follow-all", "--no-follow-all"}, "exclude each other"},
		{[]string{"outbox", "list", "--ticket", "x"}, "--ticket"},
		{[]string{"staff", "add", "a@b.example"}, "--role is required"},
		{[]string{"audit", "--since", "yesterday"}, "--since"},
		// Wrong usage is found before the store is looked for (this one does not exist).
		{[]string{"org", "set", "acme", "--access", "maybe"}, `org set: --access must be own, view or comment, not "maybe"`},
		{[]string{"member", "set", "a@b.example", "acme", "--access", "all"}, `--access must be own or org`},
		{[]string{"--json=maybe", "org", "list"}, "--json"},
	} {
		code, out, errs := c.run("", tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", tc.args, code, out, errs, tc.want)
		}
	}
}

func TestVersion(t *testing.T) {
	c := newCLI(t)
	out := c.ok("version")
	if !strings.HasPrefix(out, "helpdesk ") || !strings.Contains(out, fmt.Sprintf("schema version %d\n", knownSchema)) {
		t.Errorf("version:\n%s", out)
	}
	var v map[string]any
	mustJSON(t, c.ok("version", "--json"), &v)
	if v["schema"] != float64(knownSchema) || v["version"] == "" {
		t.Errorf("version --json: %v", v)
	}
	if c.storeExists() {
		t.Error("version created a store")
	}
}

// TestKnownSchemaIsTheStores keeps knownSchema equal to the last migration
// the store applies (the store does not export it).
func TestKnownSchemaIsTheStores(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	st, err := store.Open(context.Background(), "sqlite:"+path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var latest int
	if err := db.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&latest); err != nil {
		t.Fatal(err)
	}
	if latest != knownSchema {
		t.Errorf("the store migrates to schema %d; knownSchema (version.go) says %d", latest, knownSchema)
	}
}

// storeExists reports whether the CLI's SQLite store file exists.
func (c *cli) storeExists() bool {
	_, err := os.Stat(strings.TrimPrefix(c.db, "sqlite:"))
	return err == nil
}
