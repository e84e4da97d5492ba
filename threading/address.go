package threading

import (
	"strings"

	"github.com/helpdesk-gw/helpdesk/model"
)

// Addresses is the helpdesk's address scheme, built on its support address
// (HELPDESK_ADDRESS): support+t-TOKEN@ reply addresses, support+note@ for
// internal notes (I7), support+follow-TOKEN@ (N5), support+bounce-TOKEN@
// (VERP, B3) and support+SLUG@ naming an organisation (I3).
type Addresses struct {
	Local, Domain string // of the support address
	NoteWord      string // the note sub-address, "note" by default
	Signer        *Signer
	// Intake holds the other intake addresses (billing@…, I10): they and
	// their sub-addresses are the helpdesk's own too (C3, B2, I1). Copies
	// of Addresses share it; nil means none.
	Intake *IntakeSet
}

// NewAddresses splits the support address; noteWord "" means "note".
func NewAddresses(support string, noteWord string, s *Signer) Addresses {
	support = model.NormalizeEmail(support)
	if noteWord == "" {
		noteWord = "note"
	}
	return Addresses{Local: model.LocalPart(support), Domain: model.EmailDomain(support), NoteWord: noteWord, Signer: s, Intake: NewIntakeSet()}
}

// Support returns the support address itself.
func (a Addresses) Support() string { return a.Local + "@" + a.Domain }

func (a Addresses) sub(detail string) string { return a.Local + "+" + detail + "@" + a.Domain }

// Detail returns the sub-address detail of one of the helpdesk's addresses
// ("" for the support address itself); ok is false for other addresses.
func (a Addresses) Detail(email string) (detail string, ok bool) {
	email = model.NormalizeEmail(email)
	if model.EmailDomain(email) != a.Domain {
		_, detail, ok = a.Intake.match(email)
		return detail, ok
	}
	local := model.LocalPart(email)
	if local == a.Local {
		return "", true
	}
	if d, found := strings.CutPrefix(local, a.Local+"+"); found {
		return d, true
	}
	_, detail, ok = a.Intake.match(email)
	return detail, ok
}

// IsOwn reports whether email is the helpdesk's address or a sub-address of
// it (C3, B2).
func (a Addresses) IsOwn(email string) bool {
	_, ok := a.Detail(email)
	return ok
}

// ReplyAddress is the reply address of ticketID issued to recipient (T1, T2).
func (a Addresses) ReplyAddress(ticketID int64, recipient string, staff bool) string {
	return a.sub("t-" + a.Signer.ReplyToken(ticketID, recipient, staff))
}

// ReplyAddressAt is ReplyAddress at intake address intake (I10), the
// address a ticket came in on as recorded when it was opened: a
// sub-address of it; "" gives the support address's.
func (a Addresses) ReplyAddressAt(intake string, ticketID int64, recipient string, staff bool) string {
	intake = model.NormalizeEmail(intake)
	if intake == "" || intake == a.Support() || strings.Contains(model.LocalPart(intake), "+") {
		return a.ReplyAddress(ticketID, recipient, staff)
	}
	return model.LocalPart(intake) + "+t-" + a.Signer.ReplyToken(ticketID, recipient, staff) + "@" + model.EmailDomain(intake)
}

// ReplyBase returns the address a reply address made by ReplyAddressAt
// belongs to: the support address or the intake address (I10) it extends
// ("billing+t-…@x" → "billing@x"); "" for an address that is no reply
// address of ours.
func (a Addresses) ReplyBase(replyTo string) string {
	replyTo = model.NormalizeEmail(replyTo)
	if a.IsOwn(replyTo) {
		if i, _, ok := a.Intake.match(replyTo); ok {
			return i
		}
		return a.Support()
	}
	base, detail, ok := strings.Cut(model.LocalPart(replyTo), "+")
	if !ok || !strings.HasPrefix(detail, "t-") {
		return ""
	}
	if _, valid := a.Signer.ParseReplyToken(detail[2:]); !valid {
		return ""
	}
	return base + "@" + model.EmailDomain(replyTo)
}

// FollowAddress is the address recipient mails to follow ticketID (N5).
func (a Addresses) FollowAddress(ticketID int64, recipient string) string {
	return a.sub("follow-" + a.Signer.FollowToken(ticketID, recipient))
}

// BounceAddress is the VERP return path of one outbox row (B3).
func (a Addresses) BounceAddress(outboxID int64) string {
	return a.sub("bounce-" + a.Signer.BounceToken(outboxID))
}

// NoteAddress is the address staff write to for an internal note (I7).
func (a Addresses) NoteAddress() string { return a.sub(a.NoteWord) }

// Target is what one of the helpdesk's addresses a message was sent to means.
type Target struct {
	Address  string
	Reply    *ReplyToken // support+t-TOKEN (verified)
	Follow   *ReplyToken // support+follow-TOKEN (verified)
	BounceID int64       // support+bounce-TOKEN (verified): the outbox row
	Note     bool        // the note address (I7)
	OrgSlug  string      // support+SLUG (I3)
	Invalid  bool        // a token that did not verify (T1): matches nothing
	// Intake is the intake address (I10) the address belongs to, "" for
	// the support address.
	Intake string
}

// Classify reads what the helpdesk address email means; ok is false for an
// address that is not the helpdesk's.
func (a Addresses) Classify(email string) (Target, bool) {
	detail, ok := a.Detail(email)
	if !ok {
		return Target{}, false
	}
	t := Target{Address: model.NormalizeEmail(email)}
	t.Intake, _, _ = a.Intake.match(t.Address)
	switch {
	case detail == "":
	case detail == a.NoteWord:
		t.Note = true
	case strings.HasPrefix(detail, "t-"):
		if tok, ok := a.Signer.ParseReplyToken(detail[2:]); ok {
			t.Reply = &tok
		} else {
			t.Invalid = true
		}
	case strings.HasPrefix(detail, "follow-"):
		if tok, ok := a.Signer.ParseFollowToken(detail[len("follow-"):]); ok {
			t.Follow = &tok
		} else {
			t.Invalid = true
		}
	case strings.HasPrefix(detail, "bounce-"):
		if id, ok := a.Signer.ParseBounceToken(detail[len("bounce-"):]); ok {
			t.BounceID = id
		} else {
			t.Invalid = true
		}
	default:
		t.OrgSlug = detail
	}
	return t, true
}
