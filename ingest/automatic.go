package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/emersion/go-message/textproto"

	"github.com/helpdesk-gw/helpdesk/autoreply"
	"github.com/helpdesk-gw/helpdesk/message"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/threading"
)

func headerOf(m *message.Message) *textproto.Header { return &m.Header }

// maxClassifiedBody bounds the body handed to the bounce and auto-reply
// reader: a delivery report and the start of the message it returns fit
// well within it, and a large message is not copied whole.
const maxClassifiedBody = 1 << 20

// rawBody is the undecoded body after the header, at most
// maxClassifiedBody bytes of it, for the bounce reader: a part of raw,
// not a copy.
func rawBody(raw []byte) []byte {
	for _, sep := range [][]byte{[]byte("\r\n\r\n"), []byte("\n\n")} {
		if i := bytes.Index(raw, sep); i >= 0 {
			body := raw[i+len(sep):]
			return body[:min(len(body), maxClassifiedBody)]
		}
	}
	return nil
}

// parsedOf is what autoreply.ClassifyParsed needs of a parsed message.
func parsedOf(m *message.Message) autoreply.Parsed {
	p := autoreply.Parsed{Text: m.Text, Types: m.Types, PartsSkipped: m.PartsSkipped}
	for _, a := range m.Attachments {
		p.Attached = append(p.Attached, a.ContentType)
	}
	return p
}

// bounce handles a delivery failure (B3): it opens no ticket; one that names
// a VERP return path or a Message-ID the helpdesk sent marks that recipient
// bouncing and is recorded on the ticket.
func (r *run) bounce(ctx context.Context) error {
	r.set(model.OutcomeBounce, r.class.Reason, r.class.Rules...)
	r.rules("B3")
	var outboxID int64
	for _, t := range r.targets {
		if t.BounceID != 0 {
			outboxID = t.BounceID
		}
	}
	var ticketID int64
	var recipient string
	if outboxID != 0 {
		row, err := r.tx.OutboxByID(ctx, outboxID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("outbox row of bounce: %w", err)
		}
		ticketID, recipient = row.TicketID, row.To
	} else if id := r.class.OriginalMessageID; id != "" {
		tid, addr, sentID, err := r.tx.OutboundByMessageID(ctx, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("sent message of bounce: %w", err)
		}
		if sentID != 0 {
			// B3 v3: that notification went out with a VERP return path;
			// a real bounce of it comes back there. Naming its Message-ID
			// is not enough: anyone who saw it could (a forged bounce
			// would silence its recipient).
			r.res.TicketID = tid
			r.res.Reason = "bounce naming a notification to " + addr + " but not sent to its return path: recorded only"
			if tid != 0 {
				return r.event(ctx, tid, 0, model.EventBounce, r.res.Reason)
			}
			return nil
		}
		ticketID, recipient = tid, addr
	}
	if recipient == "" {
		r.res.Reason = "bounce for no notification of ours: recorded only"
		return nil
	}
	if soft(r.class.Recipients) {
		// A delay or temporary failure (4.x.x) is not a bounce of the
		// address: recorded, the address keeps receiving (B3).
		r.res.TicketID = ticketID
		r.res.Reason = "delivery to " + recipient + " delayed (temporary failure): recorded only"
		if ticketID != 0 {
			return r.event(ctx, ticketID, 0, model.EventBounce, r.res.Reason)
		}
		return nil
	}
	if err := r.tx.SetBouncing(ctx, recipient, true); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("mark %s bouncing: %w", recipient, err)
	}
	r.res.TicketID = ticketID
	r.res.Reason = "notification to " + recipient + " bounced; address marked bouncing"
	if ticketID != 0 {
		return r.event(ctx, ticketID, 0, model.EventBounce, r.res.Reason)
	}
	return nil
}

// soft reports whether a bounce reports only temporary failures.
func soft(rs []autoreply.BounceRecipient) bool {
	if len(rs) == 0 {
		return false
	}
	for _, rc := range rs {
		if rc.Hard {
			return false
		}
	}
	return true
}

// autoReply handles an out-of-office or other automatic answer (B1): it
// never opens a ticket nor triggers mail; one that threads by I1 (1) or (2)
// is recorded on the ticket's history.
func (r *run) autoReply(ctx context.Context) error {
	r.set(model.OutcomeAutoReply, r.class.Reason, r.class.Rules...)
	match, err := threading.Resolve(ctx, threading.Input{InReplyTo: r.msg.InReplyTo, References: r.msg.References,
		Targets: r.targets}, lookup{r.tx})
	if err != nil {
		return err
	}
	if match.TicketID != 0 {
		r.res.TicketID = match.TicketID
		r.rules("I1")
		return r.event(ctx, match.TicketID, 0, model.EventAutoReply, "automatic reply from "+r.msg.From.Email+": "+r.msg.Subject)
	}
	return nil
}

func (r *run) event(ctx context.Context, ticketID, actorID int64, kind model.EventKind, detail string) error {
	return r.act.EventBy(ctx, ticketID, actorID, kind, detail)
}
