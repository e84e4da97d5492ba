package admin

import (
	"context"
	"errors"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
)

// OrgSettings are the optional settings of org add / org set; empty means
// unchanged (or the default on add).
type OrgSettings struct {
	Name     string
	Access   model.OrgAccess
	Intake   model.Intake
	CCAdders model.CCAdders
	Language string
}

func (o OrgSettings) validate() error {
	if o.Access != "" && !o.Access.Valid() {
		return usage("--access must be own, view or comment (A1), not %q", o.Access)
	}
	if o.Intake != "" && !o.Intake.Valid() {
		return usage("--intake must be open or registered (O8), not %q", o.Intake)
	}
	if o.CCAdders != "" && !o.CCAdders.Valid() {
		return usage("--cc-adders must be requester or participants (C2), not %q", o.CCAdders)
	}
	return nil
}

// orgState is the audited view of an organisation.
type orgState struct {
	Slug     string   `json:"slug"`
	Name     string   `json:"name"`
	Access   string   `json:"access"`
	Intake   string   `json:"intake"`
	CCAdders string   `json:"cc_adders"`
	Domains  []string `json:"domains"`
}

func stateOf(o model.Organisation) orgState {
	st := orgState{Slug: o.Slug, Name: o.Name, Access: string(o.Access), Intake: string(o.Intake), CCAdders: string(o.CCAdders), Domains: []string{}}
	for _, d := range o.Domains {
		st.Domains = append(st.Domains, d.Name)
	}
	return st
}

// OrgAdd creates an organisation (O1, O2, A5).
func (s *Service) OrgAdd(ctx context.Context, req Request, slug string, set OrgSettings, domains []string, force bool) (Outcome, error) {
	if err := policy.ValidateSlug(slug); err != nil {
		return Outcome{}, usage("%v", err)
	}
	if err := set.validate(); err != nil {
		return Outcome{}, err
	}
	if len(domains) == 0 {
		return Outcome{}, usage("O1: an organisation needs at least one --domain")
	}
	o := model.Organisation{Slug: slug, Name: set.Name, Access: or(set.Access, model.OrgAccessOwn),
		Intake: or(set.Intake, model.IntakeOpen), CCAdders: or(set.CCAdders, model.CCAddersRequester),
		Language: or(set.Language, "en"), CreatedAt: s.now().UTC()}
	if o.Name == "" {
		o.Name = slug
	}
	seen := map[string]bool{}
	for _, d := range domains {
		name, err := domainError(policy.NormalizeDomain(d, force))
		if err != nil {
			return Outcome{}, err
		}
		if seen[name] { // the same domain named twice (O2: case-insensitive)
			continue
		}
		seen[name] = true
		o.Domains = append(o.Domains, model.Domain{Name: name, Forced: force, AddedAt: o.CreatedAt})
	}
	return s.guarded(ctx, req, func(tx *store.Tx, watch watchFn) (func(auditCounts) error, error) {
		if _, err := actor(ctx, tx, req, model.RoleAdmin); err != nil { // A5
			return nil, err
		}
		// A new organisation has no tickets, and O4 gives it no members:
		// it changes nobody's rights.
		if err := watch(access.Scope{}); err != nil {
			return nil, err
		}
		if err := tx.CreateOrg(ctx, &o); errors.Is(err, store.ErrDuplicate) {
			return nil, refused("an organisation with slug %q exists", slug)
		} else if err != nil {
			return nil, err
		}
		return func(c auditCounts) error {
			return s.audit(ctx, tx, req, "org.add", slug, nil, withCounts(stateOf(o), c))
		}, nil
	})
}

// domainError classifies an O2 refusal: a domain that needs --force is
// refused (exit 1), one that is not a domain name is a usage error (exit 2).
func domainError(name string, err error) (string, error) {
	switch {
	case err == nil:
		return name, nil
	case errors.Is(err, policy.ErrNeedsForce):
		return "", fmt.Errorf("%w: %w", ErrRefused, err)
	default:
		return "", usage("%v", err)
	}
}

func or[T ~string](v, def T) T {
	if v == "" {
		return def
	}
	return v
}

func withCounts(st any, c auditCounts) map[string]any {
	return map[string]any{"state": st, "access_change": c}
}

// loadOrg reads an organisation by slug, as a refusal when it does not exist.
func loadOrg(ctx context.Context, tx *store.Tx, slug string) (model.Organisation, error) {
	o, err := tx.OrgBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return o, refused("no organisation %q", slug)
	}
	return o, err
}

// OrgSet changes an organisation's settings (A1, O8, C2; A5).
func (s *Service) OrgSet(ctx context.Context, req Request, slug string, set OrgSettings) (Outcome, error) {
	if err := set.validate(); err != nil {
		return Outcome{}, err
	}
	return s.orgChange(ctx, req, slug, "org.set", func(tx *store.Tx, o model.Organisation) error {
		o.Name, o.Access, o.Intake, o.CCAdders, o.Language = or(set.Name, o.Name), or(set.Access, o.Access),
			or(set.Intake, o.Intake), or(set.CCAdders, o.CCAdders), or(set.Language, o.Language)
		return tx.UpdateOrg(ctx, &o)
	})
}

