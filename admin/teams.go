package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/commands"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/ticket"
)

// TeamView is the JSON shape of team list.
type TeamView struct {
	Slug      string   `json:"slug"`
	Name      string   `json:"name"`
	Disabled  bool     `json:"disabled"`
	Default   bool     `json:"default"`
	Members   []string `json:"members"`
	Addresses []string `json:"addresses"`
	Orgs      []string `json:"orgs"`
}

// TeamChange is what team set changes; nil fields stay as they are, a
// list given replaces the old one (cli.md).
type TeamChange struct {
	Name      *string
	Addresses *[]string
	Orgs      *[]string
	Disabled  *bool
	Default   *bool
}

// TeamAdd creates a team (S4) with its intake addresses and organisations
// (I10). Admins only; audited (S3).
func (s *Service) TeamAdd(ctx context.Context, req Request, slug, name string, addresses, orgs []string) error {
	if err := checkTeamSlug(slug); err != nil {
		return err
	}
	if strings.TrimSpace(name) == "" {
		return usage("team add: --name is required")
	}
	return s.change(ctx, req, func(tx *store.Tx) error {
		if _, err := actor(ctx, tx, req, model.RoleAdmin); err != nil {
			return err
		}
		if _, err := tx.TeamBySlug(ctx, slug); err == nil {
			return refused("S4: there is already a team %q", slug)
		}
		t := model.Team{Slug: slug, Name: name, CreatedAt: s.now().UTC()}
		if err := s.teamLists(ctx, tx, &t, &addresses, &orgs); err != nil {
			return err
		}
		if err := tx.CreateTeam(ctx, &t); err != nil {
			return teamError(err)
		}
		v, err := s.teamView(ctx, tx, t)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, req, "team.add", slug, nil, v)
	})
}

// TeamSet changes a team (S4, I10): its name, intake addresses,
// organisations, whether it is disabled and whether it is the global
// default. Admins only; audited (S3).
func (s *Service) TeamSet(ctx context.Context, req Request, slug string, c TeamChange) error {
	return s.teamChange(ctx, req, slug, "team.set", func(tx *store.Tx, t *model.Team) error {
		if c.Name != nil {
			t.Name = *c.Name
		}
		if c.Disabled != nil {
			t.Disabled = *c.Disabled
		}
		if c.Default != nil {
			t.Default = *c.Default
		}
		return s.teamLists(ctx, tx, t, c.Addresses, c.Orgs)
	})
}

// TeamMember adds (add true) or removes a staff member of a team (S4).
func (s *Service) TeamMember(ctx context.Context, req Request, slug, email string, add bool) error {
	action := "team.member.remove"
	if add {
		action = "team.member.add"
	}
	return s.teamChange(ctx, req, slug, action, func(tx *store.Tx, t *model.Team) error {
		u, err := loadUser(ctx, tx, email)
		if err != nil {
			return err
		}
		i := indexOf(t.Members, u.ID)
		switch {
		case add && !u.StaffRole.IsStaff():
			return refused("S4: %s is not staff; teams are of staff", u.Email)
		case add && i >= 0:
			return refused("%s is already a member of %s", u.Email, slug)
		case add:
			t.Members = append(t.Members, u.ID)
		case i < 0:
			return refused("%s is not a member of %s", u.Email, slug)
		default:
			t.Members = append(t.Members[:i], t.Members[i+1:]...)
		}
		return nil
	})
}

// TeamRemove deletes a team (S4): its tickets lose it, recorded on each
// ticket's history (the same act as ticket set --team none). Admins only;
// audited (S3).
func (s *Service) TeamRemove(ctx context.Context, req Request, slug string) error {
	return s.change(ctx, req, func(tx *store.Tx) error {
		u, t, before, err := s.teamAsAdmin(ctx, tx, req, slug)
		if err != nil {
			return err
		}
		tickets, err := tx.ListTickets(ctx, store.TicketFilter{TeamID: t.ID})
		if err != nil {
			return err
		}
		if len(tickets) > 0 {
			if s.acts == nil {
				return fmt.Errorf("team remove: no ticket service configured")
			}
			facts := access.NewFacts(tx)
			p, err := facts.PersonOf(ctx, u)
			if err != nil {
				return err
			}
			a := s.acts.Begin(tx, facts, s.now().UTC(), ticket.Actor{User: &u, Person: p, Proven: true, Channel: ticket.ChannelCLI}, nil)
			for _, tk := range tickets {
				v, err := a.Open(ctx, tk.ID)
				if err != nil {
					return err
				}
				if err := a.Set(ctx, v, ticket.Change{Team: "none"}); err != nil {
					return asRefusal(err)
				}
			}
		}
		if err := tx.DeleteTeam(ctx, t.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, req, "team.remove", slug, before, map[string]any{"tickets_cleared": len(tickets)})
	})
}

