package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// An upgrade logs one line per migration it applies, with its version,
// name and how long it took in milliseconds.
func TestUpgradeLogsEachMigration(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		t.Parallel()
		url := storetest.URL(t, b)
		old, err := store.OpenAtVersion(ctx, url, 8)
		must(t, err)
		must(t, old.Close())
		var log bytes.Buffer
		s := storetest.OpenURL(t, url, store.Options{Logger: slog.New(slog.NewJSONHandler(&log, nil))})
		lines := strings.Split(strings.TrimSpace(log.String()), "\n")
		if len(lines) != store.SchemaVersion()-8 {
			t.Fatalf("upgrading from 8 to %d logged %d lines; want one per migration:\n%s", store.SchemaVersion(), len(lines), log.String())
		}
		for i, l := range lines {
			want := fmt.Sprintf(`"msg":"applied schema migration","version":%d,"name":"`, 9+i)
			if !strings.Contains(l, want) || !regexp.MustCompile(`"of":\d+,"took_ms":\d+}$`).MatchString(l) {
				t.Errorf("line %d: %s\nwant %s… \"of\":%d,\"took_ms\":N", i, l, want, store.SchemaVersion())
			}
		}
		v, err := store.SchemaVersions(ctx, s)
		must(t, err)
		if len(v) != store.SchemaVersion() {
			t.Errorf("after the upgrade: migrations %v", v)
		}
	})
}

// A store migrated by a newer program is refused by an older one, with a
// message naming both versions, before anything is used or changed; the
// newer program still opens it.
func TestNewerStoreIsRefusedUntouched(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		t.Parallel()
		url := storetest.URL(t, b)
		s := storetest.OpenURL(t, url, store.Options{})
		must(t, s.Close())
		known := store.SchemaVersion() - 1 // the older program
		_, err := store.OpenAtVersion(ctx, url, known)
		if !errors.Is(err, store.ErrSchemaTooNew) {
			t.Fatalf("an older program opened a newer store: %v", err)
		}
		want := fmt.Sprintf("the store's schema version is %d, newer than this program's %d", store.SchemaVersion(), known)
		if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "migrate schema to version") {
			t.Errorf("refusal: %q; want it to say %q", err, want)
		}
		got, err := store.StoredSchemaVersion(ctx, url)
		if err != nil || got != store.SchemaVersion() {
			t.Errorf("after the refusal the store is at schema %d (%v); want %d", got, err, store.SchemaVersion())
		}
		s = storetest.OpenURL(t, url, store.Options{})
		if err := s.CreateUser(ctx, &model.User{Email: "ann@acme.com"}); err != nil {
			t.Errorf("the newer program cannot use its store after the older one's refusal: %v", err)
		}
	})
}

// StoredSchemaVersion reads a store's schema without creating, migrating
// or changing it.
func TestStoredSchemaVersion(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "typo.db")
	if _, err := store.StoredSchemaVersion(ctx, "sqlite:"+missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing store: %v; want fs.ErrNotExist", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("reading the schema version created %s", missing)
	}
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		t.Parallel()
		url := storetest.URL(t, b)
		if v, err := store.StoredSchemaVersion(ctx, url); b == store.Postgres && (err != nil || v != 0) {
			t.Errorf("an empty PostgreSQL database: schema %d, %v; want 0", v, err)
		}
		old, err := store.OpenAtVersion(ctx, url, 8)
		must(t, err)
		must(t, old.Close())
		for range 2 {
			if v, err := store.StoredSchemaVersion(ctx, url); err != nil || v != 8 {
				t.Fatalf("a store at schema 8: %d, %v", v, err)
			}
		}
	})
}
