package imapsource

import (
	"context"
	"runtime/debug"

	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/store"
)

// releaseOver is the size of a recorded batch (the bytes fetched for it)
// from which the poller hands the memory it used back to the system at
// once. A batch is that big only when it holds one big message, since
// batches are cut at Mailbox.BatchBytes (8 MiB); ordinary mail never
// reaches it and pays nothing.
const releaseOver = 16 << 20

// releasing is the Ingester the poller calls: the configured one, followed,
// after a batch of at least releaseOver bytes, by a garbage collection that
// returns the freed memory to the system (runtime/debug.FreeOSMemory).
//
// Without it, the memory a big message used stays with the process: the
// collector's next goal is set from the big message's live data, so the
// heap grows back to that size with ordinary garbage before the next
// collection, and free pages go back to the system only slowly. The
// collection costs a few milliseconds once per big message.
type releasing struct{ Ingester }

// IngestBatch records the batch, then releases its memory if it was big.
// Nothing refers to the batch's messages any more when the collection
// runs: neither this frame nor the poller's use ins after recording it.
func (r releasing) IngestBatch(ctx context.Context, ins []ingest.Input, also func(ctx context.Context, tx *store.Tx) error) ([]ingest.Result, error) {
	var size int
	for _, in := range ins {
		size += len(in.Raw)
	}
	res, err := r.Ingester.IngestBatch(ctx, ins, also)
	if size >= releaseOver {
		debug.FreeOSMemory()
	}
	return res, err
}

// Prepare passes the work done ahead of a batch (preparer) to the
// configured Ingester, when it does any.
func (r releasing) Prepare(ins []ingest.Input) {
	if pr, ok := r.Ingester.(preparer); ok {
		pr.Prepare(ins)
	}
}
