package imapsource

import (
	"context"
	"fmt"

	"github.com/emersion/go-imap/v2"

	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/store"
)

// maxFetchTries is how many times a message whose fetch keeps failing is
// tried alone before the poller gives up on its body: it is recorded as
// failed with what can be read of its header and moved to the failure
// folder, so that one message the server cannot deliver never stalls the
// mailbox. Nothing is lost: the message stays on the server.
const maxFetchTries = 3

// suspectKey names a message across reconnections.
type suspectKey struct {
	validity uint32
	uid      imap.UID
}

// tries is how many fetches of uid have failed.
func (p *Poller) tries(uid imap.UID) int { return p.suspects[suspectKey{p.validity, uid}] }

// suspect reports whether a fetch of uid has failed before: such a message
// is fetched alone, so that it holds up no other.
func (p *Poller) suspect(uid imap.UID) bool { return p.tries(uid) > 0 }

// fetchFailed counts a failed fetch of each of msgs.
func (p *Poller) fetchFailed(msgs []pending) {
	if p.suspects == nil {
		p.suspects = map[suspectKey]int{}
	}
	for _, m := range msgs {
		p.suspects[suspectKey{p.validity, m.uid}]++
	}
}

// fetched forgets the failures of messages read at last.
func (p *Poller) fetched(uids []imap.UID) {
	for _, u := range uids {
		delete(p.suspects, suspectKey{p.validity, u})
	}
}

// giveUp records a message whose fetch failed maxFetchTries times alone:
// failed, with its header if the server can send that, and a first line
// that names it (so that each such message is kept apart).
func (p *Poller) giveUp(ctx context.Context, cn *conn, cp *store.MailboxCheckpoint, m pending) error {
	got := map[imap.UID][]byte{}
	var set imap.UIDSet
	set.AddNum(m.uid)
	header := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
	if err := p.fetchBodies(cn, set, header, got); err != nil {
		p.log.Warn("the header of an unfetchable message could not be read either", "uid", m.uid, "err", err)
	}
	raw := fmt.Appendf(nil, "X-Helpdesk-Unfetchable: mailbox=%q uidvalidity=%d uid=%d size=%d\r\n", p.m.Name, p.validity, m.uid, m.size)
	if h := got[m.uid]; len(h) > 0 {
		raw = append(raw, h...)
	} else {
		raw = append(raw, "\r\n"...)
	}
	reason := fmt.Sprintf("could not be fetched from the server after %d tries (%d bytes); its header is kept, the message stays on the server in the failure folder", p.tries(m.uid), m.size)
	p.log.Error("giving up on a message the server cannot deliver", "uid", m.uid, "tries", p.tries(m.uid), "size", m.size)
	in := ingest.Input{Raw: raw, Mailbox: p.m.Name, Failed: reason, Team: p.m.Team, MailboxAddress: p.m.Username}
	if err := p.record(ctx, cn, cp, []ingest.Input{in}, []imap.UID{m.uid}); err != nil {
		return err
	}
	p.fetched([]imap.UID{m.uid})
	return nil
}
