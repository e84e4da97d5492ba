package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/helpdesk-gw/helpdesk/model"
)

const teamCols = `id, slug, name, disabled, is_default, created_at`

func scanTeam(r rowScanner) (model.Team, error) {
	var t model.Team
	err := r.Scan(&t.ID, &t.Slug, &t.Name, &t.Disabled, &t.Default, (*dbTime)(&t.CreatedAt))
	return t, err
}

// ListTeams returns every team with its members, intake addresses and
// organisations, ordered by slug.
func (q *queries) ListTeams(ctx context.Context) ([]model.Team, error) {
	teams, err := getAll(ctx, q, "list teams", scanTeam, `SELECT `+teamCols+` FROM teams ORDER BY slug`)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*model.Team{}
	for i := range teams {
		byID[teams[i].ID] = &teams[i]
	}
	type pair struct {
		team int64
		id   int64
		s    string
	}
	scanIDs := func(r rowScanner) (pair, error) {
		var p pair
		return p, r.Scan(&p.team, &p.id)
	}
	members, err := getAll(ctx, q, "list team members", scanIDs, `SELECT team_id, user_id FROM team_members ORDER BY user_id`)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if t := byID[m.team]; t != nil {
			t.Members = append(t.Members, m.id)
		}
	}
	orgs, err := getAll(ctx, q, "list team organisations", scanIDs, `SELECT team_id, org_id FROM team_orgs ORDER BY org_id`)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		if t := byID[o.team]; t != nil {
			t.OrgIDs = append(t.OrgIDs, o.id)
		}
	}
	addrs, err := getAll(ctx, q, "list team addresses", func(r rowScanner) (pair, error) {
		var p pair
		return p, r.Scan(&p.team, &p.s)
	}, `SELECT team_id, address FROM team_addresses ORDER BY address`)
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if t := byID[a.team]; t != nil {
			t.Addresses = append(t.Addresses, a.s)
		}
	}
	return teams, nil
}

// TeamBySlug returns the team with that slug (with its lists), or
// ErrNotFound.
func (q *queries) TeamBySlug(ctx context.Context, slug string) (model.Team, error) {
	teams, err := q.ListTeams(ctx)
	if err != nil {
		return model.Team{}, err
	}
	for _, t := range teams {
		if t.Slug == slug {
			return t, nil
		}
	}
	return model.Team{}, fmt.Errorf("get team %s: %w", slug, ErrNotFound)
}

// CreateTeam stores a new team with its lists and sets t.ID. A slug, an
// intake address or an organisation already taken is ErrDuplicate.
func (q *queries) CreateTeam(ctx context.Context, t *model.Team) error {
	q.stamp(&t.CreatedAt)
	id, err := q.insert(ctx, "insert team "+t.Slug,
		`INSERT INTO teams (slug, name, disabled, is_default, created_at) VALUES (?, ?, ?, ?, ?)`,
		t.Slug, t.Name, t.Disabled, false, dbTime(t.CreatedAt))
	if err != nil {
		return err
	}
	t.ID = id
	return q.UpdateTeam(ctx, t)
}

// UpdateTeam stores t's name, flags and lists (the lists replace the old
// ones). Making t the default team makes every other team not the default.
func (q *queries) UpdateTeam(ctx context.Context, t *model.Team) error {
	op := "update team " + t.Slug
	if t.Default {
		if _, err := q.exec(ctx, op, `UPDATE teams SET is_default = ? WHERE id <> ?`, false, t.ID); err != nil {
			return err
		}
	}
	if err := q.execOne(ctx, op, `UPDATE teams SET name = ?, disabled = ?, is_default = ? WHERE id = ?`,
		t.Name, t.Disabled, t.Default, t.ID); err != nil {
		return err
	}
	for _, table := range []string{"team_members", "team_addresses", "team_orgs"} {
		if _, err := q.exec(ctx, op, `DELETE FROM `+table+` WHERE team_id = ?`, t.ID); err != nil {
			return err
		}
	}
	for _, id := range slices.Compact(slices.Sorted(slices.Values(t.Members))) {
		if _, err := q.exec(ctx, op, `INSERT INTO team_members (team_id, user_id) VALUES (?, ?)`, t.ID, id); err != nil {
			return err
		}
	}
	for _, a := range slices.Compact(slices.Sorted(slices.Values(t.Addresses))) {
		if _, err := q.exec(ctx, op, `INSERT INTO team_addresses (address, team_id) VALUES (?, ?)`, model.NormalizeEmail(a), t.ID); err != nil {
			return err
		}
	}
	for _, id := range slices.Compact(slices.Sorted(slices.Values(t.OrgIDs))) {
		if _, err := q.exec(ctx, op, `INSERT INTO team_orgs (org_id, team_id) VALUES (?, ?)`, id, t.ID); err != nil {
			return err
		}
	}
	return nil
}

// DeleteTeam removes a team; its tickets must have been cleared first
// (TicketsOfTeam).
func (q *queries) DeleteTeam(ctx context.Context, id int64) error {
	return q.execOne(ctx, fmt.Sprintf("delete team %d", id), `DELETE FROM teams WHERE id = ?`, id)
}

// TeamAddresses returns every intake address mapped to a team (I10),
// with its team's id.
func (q *queries) TeamAddresses(ctx context.Context) (map[string]int64, error) {
	type row struct {
		addr string
		team int64
	}
	rows, err := getAll(ctx, q, "list intake addresses", func(r rowScanner) (row, error) {
		var x row
		return x, r.Scan(&x.addr, &x.team)
	}, `SELECT address, team_id FROM team_addresses`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.addr] = r.team
	}
	return out, nil
}