// TeamList lists the teams, by slug.
func (s *Service) TeamList(ctx context.Context) ([]TeamView, error) {
	teams, err := s.st.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	out := []TeamView{}
	for _, t := range teams {
		v, err := s.teamView(ctx, s.st, t)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// teamAsAdmin checks that req's actor is an admin (S4, S1, S2) and loads
// team slug with its printed form, for the audit's before.
func (s *Service) teamAsAdmin(ctx context.Context, tx *store.Tx, req Request, slug string) (model.User, model.Team, TeamView, error) {
	u, err := actor(ctx, tx, req, model.RoleAdmin)
	if err != nil {
		return u, model.Team{}, TeamView{}, err
	}
	t, err := tx.TeamBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return u, t, TeamView{}, refused("no team %q", slug)
	} else if err != nil {
		return u, t, TeamView{}, err
	}
	v, err := s.teamView(ctx, tx, t)
	return u, t, v, err
}

// teamChange runs edit on team slug as an admin and audits before/after.
func (s *Service) teamChange(ctx context.Context, req Request, slug, action string, edit func(tx *store.Tx, t *model.Team) error) error {
	return s.change(ctx, req, func(tx *store.Tx) error {
		_, t, before, err := s.teamAsAdmin(ctx, tx, req, slug)
		if err != nil {
			return err
		}
		if err := edit(tx, &t); err != nil {
			return err
		}
		if err := tx.UpdateTeam(ctx, &t); err != nil {
			return teamError(err)
		}
		after, err := s.teamView(ctx, tx, t)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, req, action, slug, before, after)
	})
}

// teamLists checks and sets a team's intake addresses and organisations.
func (s *Service) teamLists(ctx context.Context, tx *store.Tx, t *model.Team, addresses, orgs *[]string) error {
	if addresses != nil {
		t.Addresses = nil
		for _, a := range *addresses {
			e, err := validEmail(a)
			if err != nil {
				return err
			}
			if s.isOwn(e) {
				return refused("I10: %s is the support address or one of its sub-addresses, not an intake address of its own", e)
			}
			t.Addresses = append(t.Addresses, e)
		}
	}
	if orgs != nil {
		t.OrgIDs = nil
		for _, slug := range *orgs {
			o, err := loadOrg(ctx, tx, slug)
			if err != nil {
				return err
			}
			t.OrgIDs = append(t.OrgIDs, o.ID)
		}
	}
	return nil
}

// teamView is the printed and audited form of a team.
func (s *Service) teamView(ctx context.Context, q store.Querier, t model.Team) (TeamView, error) {
	v := TeamView{Slug: t.Slug, Name: t.Name, Disabled: t.Disabled, Default: t.Default,
		Members: []string{}, Addresses: append([]string{}, t.Addresses...), Orgs: []string{}}
	for _, id := range t.Members {
		u, err := q.UserByID(ctx, id)
		if err != nil {
			return v, err
		}
		v.Members = append(v.Members, u.Email)
	}
	if len(t.OrgIDs) > 0 {
		orgs, err := q.ListOrgs(ctx)
		if err != nil {
			return v, err
		}
		for _, o := range orgs {
			if indexOf(t.OrgIDs, o.ID) >= 0 {
				v.Orgs = append(v.Orgs, o.Slug)
			}
		}
	}
	return v, nil
}

// checkTeamSlug applies O1's slug rules to team slugs: they name teams in
// #team lines.
func checkTeamSlug(slug string) error {
	if !commands.IsSlug(slug) || slug == "none" {
		return usage("S4: team slug %q must be lower-case letters, digits and '-', and not \"none\"", slug)
	}
	return nil
}

// teamError says which mapping was already taken.
func teamError(err error) error {
	if errors.Is(err, store.ErrDuplicate) {
		return refused("I10: an intake address or organisation is already routed to another team")
	}
	return err
}

func indexOf(list []int64, id int64) int {
	for i, x := range list {
		if x == id {
			return i
		}
	}
	return -1
}
