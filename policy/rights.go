package policy

import (
	"fmt"

	"github.com/helpdesk-gw/helpdesk/model"
)

// Decision is the answer to "may P see / comment on ticket T", with the
// rules that gave it and a sentence for people.
type Decision struct {
	View    bool
	Comment bool
	Rules   []string
	Why     string
}

// Rights decides what p may do with ticket t (R1–R7, A1–A4).
//
// The rights add up: each rule that applies contributes, the most permissive
// wins (A3), and a person no rule names has none (R5). Internal notes are a
// separate question (R7: CanSeeInternal).
func Rights(p Person, t TicketFacts) Decision {
	var d Decision
	var why []string
	grant := func(view, comment bool, rule, reason string) {
		d.View = d.View || view
		d.Comment = d.Comment || comment
		d.Rules = append(d.Rules, rule)
		why = append(why, rule+" "+reason)
	}
	// R1: staff see and comment on every ticket.
	if p.IsStaff() {
		grant(true, true, "R1", "staff ("+string(p.Role)+")")
	}
	// R2: the requester sees and comments on their ticket.
	if p.Email != "" && p.Email == t.Requester {
		grant(true, true, "R2", "requester")
	}
	// R3: a CC sees and comments, whatever A1/A2 say.
	if p.Email != "" && t.IsCC(p.Email) {
		grant(true, true, "R3", "cc")
	}
	// R4 with A1–A4: membership of the ticket's organisation.
	if m, ok := p.MemberOf(t.OrgID); ok {
		view, comment, reason := memberRights(m, t.OrgSlug)
		if view {
			grant(view, comment, "R4", reason)
		}
	}
	if len(d.Rules) == 0 {
		// R5: nobody else; membership of another organisation gives nothing.
		d.Rules = []string{"R5"}
		why = append(why, "R5 not requester, CC, staff, nor a member with rights in the ticket's organisation")
	}
	d.Why = joinWhy(why)
	return d
}

// memberRights applies A1–A4 to one membership of the ticket's organisation.
func memberRights(m Membership, slug string) (view, comment bool, why string) {
	switch m.OrgAccess {
	case model.OrgAccessComment:
		// A1 comment: members see and comment on all tickets (A4: the only
		// setting that grants comment on others' tickets).
		return true, true, fmt.Sprintf("org %s is comment", slug)
	case model.OrgAccessView:
		// A1 view: members see all tickets, cannot comment on others'.
		return true, false, fmt.Sprintf("org %s is view", slug)
	}
	// A3: the membership's org setting gives view even where the
	// organisation says own; A4: it never gives comment.
	if m.Access == model.MemberAccessOrg {
		return true, false, fmt.Sprintf("membership org in %s", slug)
	}
	return false, false, ""
}

// CanSeeInternal reports whether p may see internal notes (R7, N2): staff
// only, always, whoever was in a mail's To or Cc.
func CanSeeInternal(p Person) bool { return p.IsStaff() }

// MayFollow reports whether p may follow ticket t (N5): anyone who can see
// it. Following grants nothing by itself (A4).
func MayFollow(p Person, t TicketFacts) bool { return Rights(p, t).View }

func joinWhy(parts []string) string {
	s := ""
	for i, p := range parts {
		if i > 0 {
			s += "; "
		}
		s += p
	}
	return s
}
