package store_test

import (
	"testing"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

func TestOrganisations(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		acme := model.Organisation{Slug: "Acme", Name: "Acme Inc",
			Domains: []model.Domain{{Name: "ACME.com"}, {Name: "*.acme.com", Forced: true}}}
		must(t, s.CreateOrg(ctx, &acme))
		if acme.ID == 0 || acme.Slug != "acme" || acme.Access != model.OrgAccessOwn ||
			acme.Intake != model.IntakeOpen || acme.CCAdders != model.CCAddersRequester || acme.Language != "en" {
			t.Fatalf("created %+v: want id, lower-case slug and defaults", acme)
		}
		got, err := s.OrgBySlug(ctx, "ACME")
		must(t, err)
		if got.Name != "Acme Inc" || len(got.Domains) != 2 || got.Domains[0].Name != "acme.com" ||
			!got.Domains[1].Forced || got.Domains[1].Name != "*.acme.com" {
			t.Fatalf("read back %+v", got)
		}
		sameTime(t, "created_at", got.CreatedAt, acme.CreatedAt)
		sameTime(t, "added_at", got.Domains[0].AddedAt, acme.Domains[0].AddedAt)

		dup := model.Organisation{Slug: "acme", Name: "Other"}
		wantErr(t, s.CreateOrg(ctx, &dup), store.ErrDuplicate)

		got.Access, got.Intake, got.CCAdders, got.Name = model.OrgAccessComment, model.IntakeRegistered,
			model.CCAddersParticipants, "ACME"
		must(t, s.UpdateOrg(ctx, &got))
		again, err := s.OrgByID(ctx, acme.ID)
		must(t, err)
		if again.Access != model.OrgAccessComment || again.Intake != model.IntakeRegistered ||
			again.CCAdders != model.CCAddersParticipants || again.Name != "ACME" {
			t.Errorf("update not stored: %+v", again)
		}

		wantErr(t, s.AddOrgDomain(ctx, acme.ID, model.Domain{Name: "acme.COM"}), store.ErrDuplicate)
		must(t, s.AddOrgDomain(ctx, acme.ID, model.Domain{Name: "acme.org"}))
		must(t, s.RemoveOrgDomain(ctx, acme.ID, "ACME.com"))
		wantErr(t, s.RemoveOrgDomain(ctx, acme.ID, "acme.com"), store.ErrNotFound)

		partner := model.Organisation{Slug: "partner", Name: "Partner", Domains: []model.Domain{{Name: "acme.org"}}}
		must(t, s.CreateOrg(ctx, &partner))
		orgs, err := s.ListOrgs(ctx)
		must(t, err)
		if len(orgs) != 2 || orgs[0].ID != acme.ID || orgs[1].ID != partner.ID {
			t.Fatalf("ListOrgs = %+v", orgs)
		}
		if d := orgs[0].Domains; len(d) != 2 || d[0].Name != "*.acme.com" || d[1].Name != "acme.org" {
			t.Errorf("acme's domains = %+v, want by time added", d)
		}
		if d := orgs[1].Domains; len(d) != 1 || d[0].Name != "acme.org" {
			t.Errorf("partner's domains = %+v", d)
		}

		_, err = s.OrgBySlug(ctx, "nobody")
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, s.UpdateOrg(ctx, &model.Organisation{ID: 999}), store.ErrNotFound)
	})
}

// A failing domain rolls back the organisation created with it.
func TestCreateOrgIsAtomic(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		o := model.Organisation{Slug: "twice", Domains: []model.Domain{{Name: "a.com"}, {Name: "A.com"}}}
		wantErr(t, s.CreateOrg(ctx, &o), store.ErrDuplicate)
		_, err := s.OrgBySlug(ctx, "twice")
		wantErr(t, err, store.ErrNotFound)
	})
}

func TestMemberships(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		acme := model.Organisation{Slug: "acme"}
		must(t, s.CreateOrg(ctx, &acme))
		partner := model.Organisation{Slug: "partner"}
		must(t, s.CreateOrg(ctx, &partner))
		ann, bob := mustUser(t, s, "ann@acme.com"), mustUser(t, s, "bob@partner.net")

		must(t, s.UpsertMembership(ctx, model.Membership{UserID: ann.ID, OrgID: acme.ID, Source: model.SourceDomain}))
		must(t, s.UpsertMembership(ctx, model.Membership{UserID: bob.ID, OrgID: partner.ID, Source: model.SourceDomain}))
		must(t, s.UpsertMembership(ctx, model.Membership{UserID: bob.ID, OrgID: acme.ID, Source: model.SourceDomain}))
		first, err := s.MembershipsOfUser(ctx, bob.ID)
		must(t, err)
		if len(first) != 2 || first[0].OrgID != acme.ID || first[0].Access != model.MemberAccessOwn {
			t.Fatalf("memberships of bob = %+v", first)
		}

		must(t, s.UpsertMembership(ctx, model.Membership{UserID: bob.ID, OrgID: acme.ID,
			Access: model.MemberAccessOrg, FollowAll: true, Source: model.SourceAdmin}))
		ms, err := s.MembershipsOfOrg(ctx, acme.ID)
		must(t, err)
		if len(ms) != 2 || ms[1].UserID != bob.ID || ms[1].Access != model.MemberAccessOrg || !ms[1].FollowAll ||
			ms[1].Source != model.SourceAdmin {
			t.Fatalf("memberships of acme = %+v", ms)
		}
		sameTime(t, "created_at kept by update", ms[1].CreatedAt, first[0].CreatedAt)

		must(t, s.DeleteMembership(ctx, ann.ID, acme.ID))
		wantErr(t, s.DeleteMembership(ctx, ann.ID, acme.ID), store.ErrNotFound)
		all, err := s.ListMemberships(ctx)
		must(t, err)
		if len(all) != 2 {
			t.Errorf("ListMemberships = %+v", all)
		}
	})
}
