package policy

import (
	"sort"

	"github.com/helpdesk-gw/helpdesk/model"
)

// Recipient is one person a notification goes to, with the rules that
// chose them.
type Recipient struct {
	Email string
	Rules []string
	Why   string
}

// CommentEvent describes a new comment or internal note for N1–N4.
type CommentEvent struct {
	Author       string
	AuthorProven bool // P1: the author's mail is proven
	Internal     bool // an internal note (R7, N2)
	// MailRecipients are the addresses in To/Cc of the author's mail (N4).
	MailRecipients map[string]bool
	// Joined are the addresses that joined the ticket with this mail: they
	// are sent the comment even when in To/Cc, for its reply address (N4).
	Joined map[string]bool
	// TeamStaff are the staff told of a public comment on a ticket nobody
	// is assigned to (N1, N7): the staff of its team, every staff member
	// when it has none. Only those whose notify setting is team are told.
	TeamStaff []string
	// TeamFallback: TeamStaff are N7's fallback, every admin and owner
	// (the team has nobody whose setting is team): told unless their
	// setting is none.
	TeamFallback bool
}

// FollowsAll reports whether a membership follows every ticket of its
// organisation (N5): it must have the A2 setting org.
func FollowsAll(m Membership) bool { return m.FollowAll && m.Access == model.MemberAccessOrg }

// CommentRecipients decides who is told of a comment (N1, N2, N4, N5), given
// the people concerned (keyed by email; anyone missing is not told).
//
// N1, public comment: the requester, CCs, followers and the assignee (when
// none is assigned, the team's staff of N7), minus the author, anyone who
// cannot see the ticket now (R1–R5), bouncing addresses (B3), and (N4) the
// people in To/Cc of a proven author's mail who did not just join. N2,
// internal note: the assignee and staff followers only; no end-user
// address, ever (R7). N7: a staff member whose notify setting is none is
// told nothing but what they follow (N5); one whose setting is assigned is
// not told as team staff.
func CommentRecipients(ev CommentEvent, t TicketFacts, people map[string]Person) []Recipient {
	type cand struct{ rules []string }
	cands := map[string]*cand{}
	add := func(email, rule string) {
		if email == "" {
			return
		}
		if c, ok := cands[email]; ok {
			c.rules = append(c.rules, rule)
			return
		}
		cands[email] = &cand{rules: []string{rule}}
	}
	if ev.Internal {
		add(t.Assignee, "N2")
		for e := range t.Followers {
			add(e, "N2")
		}
	} else {
		add(t.Requester, "N1")
		for e := range t.CCs {
			add(e, "N1")
		}
		for e := range t.Followers {
			add(e, "N5")
		}
		add(t.Assignee, "N1")
		if t.Assignee == "" {
			for _, e := range ev.TeamStaff {
				add(e, "N7")
			}
		}
	}
	var out []Recipient
	for email, c := range cands {
		p, ok := people[email]
		switch {
		case !ok, email == ev.Author:
			continue
		case !Rights(p, t).View: // R5 at send time
			continue
		case ev.Internal && !CanSeeInternal(p): // R7, N2
			continue
		case p.Bouncing: // B3
			continue
		case p.IsStaff() && !staffWants(p.Notify, c.rules, ev.TeamFallback): // N7
			continue
		case ev.AuthorProven && ev.MailRecipients[email] && !ev.Joined[email]: // N4
			continue
		}
		out = append(out, Recipient{Email: email, Rules: c.rules})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Email < out[j].Email })
	return out
}

// staffWants reports whether a staff member with setting n is told of a
// comment for these rules (N7): following (N5) always counts; none
// refuses the rest; assigned refuses being told as team staff.
func staffWants(n model.NotifySetting, rules []string, fallback bool) bool {
	for _, r := range rules {
		switch {
		case r == "N5":
			return true
		case n.Or() == model.NotifyNone:
		case r == "N7" && n.Or() != model.NotifyTeam && !fallback:
		default:
			return true
		}
	}
	return false
}

// MaySend re-checks a queued notification at send time (N1, N2, R7): the
// recipient must still see the ticket (notices naming one too: I5 notices,
// command reports), and a note goes to staff only.
func MaySend(p Person, t TicketFacts, kind model.NotificationKind) bool {
	if p.Bouncing {
		return false
	}
	if kind == model.KindNote {
		return CanSeeInternal(p)
	}
	if kind == model.KindNotice && t.ID == 0 {
		return true // the I6 notice names no ticket
	}
	return Rights(p, t).View
}
