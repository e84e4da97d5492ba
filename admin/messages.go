package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// MessageView is one inbound message recorded against a ticket: what
// became of it and the rules that decided it (the console's ticket page).
type MessageView struct {
	ID         int64    `json:"id"`
	From       string   `json:"from"`
	Subject    string   `json:"subject"`
	Outcome    string   `json:"outcome"`
	Reason     string   `json:"reason"`
	Rules      []string `json:"rules"`
	Size       int64    `json:"size"`
	ReceivedAt string   `json:"received_at"`
}

// TicketMessages lists the inbound messages of ticket id, oldest first,
// with their outcomes (for staff: the console shows it behind staffOnly).
func (s *Service) TicketMessages(ctx context.Context, id int64) ([]MessageView, error) {
	rs, err := s.st.RawMetaOfTicket(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]MessageView, 0, len(rs))
	for _, r := range rs {
		out = append(out, messageView(r))
	}
	return out, nil
}

// RawShownMax is how much of a raw message the console shows at once.
const RawShownMax = 512 << 10

// RawView is an inbound message as text, for a person to read: never
// interpreted, its bytes that are not UTF-8 shown as U+FFFD, cut at
// RawShownMax.
type RawView struct {
	MessageView
	Text string
	Cut  bool // the message is longer than what Text shows
}

// TicketRaw returns raw message rawID of ticket id as text; a message of
// another ticket is refused as if it did not exist.
func (s *Service) TicketRaw(ctx context.Context, id, rawID int64) (RawView, error) {
	r, err := s.st.RawByID(ctx, rawID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && r.TicketID != id) {
		return RawView{}, refused("no message %d on ticket %d", rawID, id)
	} else if err != nil {
		return RawView{}, fmt.Errorf("read message %d of ticket %d: %w", rawID, id, err)
	}
	raw, cut := r.Raw, false
	if len(raw) > RawShownMax {
		raw, cut = raw[:RawShownMax], true
	}
	text := string(raw)
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	return RawView{MessageView: messageView(r), Text: text, Cut: cut}, nil
}

func messageView(r model.RawMessage) MessageView {
	rules := r.Rules
	if rules == nil {
		rules = []string{}
	}
	return MessageView{ID: r.ID, From: r.From, Subject: r.Subject, Outcome: string(r.Outcome), Reason: r.Reason,
		Rules: rules, Size: r.Size, ReceivedAt: r.ReceivedAt.UTC().Format("2006-01-02T15:04:05Z")}
}

// RequesterOrgs lists the slugs of the organisations email is a member of:
// where staff may move a ticket of theirs (I3).
func (s *Service) RequesterOrgs(ctx context.Context, email string) ([]string, error) {
	u, err := s.UserShow(ctx, email)
	if errors.Is(err, ErrRefused) {
		return []string{}, nil
	} else if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(u.Memberships))
	for _, m := range u.Memberships {
		out = append(out, m.Org)
	}
	return out, nil
}