// orgChange runs one admin change of an organisation (A5): the actor must
// be an admin (S1, S2), the organisation must exist, and its state before
// and after goes to the audit log with the access counts (S3).
func (s *Service) orgChange(ctx context.Context, req Request, slug, action string, change func(tx *store.Tx, o model.Organisation) error) (Outcome, error) {
	return s.guarded(ctx, req, func(tx *store.Tx, watch watchFn) (func(auditCounts) error, error) {
		if _, err := actor(ctx, tx, req, model.RoleAdmin); err != nil {
			return nil, err
		}
		o, err := loadOrg(ctx, tx, slug)
		if err != nil {
			return nil, err
		}
		// Its setting and domains decide its members' rights on its
		// tickets only (R4, R5).
		if err := watch(access.Scope{Orgs: []int64{o.ID}}); err != nil {
			return nil, err
		}
		if err := change(tx, o); err != nil {
			return nil, err
		}
		after, err := tx.OrgByID(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		return func(c auditCounts) error {
			return s.audit(ctx, tx, req, action, slug, stateOf(o), withCounts(stateOf(after), c))
		}, nil
	})
}

// DomainAdd adds a domain to an organisation (O2, O4: existing users'
// memberships are unchanged until org sync; O5 partners).
func (s *Service) DomainAdd(ctx context.Context, req Request, slug, domain string, force bool) (Outcome, error) {
	name, err := domainError(policy.NormalizeDomain(domain, force))
	if err != nil {
		return Outcome{}, err
	}
	return s.orgChange(ctx, req, slug, "org.domain.add", func(tx *store.Tx, o model.Organisation) error {
		err := tx.AddOrgDomain(ctx, o.ID, model.Domain{Name: name, Forced: force, AddedAt: s.now().UTC()})
		if errors.Is(err, store.ErrDuplicate) {
			return refused("%s already has domain %s", slug, name)
		}
		return err
	})
}

// DomainRemove removes a domain (O4: memberships stay until org sync).
func (s *Service) DomainRemove(ctx context.Context, req Request, slug, domain string) (Outcome, error) {
	name, err := policy.NormalizeDomain(domain, true)
	if err != nil {
		return Outcome{}, usage("%v", err)
	}
	return s.orgChange(ctx, req, slug, "org.domain.remove", func(tx *store.Tx, o model.Organisation) error {
		if len(o.Domains) == 1 && o.Domains[0].Name == name {
			return refused("O1: %s would have no domain left", slug)
		}
		err := tx.RemoveOrgDomain(ctx, o.ID, name)
		if errors.Is(err, store.ErrNotFound) {
			return refused("%s has no domain %s", slug, name)
		}
		return err
	})
}

// OrgSync applies an organisation's current domains to existing users
// (O4): users whose domain matches become members; domain-derived
// memberships whose domain no longer matches are removed; memberships an
// admin set stay.
func (s *Service) OrgSync(ctx context.Context, req Request, slug string) (Outcome, error) {
	return s.guarded(ctx, req, func(tx *store.Tx, watch watchFn) (func(auditCounts) error, error) {
		if _, err := actor(ctx, tx, req, model.RoleAdmin); err != nil {
			return nil, err
		}
		o, err := loadOrg(ctx, tx, slug)
		if err != nil {
			return nil, err
		}
		// Sync adds and removes memberships of o only (O4).
		if err := watch(access.Scope{Orgs: []int64{o.ID}}); err != nil {
			return nil, err
		}
		added, removed, err := s.syncMembers(ctx, tx, o)
		if err != nil {
			return nil, err
		}
		return func(c auditCounts) error {
			return s.audit(ctx, tx, req, "org.sync", slug, nil, map[string]any{"added": added, "removed": removed, "access_change": c})
		}, nil
	})
}

func (s *Service) syncMembers(ctx context.Context, tx *store.Tx, o model.Organisation) (added, removed []string, err error) {
	users, err := tx.ListUsers(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("list users: %w", err)
	}
	members, err := tx.MembershipsOfOrg(ctx, o.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("members of %s: %w", o.Slug, err)
	}
	byUser := map[int64]model.Membership{}
	for _, m := range members {
		byUser[m.UserID] = m
	}
	added, removed = []string{}, []string{}
	for _, u := range users {
		matches := len(policy.OrgsForEmail(u.Email, []model.Organisation{o})) > 0
		m, isMember := byUser[u.ID]
		switch {
		case matches && !isMember:
			nm := model.Membership{UserID: u.ID, OrgID: o.ID, Access: model.MemberAccessOwn, Source: model.SourceDomain, CreatedAt: s.now().UTC()}
			if err := tx.UpsertMembership(ctx, nm); err != nil {
				return nil, nil, err
			}
			added = append(added, u.Email)
		case !matches && isMember && m.Source == model.SourceDomain:
			if err := tx.DeleteMembership(ctx, u.ID, o.ID); err != nil {
				return nil, nil, err
			}
			removed = append(removed, u.Email)
		}
	}
	return added, removed, nil
}

// OrgList lists organisations, oldest first.
func (s *Service) OrgList(ctx context.Context) ([]model.Organisation, error) {
	return s.st.ListOrgs(ctx)
}
