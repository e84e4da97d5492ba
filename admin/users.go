package admin

import (
	"context"
	"errors"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/commands"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
)

// UserView is the JSON shape of user show (cli.md).
type UserView struct {
	Email       string           `json:"email"`
	Name        string           `json:"name"`
	StaffRole   *string          `json:"staff_role"`
	DefaultOrg  *string          `json:"default_org"`
	Memberships []MembershipView `json:"memberships"`
}

// MembershipView is one membership in UserView.
type MembershipView struct {
	Org       string `json:"org"`
	Access    string `json:"access"`
	FollowAll bool   `json:"follow_all"`
	Source    string `json:"source"`
}

func validEmail(e string) (string, error) {
	e = model.NormalizeEmail(e)
	if !commands.IsEmail(e) {
		return "", usage("%q is not an email address", e)
	}
	return e, nil
}

// ensureUser returns the user with email, creating it with the memberships
// O3 gives its domain now.
func (s *Service) ensureUser(ctx context.Context, tx *store.Tx, email, name string) (model.User, bool, error) {
	u, err := tx.UserByEmail(ctx, email)
	if err == nil {
		return u, false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return u, false, err
	}
	u = model.User{Email: email, Name: name, CreatedAt: s.now().UTC()}
	if err := tx.CreateUser(ctx, &u); err != nil {
		return u, false, err
	}
	orgs, err := tx.ListOrgs(ctx)
	if err != nil {
		return u, false, err
	}
	for _, m := range policy.DerivedMemberships(email, orgs) { // O3
		if err := tx.UpsertMembership(ctx, model.Membership{UserID: u.ID, OrgID: m.OrgID, Access: model.MemberAccessOwn,
			Source: model.SourceDomain, CreatedAt: s.now().UTC()}); err != nil {
			return u, false, err
		}
	}
	return u, true, nil
}

// UserAdd registers a user (O3, O8): created if new, with memberships of the
// organisations owning their domain and of those named.
func (s *Service) UserAdd(ctx context.Context, req Request, email, name string, orgs []string) (Outcome, error) {
	email, err := validEmail(email)
	if err != nil {
		return Outcome{}, err
	}
	return s.guarded(ctx, req, func(tx *store.Tx, watch watchFn) (func(auditCounts) error, error) {
		if _, err := actor(ctx, tx, req, model.RoleAdmin); err != nil {
			return nil, err
		}
		// The user (maybe created, O3) and their memberships change.
		if err := watch(access.Scope{People: []string{email}}); err != nil {
			return nil, err
		}
		u, created, err := s.ensureUser(ctx, tx, email, name)
		if err != nil {
			return nil, err
		}
		var before any // S3: a new user had no state before
		if !created {
			if before, err = s.userView(ctx, tx, u); err != nil {
				return nil, err
			}
		}
		u.Registered = true
		if name != "" {
			u.Name = name
		}
		if err := tx.UpdateUser(ctx, &u); err != nil {
			return nil, err
		}
		for _, slug := range orgs {
			o, err := loadOrg(ctx, tx, slug)
			if err != nil {
				return nil, err
			}
			if err := s.upsertAdminMembership(ctx, tx, u.ID, o.ID, nil); err != nil {
				return nil, err
			}
		}
		after, err := s.userView(ctx, tx, u)
		if err != nil {
			return nil, err
		}
		return func(c auditCounts) error {
			return s.audit(ctx, tx, req, "user.add", email, before, withCounts(after, c))
		}, nil
	})
}

// upsertAdminMembership makes or updates a membership set by an admin.
func (s *Service) upsertAdminMembership(ctx context.Context, tx *store.Tx, userID, orgID int64, edit func(*model.Membership)) error {
	ms, err := tx.MembershipsOfUser(ctx, userID)
	if err != nil {
		return err
	}
	m := model.Membership{UserID: userID, OrgID: orgID, Access: model.MemberAccessOwn, Source: model.SourceAdmin, CreatedAt: s.now().UTC()}
	for _, x := range ms {
		if x.OrgID == orgID {
			m = x
			// O4: a membership an admin set or changed by hand is no
			// longer domain-derived; org sync leaves it alone.
			m.Source = model.SourceAdmin
		}
	}
	if edit != nil {
		edit(&m)
	}
	return tx.UpsertMembership(ctx, m)
}

// UserSet changes a user's name or default organisation (O6).
func (s *Service) UserSet(ctx context.Context, req Request, email, name, defaultOrg string) (Outcome, error) {
	email = model.NormalizeEmail(email)
	return s.guarded(ctx, req, func(tx *store.Tx, watch watchFn) (func(auditCounts) error, error) {
		if _, err := actor(ctx, tx, req, model.RoleAdmin); err != nil {
			return nil, err
		}
		u, err := loadUser(ctx, tx, email)
		if err != nil {
			return nil, err
		}
		if err := watch(access.Scope{People: []string{email}}); err != nil {
			return nil, err
		}
		before, _ := s.userView(ctx, tx, u)
		if name != "" {
			u.Name = name
		}
		if defaultOrg != "" {
			o, err := loadOrg(ctx, tx, defaultOrg)
			if err != nil {
				return nil, err
			}
			if !isMember(ctx, tx, u.ID, o.ID) {
				return nil, refused("O6: %s is not a member of %s", email, defaultOrg)
			}
			u.DefaultOrgID = o.ID
		}
		if err := tx.UpdateUser(ctx, &u); err != nil {
			return nil, err
		}
		after, _ := s.userView(ctx, tx, u)
		return func(c auditCounts) error {
			return s.audit(ctx, tx, req, "user.set", email, before, withCounts(after, c))
		}, nil
	})
}

