package store

import (
	"context"
	"database/sql"
	"fmt"
)

// OpenAtVersion opens url with the schema steps up to version applied, as
// an older release left the database; Open applies the rest.
func OpenAtVersion(ctx context.Context, url string, version int) (*Store, error) {
	if version > len(migrations) || migrations[version-1].version != version {
		return nil, fmt.Errorf("no schema version %d", version)
	}
	return open(ctx, url, Options{}, migrations[:version])
}

// Exec runs a statement written with ? placeholders, for tests that write
// what an older release wrote.
func Exec(ctx context.Context, s *Store, query string, args ...any) error {
	_, err := s.db.ExecContext(ctx, s.db.Rebind(query), args...)
	return err
}

// QueryRow runs a query written with ? placeholders, for tests of
// migrating.
func QueryRow(ctx context.Context, s *Store, query string, args ...any) *sql.Row {
	return s.db.QueryRowContext(ctx, s.db.Rebind(query), args...)
}

// CountBlobs counts the stored blobs, for tests that check contents are
// stored once.
func CountBlobs(ctx context.Context, s *Store) (int, error) {
	return s.count(ctx, "count blobs", `SELECT COUNT(*) FROM blobs`)
}

// CountAttachments counts the attachment rows, for tests of migrating.
func CountAttachments(ctx context.Context, s *Store) (int, error) {
	return s.count(ctx, "count attachments", `SELECT COUNT(*) FROM attachments`)
}

// SchemaVersions lists the applied migrations, for tests of migrating.
func SchemaVersions(ctx context.Context, s *Store) ([]int, error) {
	return getAll(ctx, &s.queries, "list migrations", scanValue[int],
		`SELECT version FROM schema_migrations ORDER BY version`)
}

// ChunkSize is the size above which raw messages and blobs are stored in pieces.
var ChunkSize = chunkSize

// CountChunks counts the stored pieces of raw messages and of blobs.
func CountChunks(ctx context.Context, s *Store) (raw, blob int, err error) {
	raw, err = s.count(ctx, "count raw message pieces", `SELECT COUNT(*) FROM raw_message_chunks`)
	if err != nil {
		return 0, 0, err
	}
	blob, err = s.count(ctx, "count blob pieces", `SELECT COUNT(*) FROM blob_chunks`)
	return raw, blob, err
}

// Compression lists, for PostgreSQL, the compression method set on each
// large column ("" for the server's default), by table.column.
func Compression(ctx context.Context, s *Store) (map[string]string, error) {
	type col struct{ name, method string }
	cols, err := getAll(ctx, &s.queries, "list column compression", func(r rowScanner) (col, error) {
		var c col
		err := r.Scan(&c.name, &c.method)
		return c, err
	}, `SELECT c.relname || '.' || a.attname, a.attcompression::text FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		WHERE c.relname IN ('raw_messages', 'blobs', 'comments', 'outbox') AND a.attname IN ('raw', 'content', 'html', 'html_body')`)
	out := map[string]string{}
	for _, c := range cols {
		out[c.name] = c.method
	}
	return out, err
}

// LZ4Available reports whether the server can compress with lz4.
func LZ4Available(ctx context.Context, s *Store) (bool, error) {
	var ok bool
	err := s.InTx(ctx, func(tx *Tx) (err error) { ok, err = lz4Available(ctx, s, tx.tx); return err })
	return ok, err
}

// AutomaticKindsSQL is automaticKindsSQL, and SchemaV17 the migration
// whose partial index must repeat it.
var AutomaticKindsSQL, SchemaV17 = automaticKindsSQL, schemaV17

// Conn is one connection of s, for statements that must share it.
func Conn(ctx context.Context, s *Store) (*sql.Conn, error) { return s.db.Conn(ctx) }

// PreparedStatements counts the statements the store keeps prepared
// (PostgreSQL; 0 on SQLite), once those being prepared are.
func PreparedStatements(s *Store) int {
	if s.prepared == nil {
		return 0
	}
	s.prepared.wait()
	s.prepared.mu.Lock()
	defer s.prepared.mu.Unlock()
	return len(s.prepared.m)
}

// TxSetting reads a server setting as the transaction sees it
// (PostgreSQL's SHOW).
func TxSetting(ctx context.Context, tx *Tx, name string) (string, error) {
	var v string
	err := tx.tx.QueryRowxContext(ctx, "SHOW "+name).Scan(&v)
	return v, err
}
