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

// Route chooses a new ticket's team (I10), in order: the team of the
// intake address it was sent to, the team of its organisation, the global
// default team; a disabled team is skipped and routing goes on; else none
// (0). why says which step chose it.
func (a *Act) Route(ctx context.Context, intake string, orgID int64) (teamID int64, why string, err error) {
	teams, err := a.teamList(ctx)
	if err != nil {
		return 0, "", err
	}
	intake = model.NormalizeEmail(intake)
	steps := []struct {
		why   string
		match func(t model.Team) bool
	}{
		{"intake address " + intake, func(t model.Team) bool { return intake != "" && contains(t.Addresses, intake) }},
		{"organisation", func(t model.Team) bool { return orgID != 0 && containsID(t.OrgIDs, orgID) }},
		{"default team", func(t model.Team) bool { return t.Default }},
	}
	for _, step := range steps {
		for _, t := range teams {
			if step.match(t) && !t.Disabled {
				a.Rule("I10")
				return t.ID, step.why, nil
			}
		}
	}
	return 0, "", nil
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
