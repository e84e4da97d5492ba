package policy

import (
	"path"
	"strings"

	"github.com/helpdesk-gw/helpdesk/model"
)

// DefaultCCBlocklist is C3's default block list.
var DefaultCCBlocklist = []string{"noreply@*", "no-reply@*", "donotreply@*", "mailer-daemon@*", "postmaster@*"}

// DefaultMaxNewCCs is C1's default cap on CCs added by one mail.
const DefaultMaxNewCCs = 10

// MayAddCCs decides whether the author of a reply may add CCs by naming them
// in To/Cc (C2, P3): only a proven sender, and then staff always, the
// requester always, other CCs only when the organisation's cc_adders is
// participants.
func MayAddCCs(p Person, t TicketFacts, proven bool) Verdict {
	if !proven {
		return Verdict{Rules: []string{"P3", "C2"}, Reason: "sender not proven: CCs in To/Cc ignored"}
	}
	switch {
	case p.IsStaff():
		return Verdict{OK: true, Rules: []string{"C2", "R1"}, Reason: "staff may add CCs"}
	case p.Email == t.Requester:
		return Verdict{OK: true, Rules: []string{"C2", "R2"}, Reason: "requester may add CCs"}
	case t.IsCC(p.Email) && t.CCAdders == model.CCAddersParticipants:
		return Verdict{OK: true, Rules: []string{"C2", "R3"}, Reason: "organisation lets participants add CCs"}
	}
	return Verdict{Rules: []string{"C2"}, Reason: "only the requester and staff may add CCs to this ticket"}
}

// CCFilter holds what C3 needs to refuse an address as a CC.
type CCFilter struct {
	IsOwn     func(email string) bool // the helpdesk's own addresses and sub-addresses
	Blocklist []string                // glob patterns, e.g. "noreply@*"
	Bouncing  func(email string) bool // B3
	Max       int                     // C1 max_new_ccs; 0 = DefaultMaxNewCCs
}

// CCRefusal is an address C3 or C1 kept from becoming a CC.
type CCRefusal struct {
	Email  string
	Rule   string
	Reason string
}

// FilterCCs applies C3 (never the helpdesk, the block list, bouncing
// addresses) and C1's cap to candidate CCs; skip lists addresses that need
// no adding (the author, the requester, existing CCs), dropped silently.
func FilterCCs(candidates []string, skip map[string]bool, f CCFilter) (accepted []string, refused []CCRefusal) {
	max := f.Max
	if max <= 0 {
		max = DefaultMaxNewCCs
	}
	seen := map[string]bool{}
	for _, raw := range candidates {
		e := model.NormalizeEmail(raw)
		if e == "" || seen[e] || skip[e] {
			continue
		}
		seen[e] = true
		switch {
		case f.IsOwn != nil && f.IsOwn(e):
			continue // the helpdesk itself: not a refusal worth telling
		case Blocked(e, f.Blocklist):
			refused = append(refused, CCRefusal{e, "C3", "address is on the CC block list"})
		case f.Bouncing != nil && f.Bouncing(e):
			refused = append(refused, CCRefusal{e, "C3", "address is bouncing"})
		case len(accepted) >= max:
			refused = append(refused, CCRefusal{e, "C1", "more than max_new_ccs addresses in one mail"})
		default:
			accepted = append(accepted, e)
		}
	}
	return accepted, refused
}

// Blocked reports whether email matches a block-list glob (C3).
func Blocked(email string, blocklist []string) bool {
	for _, pat := range blocklist {
		if ok, _ := path.Match(strings.ToLower(pat), email); ok {
			return true
		}
	}
	return false
}
