package threading

import (
	"context"
	"errors"
	"fmt"
)

// Via says how a message was matched to a ticket (I1).
type Via string

// The ways of I1, in order.
const (
	ViaNone      Via = ""
	ViaReference Via = "reference" // I1 (1): In-Reply-To / References
	ViaToken     Via = "token"     // I1 (2): a signed ticket token in a recipient address
	ViaSubject   Via = "subject"   // I1 (3): "[#123]", counts only if the sender may comment
)

// ErrNoTicket is returned by Lookup when nothing matches.
var ErrNoTicket = errors.New("no ticket")

// Lookup finds tickets by the Message-IDs the helpdesk sent or received,
// and checks that a ticket exists.
type Lookup interface {
	TicketByMessageIDs(ctx context.Context, ids []string) (int64, error)
	TicketExists(ctx context.Context, id int64) (bool, error)
}

// Input is what a message offers for threading.
type Input struct {
	InReplyTo  []string
	References []string
	Targets    []Target // the helpdesk addresses it was sent to (Classify)
	Subject    string
}

// Match is the ticket a message threads onto, if any.
type Match struct {
	TicketID int64
	Via      Via
	Token    *ReplyToken // the reply token used, for proof (P1 b)
}

// Resolve applies I1's order: (1) In-Reply-To then References, newest
// first; (2) a verified reply token addressed to; (3) a subject token. The
// caller must drop a ViaSubject match when the sender may not comment on it.
func Resolve(ctx context.Context, in Input, lk Lookup) (Match, error) {
	ids := referenceOrder(in.InReplyTo, in.References)
	if len(ids) > 0 {
		id, err := lk.TicketByMessageIDs(ctx, ids)
		switch {
		case err == nil:
			return Match{TicketID: id, Via: ViaReference, Token: replyToken(in.Targets, id)}, nil
		case !errors.Is(err, ErrNoTicket):
			return Match{}, fmt.Errorf("look up references: %w", err)
		}
	}
	for _, t := range in.Targets {
		if t.Reply == nil {
			continue
		}
		ok, err := lk.TicketExists(ctx, t.Reply.TicketID)
		if err != nil {
			return Match{}, fmt.Errorf("look up ticket %d: %w", t.Reply.TicketID, err)
		}
		if ok {
			return Match{TicketID: t.Reply.TicketID, Via: ViaToken, Token: t.Reply}, nil
		}
	}
	if id, ok := SubjectTicket(in.Subject); ok {
		exists, err := lk.TicketExists(ctx, id)
		if err != nil {
			return Match{}, fmt.Errorf("look up ticket %d: %w", id, err)
		}
		if exists {
			return Match{TicketID: id, Via: ViaSubject, Token: replyToken(in.Targets, id)}, nil
		}
	}
	return Match{}, nil
}

// replyToken returns a verified reply token for ticketID among the targets.
func replyToken(targets []Target, ticketID int64) *ReplyToken {
	for _, t := range targets {
		if t.Reply != nil && t.Reply.TicketID == ticketID {
			return t.Reply
		}
	}
	return nil
}

// referenceOrder lists In-Reply-To first, then References newest first,
// without repeats.
func referenceOrder(inReplyTo, refs []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, id := range inReplyTo {
		add(id)
	}
	for i := len(refs) - 1; i >= 0; i-- {
		add(refs[i])
	}
	return out
}
