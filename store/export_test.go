package store

import "context"

// CountBlobs counts the stored blobs, for tests that check contents are
// stored once.
func CountBlobs(ctx context.Context, s *Store) (int, error) {
	return s.count(ctx, "count blobs", `SELECT COUNT(*) FROM blobs`)
}

// SchemaVersions lists the applied migrations, for tests of migrating.
func SchemaVersions(ctx context.Context, s *Store) ([]int, error) {
	return getAll(ctx, &s.queries, "list migrations", scanValue[int],
		`SELECT version FROM schema_migrations ORDER BY version`)
}
