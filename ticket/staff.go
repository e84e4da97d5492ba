package ticket

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
)

// teamStaff is the staff of the ticket's team, every staff member when it
// has none (N7, I10), as the policy sees them. A team without members has
// no staff: N7 then tells the admins.
func (a *Act) teamStaff(ctx context.Context, v *access.TicketView) ([]policy.Person, error) {
	return a.staffOf(ctx, v.Ticket.TeamID)
}

// staffOf is the staff members of team teamID, every staff member for 0.
func (a *Act) staffOf(ctx context.Context, teamID int64) ([]policy.Person, error) {
	staff, err := a.Tx.ListStaff(ctx)
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	var members map[int64]bool
	if teamID != 0 {
		team, ok, err := a.team(ctx, teamID)
		if err != nil {
			return nil, err
		}
		if ok {
			members = map[int64]bool{}
			for _, id := range team.Members {
				members[id] = true
			}
		}
	}
	byID := make(map[int64]model.User, len(staff))
	for _, u := range staff {
		if members == nil || members[u.ID] {
			byID[u.ID] = u
		}
	}
	people, err := a.Facts.People(ctx, byID)
	if err != nil {
		return nil, err
	}
	out := make([]policy.Person, 0, len(people))
	for _, p := range people {
		out = append(out, p)
	}
	slices.SortFunc(out, func(x, y policy.Person) int { return strings.Compare(x.Email, y.Email) })
	return out, nil
}

// NotifyStaffOfNewTicket tells staff of a new ticket (N7): the staff of its
// team (every staff member when it has none) whose notify setting is team;
// when that tells nobody, every admin and owner whose setting is not none,
// so that no new ticket goes unseen. Each is sent their own reply address
// (T2), so that a reply from their mail client proves them (P1 b). The
// notification shows the requester, the organisation, who can see the
// ticket and why (as 'ticket access'), the message and the commands of I8.
// The actor (a staff member opening a ticket) and anyone this act already
// told are skipped.
func (a *Act) NotifyStaffOfNewTicket(ctx context.Context, v *access.TicketView, c *model.Comment) error {
	staff, err := a.teamStaff(ctx, v)
	if err != nil {
		return err
	}
	told := map[string]bool{a.actorEmail(): true}
	for _, n := range a.Notified {
		told[n.To] = true
	}
	pick := func(staff []policy.Person, ok func(p policy.Person) bool) []string {
		var out []string
		for _, p := range staff {
			if !told[p.Email] && !p.Bouncing && ok(p) {
				out = append(out, p.Email)
			}
		}
		return out
	}
	teamSetting := func(p policy.Person) bool { return p.Notify.Or() == model.NotifyTeam && !p.Bouncing }
	to := pick(staff, teamSetting)
	rule := "N7"
	if !slices.ContainsFunc(staff, teamSetting) { // nobody of the team would be told: the admins are
		if v.Ticket.TeamID != 0 { // a team without members: every admin and owner
			if staff, err = a.staffOf(ctx, 0); err != nil {
				return err
			}
		}
		to = pick(staff, func(p policy.Person) bool {
			return p.Role.AtLeast(model.RoleAdmin) && p.Notify.Or() != model.NotifyNone
		})
	}
	if len(to) == 0 {
		return nil
	}
	a.Rule(rule)
	d := a.Data(v, "")
	if c != nil {
		d.Body = c.Body
	}
	d.Requester = v.Facts.Requester
	if d.Access, err = a.accessLines(ctx, v); err != nil {
		return err
	}
	for _, e := range to {
		if err := a.Queue(ctx, v, e, model.KindNewTicket, "new_ticket", d, []string{rule}); err != nil {
			return err
		}
	}
	return nil
}

// accessLines says who can see the ticket and why, as 'ticket access'
// does: everyone a rule names, and the staff as one line (R1). Members who
// see it only as members of its organisation (R4 alone) are listed up to
// listedMembers; the rest are counted, one line per right and reason: a
// ticket of an organisation whose 5,000 members all see it would
// otherwise send each staff member 5,000 lines (issue 20).
func (a *Act) accessLines(ctx context.Context, v *access.TicketView) ([]string, error) {
	entries, err := a.Facts.Explain(ctx, v.Ticket.ID)
	if err != nil {
		return nil, fmt.Errorf("who can see ticket %d: %w", v.Ticket.ID, err)
	}
	var out, counted []string
	more := map[string]int{}
	staff, members := 0, 0
	for _, e := range entries {
		if slices.Contains(e.Rules, "R1") {
			staff++
			continue
		}
		right := "view"
		if e.Comment {
			right = "view and comment"
		}
		why := fmt.Sprintf("%s (%s)", right, e.Why)
		if slices.Equal(e.Rules, []string{"R4"}) {
			if members++; members > listedMembers {
				if more[why] == 0 {
					counted = append(counted, why)
				}
				more[why]++
				continue
			}
		}
		out = append(out, e.Email+": "+why)
	}
	for _, why := range counted {
		out = append(out, fmt.Sprintf("and %d more members of the organisation: %s", more[why], why))
	}
	if staff > 0 {
		noun := "members"
		if staff == 1 {
			noun = "member"
		}
		out = append(out, fmt.Sprintf("staff: %d %s, view and comment, internal notes included (R1)", staff, noun))
	}
	return out, nil
}

// listedMembers is how many members who see a ticket only as members of
// its organisation a staff notification names before it counts the rest
// ('ticket access' and the console list them all).
const listedMembers = 20
