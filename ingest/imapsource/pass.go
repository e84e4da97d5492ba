package imapsource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// errStore: the store could not record a batch; nothing of it was marked.
var errStore = errors.New("store unavailable")

// pending is a message waiting to be recorded.
type pending struct {
	uid  imap.UID
	size int64
}

// pass reads the folder to its end: every message not yet recorded, and
// every recorded one not yet marked processed (left by a crash between the
// two), batch by batch.
func (p *Poller) pass(ctx context.Context, cn *conn) error {
	var sel *imap.SelectData
	err := cn.guard("select "+p.m.Folder, func() (err error) {
		sel, err = cn.c.Select(p.m.Folder, nil).Wait()
		return err
	})
	if err != nil {
		return err
	}
	p.validity = sel.UIDValidity
	cp, err := p.checkpoint(ctx, sel.UIDValidity)
	if err != nil {
		return err
	}
	if sel.NumMessages == 0 {
		return nil
	}
	todo, err := p.pending(cn, cp.LastUID)
	if err != nil {
		return err
	}
	var ahead *fetchedBatch
	var unmarked committedBatch // committed, to be marked on the server
	// markUnmarked marks the batches committed and not yet marked: all of
	// them, or only once they hold markEvery messages.
	markUnmarked := func(all bool) error {
		if len(unmarked.uids) == 0 || !all && len(unmarked.uids) < markEvery {
			return nil
		}
		b := unmarked
		unmarked = committedBatch{}
		return p.afterCommit(cn, b.uids, b.results)
	}
	for len(todo) > 0 {
		n := p.batchLen(todo)
		cur := todo[:n]
		todo = todo[n:]
		if len(cur) == 1 && p.tries(cur[0].uid) >= maxFetchTries {
			if err := markUnmarked(true); err != nil {
				return err
			}
			if err := p.giveUp(ctx, cn, &cp, cur[0]); err != nil {
				return err
			}
			continue
		}
		f := ahead
		if f == nil || !slices.Equal(f.msgs, cur) {
			f = p.fetchBatch(ctx, cn, cur)
		}
		ahead = nil
		if f.err != nil {
			return errors.Join(f.err, markUnmarked(true))
		}
		if len(f.ins) == 0 {
			continue
		}
		// Record this batch while the IMAP connection marks the batch
		// committed before and fetches and prepares the next one:
		// recording needs the database, the others the IMAP connection.
		committed := make(chan commitResult, 1)
		go func() { committed <- p.commit(ctx, &cp, f.ins, f.uids) }()
		markErr := markUnmarked(false)
		if markErr == nil && len(todo) > 0 {
			if m := p.batchLen(todo); m > 1 || p.tries(todo[0].uid) < maxFetchTries {
				ahead = p.fetchBatch(ctx, cn, todo[:m])
			}
		}
		c := <-committed
		if markErr != nil {
			return errors.Join(markErr, c.err) // the batch just committed is marked on the next pass
		}
		if c.err != nil {
			return errors.Join(c.err, markUnmarked(true)) // what committed before is marked, as it would have been
		}
		unmarked.uids = append(unmarked.uids, f.uids...)
		unmarked.results = append(unmarked.results, c.results...)
		size := batchBytes(f.ins)
		f = nil // let the batch go before releasing its memory
		releaseIfBig(size)
		if ahead != nil && ahead.err != nil {
			return errors.Join(ahead.err, markUnmarked(true))
		}
	}
	return markUnmarked(true)
}

// markEvery is how many committed messages a pass lets wait before it
// marks them on the server, in one command; the rest are marked when the
// pass ends or a batch fails. Each command costs the server more than its
// messages: Dovecot (maildir) reads both folders' state again for each
// MOVE, about 0.65 µs for every message they hold, so marking 500
// messages at a time cost 47 µs a message into an empty Processed and
// 92 µs into one of 40,000, where 2,000 at a time cost 32 and 43 µs.
// Waiting loses nothing: a message committed and not yet marked when the
// poller stops is fetched again and recorded as a duplicate, and at most
// markEvery and one batch are.
const markEvery = 2000

// committedBatch holds messages committed to the store, not yet marked.
type committedBatch struct {
	uids    []imap.UID
	results []ingest.Result
}

// fetchedBatch is a batch of messages fetched, maybe prepared, not recorded.
type fetchedBatch struct {
	msgs []pending
	ins  []ingest.Input
	uids []imap.UID
	err  error
}

// commitResult is what recording a batch gave.
type commitResult struct {
	results []ingest.Result
	err     error
}

// preparer is an Ingester that can do ahead the work of a batch that
// needs no store (ingest.Pipeline.Prepare).
type preparer interface {
	Prepare(ins []ingest.Input)
}

// fetchBatch downloads a batch and has the Ingester prepare it.
func (p *Poller) fetchBatch(ctx context.Context, cn *conn, msgs []pending) *fetchedBatch {
	f := &fetchedBatch{msgs: msgs}
	f.ins, f.uids, f.err = p.fetch(cn, msgs)
	if f.err != nil {
		if ctx.Err() == nil {
			p.fetchFailed(msgs)
		}
		return f
	}
	p.fetched(f.uids)
	if pr, ok := p.opts.Ingester.(preparer); ok && len(f.ins) > 0 {
		pr.Prepare(f.ins)
	}
	return f
}

