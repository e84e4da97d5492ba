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
