package imapsource

import (
	"runtime/debug"

	"github.com/helpdesk-gw/helpdesk/ingest"
)

// releaseOver is the size of a recorded batch (the bytes fetched for it)
// from which the poller hands the memory it used back to the system at
// once. A batch is that big only when it holds one big message, since
// batches are cut at Mailbox.BatchBytes (8 MiB); ordinary mail never
// reaches it and pays nothing.
const releaseOver = 16 << 20

// releaseIfBig runs a garbage collection that returns the freed memory to
// the system (runtime/debug.FreeOSMemory) after a batch of at least
// releaseOver bytes was recorded and marked. The caller holds no reference
// to the batch any more.
//
// Without it, the memory a big message used stays with the process: the
// collector's next goal is set from the big message's live data, so the
// heap grows back to that size with ordinary garbage before the next
// collection, and free pages go back to the system only slowly. The
// collection costs a few milliseconds once per big message.
func releaseIfBig(size int) {
	if size >= releaseOver {
		debug.FreeOSMemory()
	}
}

// batchBytes is the size of a batch's messages.
func batchBytes(ins []ingest.Input) int {
	n := 0
	for _, in := range ins {
		n += len(in.Raw)
	}
	return n
}