// checkpoint loads the folder's checkpoint; a new UIDVALIDITY starts it
// over (the pipeline's duplicate checks keep the re-read from doubling).
func (p *Poller) checkpoint(ctx context.Context, validity uint32) (store.MailboxCheckpoint, error) {
	cp, err := p.opts.Store.Checkpoint(ctx, p.m.Name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		p.log.Info("first read of this mailbox", "uidvalidity", validity)
	case err != nil:
		return cp, fmt.Errorf("%w: %w", errStore, err)
	case cp.UIDValidity != validity:
		p.log.Warn("UIDVALIDITY changed: the server renumbered the folder; reading it all again, messages already recorded become duplicates",
			"old_uidvalidity", cp.UIDValidity, "uidvalidity", validity, "last_uid", cp.LastUID)
	default:
		return cp, nil
	}
	return store.MailboxCheckpoint{Mailbox: p.m.Name, UIDValidity: validity}, nil
}

// pending lists, in UID order with their sizes, the messages to record:
// those above the checkpoint, and those at or below it still not marked.
func (p *Poller) pending(cn *conn, last uint32) ([]pending, error) {
	var set imap.UIDSet
	if last > 0 {
		crit := &imap.SearchCriteria{UID: []imap.UIDSet{imap.UIDSetNum()}, NotFlag: []imap.Flag{imap.FlagDeleted}}
		crit.UID[0].AddRange(1, imap.UID(last))
		if p.m.Mark == MarkSeen {
			crit.NotFlag = append(crit.NotFlag, imap.FlagSeen)
		}
		var data *imap.SearchData
		if err := cn.guard("search leftovers", func() (err error) {
			data, err = cn.c.UIDSearch(crit, nil).Wait()
			return err
		}); err != nil {
			return nil, err
		}
		set.AddNum(data.AllUIDs()...)
	}
	set.AddRange(imap.UID(last+1), 0) // last+1:*
	var out []pending
	err := cn.guard("fetch sizes", func() error {
		msgs, err := cn.c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true, Flags: true}).Collect()
		for _, m := range msgs {
			if (uint32(m.UID) > last || last > 0 && set.Contains(m.UID)) && !slices.Contains(m.Flags, imap.FlagDeleted) {
				out = append(out, pending{uid: m.UID, size: m.RFC822Size})
			}
		}
		return err
	})
	slices.SortFunc(out, func(a, b pending) int { return int(a.uid) - int(b.uid) })
	return slices.CompactFunc(out, func(a, b pending) bool { return a.uid == b.uid }), err
}

// batchLen is how many of todo go into the next transaction. A message
// whose fetch failed before goes alone (suspects.go).
func (p *Poller) batchLen(todo []pending) int {
	if p.suspect(todo[0].uid) {
		return 1
	}
	var bytes int64
	for i, m := range todo {
		if i >= p.m.Batch || (i > 0 && bytes+min(m.size, p.m.MaxBytes) > p.m.BatchBytes) || p.suspect(m.uid) {
			return i
		}
		bytes += min(m.size, p.m.MaxBytes)
	}
	return len(todo)
}

// record commits messages with the checkpoint, then marks them.
func (p *Poller) record(ctx context.Context, cn *conn, cp *store.MailboxCheckpoint, ins []ingest.Input, uids []imap.UID) error {
	c := p.commit(ctx, cp, ins, uids)
	if c.err != nil {
		return c.err
	}
	return p.afterCommit(cn, uids, c.results)
}

// commit records messages in one transaction with the checkpoint moved
// past them, and on success moves *cp. It does not use the IMAP connection.
func (p *Poller) commit(ctx context.Context, cp *store.MailboxCheckpoint, ins []ingest.Input, uids []imap.UID) commitResult {
	next := *cp
	next.LastUID = max(cp.LastUID, uint32(slices.Max(uids)))
	results, err := p.opts.Ingester.IngestBatch(ctx, ins, func(ctx context.Context, tx *store.Tx) error {
		if err := tx.CheckLease(ctx, p.m.Name, p.opts.Holder); err != nil {
			return err
		}
		return tx.SetCheckpoint(ctx, next)
	})
	switch {
	case errors.Is(err, store.ErrLeaseLost):
		return commitResult{err: err}
	case err != nil:
		return commitResult{err: fmt.Errorf("%w: %w", errStore, err)}
	}
	*cp = next
	return commitResult{results: results}
}

// afterCommit marks committed messages on the server.
func (p *Poller) afterCommit(cn *conn, uids []imap.UID, results []ingest.Result) error {
	if hook := p.opts.afterCommit; hook != nil {
		if err := hook(u32s(uids)); err != nil {
			return err
		}
	}
	return p.mark(cn, uids, results)
}

func u32s(uids []imap.UID) []uint32 {
	out := make([]uint32, len(uids))
	for i, u := range uids {
		out[i] = uint32(u)
	}
	return out
}

