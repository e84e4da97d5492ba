package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"  // registers the "postgres" driver
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Backend names a database engine.
type Backend string

// The supported backends.
const (
	Postgres Backend = "postgres"
	SQLite   Backend = "sqlite"
)

// Options configure Open. The zero value is usable.
type Options struct {
	// Logger receives migration and retry messages; nil discards them.
	Logger *slog.Logger
	// Clock gives the time stamped on new rows whose time is unset;
	// nil means time.Now.
	Clock func() time.Time
	// MaxOpenConns bounds the connections to the database; 0 means 10 on
	// PostgreSQL and no bound on SQLite.
	MaxOpenConns int
}

// defaultPostgresConns bounds one process's PostgreSQL connections, so that
// several processes fit in the server's max_connections.
const defaultPostgresConns = 10

// Store is an open database. Its query methods run outside any transaction;
// use InTx to group several of them. A Store is safe for concurrent use.
type Store struct {
	queries
	db      *sqlx.DB
	backend Backend
	log     *slog.Logger
}

// sqliteBusyTimeout is how long a SQLite writer waits for the write lock.
const sqliteBusyTimeout = 10 * time.Second

// Open connects to the database named by url, applies pending migrations and
// returns the store. url is "postgres://…" or "postgresql://…" for PostgreSQL,
// or "sqlite:PATH" or a plain PATH for SQLite (the file is created if missing).
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	return open(ctx, url, opts, migrations)
}

// open is Open with the schema steps to apply.
func open(ctx context.Context, url string, opts Options, steps []migration) (*Store, error) {
	backend, dsn, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	db, err := sqlx.Open(string(backend), dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", backend, err)
	}
	if opts.MaxOpenConns == 0 && backend == Postgres {
		opts.MaxOpenConns = defaultPostgresConns
	}
	db.SetMaxOpenConns(opts.MaxOpenConns)
	s := newStore(db, backend, opts)
	if err := s.connect(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", backend, err)
	}
	if err := s.applyMigrations(ctx, steps); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func newStore(db *sqlx.DB, backend Backend, opts Options) *Store {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	s := &Store{db: db, backend: backend, log: log}
	s.queries = queries{db: db, backend: backend, clock: clock}
	if backend == Postgres {
		s.queries.prepared = newPrepared(db)
	}
	s.queries.atomic = func(ctx context.Context, fn func(q *queries) error) error {
		return s.InTx(ctx, func(tx *Tx) error { return fn(&tx.queries) })
	}
	return s
}

// connect checks that the database answers. A fresh SQLite file that other
// processes open at the same moment can refuse the switch to WAL with
// SQLITE_BUSY without waiting: that is retried for up to the busy timeout.
func (s *Store) connect(ctx context.Context) error {
	deadline := time.Now().Add(sqliteBusyTimeout)
	for {
		err := translate(s.db.PingContext(ctx))
		if err == nil || s.backend != SQLite || !errors.Is(err, ErrConflict) || time.Now().After(deadline) {
			return err
		}
		if err := sleep(ctx, retryDelay(1)); err != nil {
			return err
		}
	}
}

// parseURL turns a --db URL into a driver name and a data source name.
func parseURL(url string) (Backend, string, error) {
	switch {
	case url == "":
		return "", "", fmt.Errorf("open database: empty database URL")
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return Postgres, postgresDSN(url), nil
	}
	path := strings.TrimPrefix(url, "sqlite:")
	if path != url {
		path = strings.TrimPrefix(path, "//")
	}
	if path == "" {
		return "", "", fmt.Errorf("open database: %q names no SQLite file", url)
	}
	return SQLite, sqliteDSN(path), nil
}

// postgresDSN asks lib/pq to send parameters in binary, which makes a query
// with parameters one round trip instead of two (unless the URL says
// otherwise).
func postgresDSN(url string) string {
	if strings.Contains(url, "binary_parameters=") {
		return url
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "binary_parameters=yes"
}

// sqliteDSN adds the connection settings every SQLite connection needs: WAL,
// foreign keys, a busy timeout, and transactions that take the write lock at
// BEGIN so that concurrent writers queue instead of failing.
func sqliteDSN(path string) string {
	params := fmt.Sprintf("_busy_timeout=%d&_foreign_keys=1&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate",
		sqliteBusyTimeout.Milliseconds())
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + params
}

// Backend reports which database engine the store uses.
func (s *Store) Backend() Backend { return s.backend }

// Close closes the database; the store is unusable afterwards.
func (s *Store) Close() error {
	if s.prepared != nil {
		if err := s.prepared.close(); err != nil {
			s.log.Warn("close prepared statements", "err", err)
		}
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}
