package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/helpdesk-gw/helpdesk/message"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// StaffView is the JSON shape of staff list.
type StaffView struct {
	Email  string   `json:"email"`
	Name   string   `json:"name"`
	Role   string   `json:"role"`
	Notify string   `json:"notify"`
	Teams  []string `json:"teams"`
}

// StaffList lists the staff with their roles, notify settings (N7) and
// teams (S4), oldest first.
func (s *Service) StaffList(ctx context.Context) ([]StaffView, error) {
	staff, err := s.st.ListStaff(ctx)
	if err != nil {
		return nil, err
	}
	teams, err := s.st.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	out := []StaffView{}
	for _, u := range staff {
		v := StaffView{Email: u.Email, Name: u.Name, Role: string(u.StaffRole), Notify: string(u.Notify.Or()), Teams: []string{}}
		for _, t := range teams {
			if indexOf(t.Members, u.ID) >= 0 {
				v.Teams = append(v.Teams, t.Slug)
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// StaffTeams makes email a member of exactly the teams named (S4; a list
// given to staff set replaces the old one), each change audited as team
// member add or remove.
func (s *Service) StaffTeams(ctx context.Context, req Request, email string, slugs []string) error {
	teams, err := s.st.ListTeams(ctx)
	if err != nil {
		return err
	}
	u, err := loadUser(ctx, s.st, email)
	if err != nil {
		return err
	}
	for _, slug := range slugs {
		if !slices.ContainsFunc(teams, func(t model.Team) bool { return t.Slug == slug }) {
			return refused("no team %q", slug)
		}
	}
	for _, t := range teams {
		member, want := indexOf(t.Members, u.ID) >= 0, slices.Contains(slugs, t.Slug)
		if member != want {
			if err := s.TeamMember(ctx, req, t.Slug, u.Email, want); err != nil {
				return err
			}
		}
	}
	return nil
}

// QuarantineDetail is quarantine show: the held message, why it is held
// and what releasing it would do.
type QuarantineDetail struct {
	QuarantineView
	Headers []string `json:"headers"`
	Text    string   `json:"text"`
}

// QuarantineShow shows one held message: its main headers and its text as
// read (never its HTML), the reason and the rules that held it.
func (s *Service) QuarantineShow(ctx context.Context, id int64) (QuarantineDetail, error) {
	q, err := s.st.QuarantineByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return QuarantineDetail{}, refused("no quarantined message %d", id)
	} else if err != nil {
		return QuarantineDetail{}, err
	}
	d := QuarantineDetail{QuarantineView: quarantineView(q), Headers: []string{}}
	raw, err := s.st.RawByID(ctx, q.RawMessageID)
	if err != nil {
		return d, fmt.Errorf("quarantined message %d: %w", id, err)
	}
	m, err := message.Parse(raw.Raw, message.Options{})
	if m == nil {
		d.Text = "(the message could not be read: " + err.Error() + ")"
		return d, nil
	}
	for _, name := range []string{"From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To"} {
		for _, v := range m.Header.Values(name) {
			d.Headers = append(d.Headers, name+": "+strings.TrimSpace(v))
		}
	}
	d.Text = m.Text
	return d, nil
}