// fetch downloads the messages of a batch, one literal at a time: whole
// messages within the size limit, only the header of larger ones.
func (p *Poller) fetch(cn *conn, msgs []pending) ([]ingest.Input, []imap.UID, error) {
	var small, big imap.UIDSet
	sizes := map[imap.UID]int64{}
	for _, m := range msgs {
		sizes[m.uid] = m.size
		if m.size > p.m.MaxBytes {
			big.AddNum(m.uid)
		} else {
			small.AddNum(m.uid)
		}
	}
	got := map[imap.UID][]byte{}
	whole := &imap.FetchItemBodySection{Peek: true}
	header := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
	for _, f := range []struct {
		set     imap.UIDSet
		section *imap.FetchItemBodySection
	}{{small, whole}, {big, header}} {
		if len(f.set) == 0 {
			continue
		}
		if err := p.fetchBodies(cn, f.set, f.section, got); err != nil {
			return nil, nil, err
		}
	}
	var ins []ingest.Input
	var uids []imap.UID
	for _, m := range msgs {
		raw, ok := got[m.uid]
		if !ok {
			continue // expunged meanwhile by someone else
		}
		in := ingest.Input{Raw: raw, Mailbox: p.m.Name, MaxBytes: p.m.MaxBytes, Team: p.m.Team, MailboxAddress: p.m.Username}
		if m.size > p.m.MaxBytes {
			in.Size = max(m.size, int64(len(raw))+1)
		}
		ins, uids = append(ins, in), append(uids, m.uid)
	}
	return ins, uids, nil
}

// fetchBodies reads one body section of each message of set into got. The
// timeout applies to each message, not to the whole command.
func (p *Poller) fetchBodies(cn *conn, set imap.UIDSet, section *imap.FetchItemBodySection, got map[imap.UID][]byte) error {
	cmd := cn.c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}})
	for {
		var msg *imapclient.FetchMessageData
		if err := cn.guard("fetch", func() error { msg = cmd.Next(); return nil }); err != nil || msg == nil {
			break
		}
		if err := cn.guard("fetch message", func() error { return readMessage(msg, got) }); err != nil {
			cmd.Close()
			return err
		}
	}
	return cn.wrap("fetch", cmd.Close())
}

// readMessage reads one message's UID and literal; the buffer is sized to
// the literal, read once.
func readMessage(msg *imapclient.FetchMessageData, got map[imap.UID][]byte) error {
	var uid imap.UID
	var raw []byte
	for item := msg.Next(); item != nil; item = msg.Next() {
		switch it := item.(type) {
		case imapclient.FetchItemDataUID:
			uid = it.UID
		case imapclient.FetchItemDataBodySection:
			if it.Literal == nil {
				continue
			}
			raw = make([]byte, it.Literal.Size())
			if _, err := io.ReadFull(it.Literal, raw); err != nil {
				return fmt.Errorf("read message: %w", err)
			}
		}
	}
	if uid != 0 && raw != nil {
		got[uid] = raw
	}
	return nil
}

// mark marks recorded messages processed: failed ones are moved to the
// failure folder, the others marked as configured.
func (p *Poller) mark(cn *conn, uids []imap.UID, results []ingest.Result) error {
	var failed, done imap.UIDSet
	for i, res := range results {
		p.opts.Metrics.message(p.m.Name, string(res.Outcome))
		p.logResult(uids[i], res)
		if res.Outcome == model.OutcomeFailed || res.OriginalOutcome == model.OutcomeFailed {
			failed.AddNum(uids[i])
		} else {
			done.AddNum(uids[i])
		}
	}
	if len(failed) > 0 {
		if err := cn.guard("move to "+p.m.Failed, func() error { _, err := cn.c.Move(failed, p.m.Failed).Wait(); return err }); err != nil {
			return err
		}
	}
	if len(done) == 0 {
		return nil
	}
	switch p.m.Mark {
	case MarkSeen:
		return cn.guard("flag seen", cn.c.Store(done, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close)
	case MarkDelete:
		if err := cn.guard("flag deleted", cn.c.Store(done, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close); err != nil {
			return err
		}
		if caps, err := cn.caps(); err == nil && (caps.Has(imap.CapUIDPlus) || caps.Has(imap.CapIMAP4rev2)) {
			return cn.guard("expunge", cn.c.UIDExpunge(done).Close)
		}
		return cn.guard("expunge", cn.c.Expunge().Close)
	}
	return cn.guard("move to "+p.m.Processed, func() error { _, err := cn.c.Move(done, p.m.Processed).Wait(); return err })
}

func (p *Poller) logResult(uid imap.UID, res ingest.Result) {
	args := []any{"uid", uint32(uid), "outcome", res.Outcome, "raw_id", res.RawID}
	if res.TicketID != 0 {
		args = append(args, "ticket", res.TicketID)
	}
	if res.Reason != "" {
		args = append(args, "reason", res.Reason)
	}
	if res.Outcome == model.OutcomeFailed {
		p.log.Warn("message recorded as failed; moving it to the failure folder", args...)
		return
	}
	p.log.Info("message recorded", args...)
}
