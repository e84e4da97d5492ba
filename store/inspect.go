package store

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/jmoiron/sqlx"
)

// StoredSchemaVersion reads the schema version of the store at url without
// creating, migrating or writing it: 0 for a database without a schema
// yet. A SQLite file that does not exist is an error wrapping
// fs.ErrNotExist. Compare it with SchemaVersion: a larger one is a store
// this program refuses (ErrSchemaTooNew), a smaller one is migrated when
// the program opens it.
func StoredSchemaVersion(ctx context.Context, url string) (int, error) {
	backend, dsn, err := parseURL(url)
	if err != nil {
		return 0, err
	}
	if backend == SQLite {
		path, _, _ := strings.Cut(dsn, "?")
		if _, err := os.Stat(strings.TrimPrefix(path, "file:")); err != nil {
			return 0, fmt.Errorf("read the store's schema version: %w", err)
		}
		dsn = "file:" + strings.TrimPrefix(path, "file:") + "?mode=ro"
	}
	db, err := sqlx.Open(string(backend), dsn)
	if err != nil {
		return 0, fmt.Errorf("open %s database: %w", backend, err)
	}
	defer db.Close()
	return schemaVersion(ctx, db, backend)
}
