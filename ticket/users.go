package ticket

import (
	"context"
	"errors"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
)

// EnsureActor makes the actor a user, with the memberships O3 gives now,
// and clears a bouncing mark: they wrote again (B3).
func (a *Act) EnsureActor(ctx context.Context, name string) error {
	if u := a.Actor.User; u != nil {
		if u.Bouncing {
			u.Bouncing = false
			if err := a.Tx.UpdateUser(ctx, u); err != nil {
				return fmt.Errorf("clear bouncing of %s: %w", u.Email, err)
			}
		}
		return nil
	}
	u, p, err := a.newUser(ctx, a.Actor.Person.Email, name)
	if err != nil {
		return err
	}
	if p.Name == "" {
		p.Name = a.Actor.Person.Name
	}
	a.Actor.User, a.Actor.Person = u, p
	return nil
}

// EnsureUser returns the user with email and their policy view, creating
// the user (O3) when there is none.
func (a *Act) EnsureUser(ctx context.Context, email, name string) (*model.User, policy.Person, error) {
	email = model.NormalizeEmail(email)
	if u, err := a.Tx.UserByEmail(ctx, email); err == nil {
		p, err := a.Facts.PersonOf(ctx, u)
		return &u, p, err
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, policy.Person{}, fmt.Errorf("look up user %s: %w", email, err)
	}
	return a.newUser(ctx, email, name)
}

// newUser creates a user that does not exist yet, with the memberships O3
// gives their domain now, and returns the policy's view of them.
func (a *Act) newUser(ctx context.Context, email, name string) (*model.User, policy.Person, error) {
	email = model.NormalizeEmail(email)
	u := &model.User{Email: email, Name: truncate(name, 200), CreatedAt: a.Now}
	if err := a.Tx.CreateUser(ctx, u); err != nil {
		return nil, policy.Person{}, fmt.Errorf("create user %s: %w", email, err)
	}
	ix, err := a.Facts.Domains(ctx)
	if err != nil {
		return nil, policy.Person{}, err
	}
	p := policy.Person{Email: email, UserID: u.ID, Name: u.Name}
	for _, m := range ix.DerivedMemberships(email) { // O3
		ms := model.Membership{UserID: u.ID, OrgID: m.OrgID, Access: model.MemberAccessOwn, Source: model.SourceDomain, CreatedAt: a.Now}
		if err := a.Tx.UpsertMembership(ctx, ms); err != nil {
			return nil, policy.Person{}, fmt.Errorf("membership of %s in %s: %w", email, m.Slug, err)
		}
		m.Since = a.Now
		p.Memberships = append(p.Memberships, m)
	}
	return u, p, nil
}