func isMember(ctx context.Context, tx *store.Tx, userID, orgID int64) bool {
	ms, err := tx.MembershipsOfUser(ctx, userID)
	if err != nil {
		return false
	}
	for _, m := range ms {
		if m.OrgID == orgID {
			return true
		}
	}
	return false
}

func loadUser(ctx context.Context, q store.Querier, email string) (model.User, error) {
	u, err := q.UserByEmail(ctx, model.NormalizeEmail(email))
	if errors.Is(err, store.ErrNotFound) {
		return u, refused("no user %s", email)
	}
	return u, err
}

// UserShow returns a user as cli.md prints it.
func (s *Service) UserShow(ctx context.Context, email string) (UserView, error) {
	u, err := loadUser(ctx, s.st, email)
	if err != nil {
		return UserView{}, err
	}
	return s.userView(ctx, s.st, u)
}

func (s *Service) userView(ctx context.Context, q store.Querier, u model.User) (UserView, error) {
	v := UserView{Email: u.Email, Name: u.Name, Memberships: []MembershipView{}}
	if u.StaffRole != "" {
		r := string(u.StaffRole)
		v.StaffRole = &r
	}
	ms, err := q.MembershipsOfUser(ctx, u.ID)
	if err != nil {
		return v, fmt.Errorf("memberships of %s: %w", u.Email, err)
	}
	var p policy.Person
	p.DefaultOrg = u.DefaultOrgID
	orgs, err := q.ListOrgs(ctx)
	if err != nil {
		return v, err
	}
	slug := map[int64]string{}
	for _, o := range orgs {
		slug[o.ID] = o.Slug
		for _, m := range ms {
			if m.OrgID != o.ID {
				continue
			}
			pm := policy.Membership{OrgID: o.ID, Slug: o.Slug, Since: m.CreatedAt}
			for _, dm := range policy.OrgsForEmail(u.Email, []model.Organisation{o}) {
				pm.DomainSince = dm.Since
			}
			p.Memberships = append(p.Memberships, pm)
		}
	}
	for _, m := range ms {
		v.Memberships = append(v.Memberships, MembershipView{Org: slug[m.OrgID], Access: string(m.Access), FollowAll: m.FollowAll, Source: string(m.Source)})
	}
	if id := policy.DefaultOrg(p); id != 0 { // O6
		d := slug[id]
		v.DefaultOrg = &d
	}
	return v, nil
}

// MemberSet creates or changes a membership (A2, N5; A5).
func (s *Service) MemberSet(ctx context.Context, req Request, email, slug string, acc model.MemberAccess, followAll *bool) (Outcome, error) {
	if acc != "" && !acc.Valid() {
		return Outcome{}, usage("--access must be own or org (A2), not %q", acc)
	}
	return s.memberChange(ctx, req, email, slug, "member.set", func(tx *store.Tx, u model.User, o model.Organisation) error {
		var bad error
		err := s.upsertAdminMembership(ctx, tx, u.ID, o.ID, func(m *model.Membership) {
			if acc != "" {
				m.Access = acc
			}
			if followAll != nil {
				m.FollowAll = *followAll
			}
			if m.FollowAll && m.Access != model.MemberAccessOrg {
				bad = refused("N5: --follow-all needs --access org on the membership")
			}
		})
		if bad != nil {
			return bad
		}
		return err
	})
}

// MemberRemove removes a membership (A5); a default organisation it named
// is cleared (O6).
func (s *Service) MemberRemove(ctx context.Context, req Request, email, slug string) (Outcome, error) {
	return s.memberChange(ctx, req, email, slug, "member.remove", func(tx *store.Tx, u model.User, o model.Organisation) error {
		if err := tx.DeleteMembership(ctx, u.ID, o.ID); errors.Is(err, store.ErrNotFound) {
			return refused("%s is not a member of %s", u.Email, slug)
		} else if err != nil {
			return err
		}
		if u.DefaultOrgID != o.ID {
			return nil
		}
		u.DefaultOrgID = 0
		return tx.UpdateUser(ctx, &u)
	})
}

// memberChange runs one admin change of a user's membership of an
// organisation (A5): the actor must be an admin (S1, S2), user and
// organisation must exist, and the user's view before and after goes to the
// audit log with the access counts (S3).
func (s *Service) memberChange(ctx context.Context, req Request, email, slug, action string,
	change func(tx *store.Tx, u model.User, o model.Organisation) error) (Outcome, error) {
	email = model.NormalizeEmail(email)
	return s.guarded(ctx, req, func(tx *store.Tx, watch watchFn) (func(auditCounts) error, error) {
		if _, err := actor(ctx, tx, req, model.RoleAdmin); err != nil {
			return nil, err
		}
		u, err := loadUser(ctx, tx, email)
		if err != nil {
			return nil, err
		}
		o, err := loadOrg(ctx, tx, slug)
		if err != nil {
			return nil, err
		}
		// One membership of one person changes (A2, N5; follow-all
		// grants nothing, A4).
		if err := watch(access.Scope{People: []string{email}}); err != nil {
			return nil, err
		}
		before, _ := s.userView(ctx, tx, u)
		if err := change(tx, u, o); err != nil {
			return nil, err
		}
		u, err = tx.UserByID(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		after, _ := s.userView(ctx, tx, u)
		return func(c auditCounts) error {
			return s.audit(ctx, tx, req, action, email+" "+slug, before, withCounts(after, c))
		}, nil
	})
}
