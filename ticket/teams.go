package ticket

import (
	"context"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/model"
)

// teamList returns the helpdesk's teams, read once per act.
func (a *Act) teamList(ctx context.Context) ([]model.Team, error) {
	if a.teams == nil {
		teams, err := a.Tx.ListTeams(ctx)
		if err != nil {
			return nil, fmt.Errorf("list teams: %w", err)
		}
		a.teams = teams
		if a.teams == nil {
			a.teams = []model.Team{}
		}
	}
	return a.teams, nil
}

// team returns the team with id.
func (a *Act) team(ctx context.Context, id int64) (model.Team, bool, error) {
	teams, err := a.teamList(ctx)
	if err != nil {
		return model.Team{}, false, err
	}
	for _, t := range teams {
		if t.ID == id {
			return t, true, nil
		}
	}
	return model.Team{}, false, nil
}

// Routing is what chooses a new ticket's team (I10).
type Routing struct {
	// Intake is the intake address the message names ("" for the support
	// address).
	Intake string
	// MailboxTeam is the slug of the team the mailbox it was read from is
	// mapped to ("" for none), and MailboxAddress that mailbox's address.
	MailboxTeam, MailboxAddress string
	OrgID                       int64
}

// Route chooses a new ticket's team (I10), in order: the team of the
// intake address it was sent to, named by the message or else by the
// mailbox it was read from (a mailbox mapped to a team), the team of its
// organisation, the global default team; a disabled or missing team is
// skipped and routing goes on; else none (0). intake is the address the
// ticket came in on, from which its notifications go: the one the message
// names, or the mailbox's address when it is one of its team's intake
// addresses, else "" (the support address). why says which step chose it.
func (a *Act) Route(ctx context.Context, r Routing) (teamID int64, intake, why string, err error) {
	teams, err := a.teamList(ctx)
	if err != nil {
		return 0, "", "", err
	}
	named := model.NormalizeEmail(r.Intake)
	mailbox := model.NormalizeEmail(r.MailboxAddress)
	steps := []struct {
		why   string
		match func(t model.Team) bool
	}{
		{"intake address " + named, func(t model.Team) bool { return named != "" && contains(t.Addresses, named) }},
		{"mailbox of team " + r.MailboxTeam, func(t model.Team) bool { return r.MailboxTeam != "" && t.Slug == r.MailboxTeam }},
		{"organisation", func(t model.Team) bool { return r.OrgID != 0 && containsID(t.OrgIDs, r.OrgID) }},
		{"default team", func(t model.Team) bool { return t.Default }},
	}
	for i, step := range steps {
		for _, t := range teams {
			if step.match(t) && !t.Disabled {
				a.Rule("I10")
				intake = r.Intake
				if i == 1 { // the mailbox's team: its address, when the team's
					intake = ""
					if mailbox != "" && contains(t.Addresses, mailbox) {
						intake = mailbox
					}
				}
				return t.ID, intake, step.why, nil
			}
		}
	}
	return 0, r.Intake, "", nil
}

// setTeam sets the ticket's team by slug, or clears it ("none"): staff
// only (I10, S4), on the ticket's history.
func (a *Act) setTeam(ctx context.Context, t *model.Ticket, slug string) (bool, error) {
	if slug == "" {
		return false, nil
	}
	if err := a.staffOnly("team"); err != nil {
		return false, err
	}
	before := "(none)"
	if t.TeamID != 0 {
		if old, ok, err := a.team(ctx, t.TeamID); err != nil {
			return false, err
		} else if ok {
			before = old.Slug
		}
	}
	a.Rule("I10")
	if slug == "none" {
		if t.TeamID == 0 {
			return false, nil
		}
		t.TeamID = 0
		return true, a.Event(ctx, t.ID, model.EventTeamChanged, before+" → (none) by "+a.actorEmail())
	}
	teams, err := a.teamList(ctx)
	if err != nil {
		return false, err
	}
	for _, team := range teams {
		if team.Slug != slug {
			continue
		}
		if team.ID == t.TeamID {
			return false, nil
		}
		t.TeamID = team.ID
		return true, a.Event(ctx, t.ID, model.EventTeamChanged, before+" → "+slug+" by "+a.actorEmail())
	}
	return false, refused("there is no team %q (I10)", slug)
}

func containsID(list []int64, id int64) bool {
	for _, x := range list {
		if x == id {
			return true
		}
	}
	return false
}
