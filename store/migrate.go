package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// migration is one versioned schema step.
type migration struct {
	version int
	name    string
	sql     string
	// when, if set, says whether the step can run on this database; a
	// step that cannot is recorded as applied without running.
	when func(ctx context.Context, s *Store, tx *sqlx.Tx) (bool, error)
}

// onPostgres reports whether the database is PostgreSQL.
func onPostgres(ctx context.Context, s *Store, tx *sqlx.Tx) (bool, error) {
	return s.backend == Postgres, nil
}

// lz4Available reports whether the database is a PostgreSQL server that
// can compress values with lz4.
func lz4Available(ctx context.Context, s *Store, tx *sqlx.Tx) (bool, error) {
	if s.backend != Postgres {
		return false, nil
	}
	var n int
	err := tx.QueryRowxContext(ctx, `SELECT COUNT(*) FROM pg_settings
		WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)`).Scan(&n)
	if err != nil {
		return false, translate(err)
	}
	return n > 0, nil
}

// migrationLockKey is the PostgreSQL advisory lock held while migrating, so
// that processes starting together apply each step once.
const migrationLockKey = 0x68656c70 // "help"

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TIMESTAMPTZ NOT NULL
)`

// sqliteDialect rewrites PostgreSQL column types into SQLite's.
var sqliteDialect = strings.NewReplacer(
	"BIGSERIAL PRIMARY KEY", "INTEGER PRIMARY KEY AUTOINCREMENT",
	"BYTEA", "BLOB",
	"TIMESTAMPTZ", "TIMESTAMP",
)

// ddl adapts schema SQL to the store's backend.
func (s *Store) ddl(sql string) string {
	if s.backend == SQLite {
		return sqliteDialect.Replace(sql)
	}
	return sql
}

// ErrSchemaTooNew is a store whose schema is newer than this program's:
// a newer version of the program migrated it. Open refuses such a store
// before using it in any way.
var ErrSchemaTooNew = errors.New("the store's schema is newer than this program's")

// newerSchemaError is ErrSchemaTooNew with both versions.
type newerSchemaError struct{ store, known int }

func (e newerSchemaError) Error() string {
	return fmt.Sprintf("the store's schema version is %d, newer than this program's %d: a newer helpdesk migrated it, "+
		"and this one refuses to use it; run that version or a later one ('helpdesk version' shows both versions)", e.store, e.known)
}

func (e newerSchemaError) Is(target error) bool { return target == ErrSchemaTooNew }

// applyMigrations applies the pending steps of steps, in order, each in
// its own transaction. A store newer than steps is refused at the first
// step, before anything is changed.
func (s *Store) applyMigrations(ctx context.Context, steps []migration) error {
	for _, m := range steps {
		err := s.applyMigration(ctx, m, steps[len(steps)-1].version)
		if errors.Is(err, ErrSchemaTooNew) {
			return err
		}
		if err != nil {
			return fmt.Errorf("migrate schema to version %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// applyMigration applies m unless it already is. On PostgreSQL the
// transaction is READ COMMITTED and takes the advisory lock first, so a
// process that waited for the lock sees the step another process applied.
// On SQLite the transaction holds the write lock from BEGIN.
func (s *Store) applyMigration(ctx context.Context, m migration, known int) error {
	start := time.Now()
	var opts *sql.TxOptions
	if s.backend == Postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	tx, err := s.db.BeginTxx(ctx, opts)
	if err != nil {
		return translate(err)
	}
	defer tx.Rollback()
	applied, err := s.lockAndCheck(ctx, tx, m.version, known)
	if err != nil || applied {
		return err
	}
	run := true
	if m.when != nil {
		if run, err = m.when(ctx, s, tx); err != nil {
			return err
		}
	}
	text := m.sql
	if alt, ok := sqliteMigrations[m.version]; ok && s.backend == SQLite {
		text = alt
	}
	for _, stmt := range strings.Split(s.ddl(text), ";\n") {
		if !run {
			break
		}
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return translate(err)
		}
	}
	_, err = tx.ExecContext(ctx, tx.Rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
		m.version, m.name, dbTime(s.now()))
	if err != nil {
		return translate(err)
	}
	if err := tx.Commit(); err != nil {
		return translate(err)
	}
	s.log.Info("applied schema migration", "version", m.version, "name", m.name, "of", known,
		"took_ms", time.Since(start).Milliseconds())
	return nil
}

// lockAndCheck serialises migrating processes and reports whether version
// is already applied. It refuses a database migrated past known, the last
// step this program has, with ErrSchemaTooNew.
func (s *Store) lockAndCheck(ctx context.Context, tx *sqlx.Tx, version, known int) (bool, error) {
	if s.backend == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockKey); err != nil {
			return false, translate(err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.ddl(createMigrationsTable)); err != nil {
		return false, translate(err)
	}
	var latest sql.NullInt64
	if err := tx.QueryRowxContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&latest); err != nil {
		return false, translate(err)
	}
	if int(latest.Int64) > known {
		return false, newerSchemaError{store: int(latest.Int64), known: known}
	}
	var n int
	err := tx.QueryRowxContext(ctx, tx.Rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), version).Scan(&n)
	return n > 0, translate(err)
}

// schemaVersion reads the last schema step applied to db: 0 when none is
// (a new, empty database).
func schemaVersion(ctx context.Context, db sqlx.QueryerContext, backend Backend) (int, error) {
	exists := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if backend == Postgres {
		exists = `SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'`
	}
	var n int
	if err := sqlx.GetContext(ctx, db, &n, exists); err != nil {
		return 0, fmt.Errorf("read the schema version: %w", translate(err))
	}
	if n == 0 {
		return 0, nil
	}
	var latest sql.NullInt64
	if err := sqlx.GetContext(ctx, db, &latest, `SELECT MAX(version) FROM schema_migrations`); err != nil {
		return 0, fmt.Errorf("read the schema version: %w", translate(err))
	}
	return int(latest.Int64), nil
}
