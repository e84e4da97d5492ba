package store

import (
	"context"
	"database/sql"
	"fmt"
)

// chunkSize is the largest raw message or blob stored inline; a larger one
// is stored in pieces of this size (the last one shorter), one statement
// each, so that neither the driver nor the database handles it whole
// (schemaV4). A variable for tests.
var chunkSize = 1 << 20

// chunkCount is the number of pieces data is stored in: 0 for inline.
func chunkCount(data []byte) int {
	if len(data) <= chunkSize {
		return 0
	}
	return (len(data) + chunkSize - 1) / chunkSize
}

// chunkTable names a table of pieces and the column of their owner's key.
type chunkTable struct{ table, key string }

var (
	rawChunks  = chunkTable{"raw_message_chunks", "raw_message_id"}
	blobChunks = chunkTable{"blob_chunks", "sha256"}
)

// writeChunks stores data under key in chunkCount(data) pieces. Each piece
// is a slice of data: nothing is copied here.
func (q *queries) writeChunks(ctx context.Context, op string, t chunkTable, key any, data []byte) error {
	query := `INSERT INTO ` + t.table + ` (` + t.key + `, seq, data) VALUES (?, ?, ?)`
	for seq, off := 0, 0; off < len(data); seq, off = seq+1, off+chunkSize {
		piece := data[off:min(off+chunkSize, len(data))]
		if _, err := q.exec(ctx, fmt.Sprintf("%s: piece %d", op, seq), query, key, seq, piece); err != nil {
			return err
		}
	}
	return nil
}

// readChunks reassembles the pieces stored under key, in one allocation.
func (q *queries) readChunks(ctx context.Context, op string, t chunkTable, key any) ([]byte, error) {
	size, err := q.count(ctx, op, `SELECT SUM(LENGTH(data)) FROM `+t.table+` WHERE `+t.key+` = ?`, key)
	if err != nil {
		return nil, err
	}
	rows, err := q.db.QueryxContext(ctx, q.db.Rebind(`SELECT data FROM `+t.table+` WHERE `+t.key+` = ? ORDER BY seq`), key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, translate(err))
	}
	defer rows.Close()
	out := make([]byte, 0, size)
	for rows.Next() {
		var piece sql.RawBytes // the driver's buffer, copied once into out
		if err := rows.Scan(&piece); err != nil {
			return nil, fmt.Errorf("%s: %w", op, translate(err))
		}
		out = append(out, piece...)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, translate(err))
	}
	return out, nil
}
