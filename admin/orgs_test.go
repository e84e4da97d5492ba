package admin_test

import (
	"errors"
	"testing"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
)

func TestO1_SlugsAreCheckedAndUnique(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		for _, slug := range []string{"", "Acme", "ac me", "acme_co", "-acme", "acmé"} {
			_, err := f.svc.OrgAdd(f.ctx, as(owner), slug, admin.OrgSettings{}, []string{"acme.com"}, false)
			wantUsage(t, err, "O1", "lower-case")
		}
		for _, slug := range []string{"note", "follow", "bounce", "t", "follow-12", "t-x"} {
			_, err := f.svc.OrgAdd(f.ctx, as(owner), slug, admin.OrgSettings{}, []string{"acme.com"}, false)
			wantUsage(t, err, "O1", "reserved")
		}
		_, err := f.svc.OrgAdd(f.ctx, as(owner), "acme", admin.OrgSettings{}, nil, false)
		wantUsage(t, err, "domain")

		f.done(f.svc.OrgAdd(f.ctx, as(owner), "acme-2", admin.OrgSettings{Name: "Acme Two"}, []string{"ACME.com"}, false))
		_, err = f.svc.OrgAdd(f.ctx, as(owner), "acme-2", admin.OrgSettings{}, []string{"other.com"}, false)
		wantRefused(t, err, "acme-2", "exists")

		orgs, err := f.svc.OrgList(f.ctx)
		f.ok(err)
		if len(orgs) != 1 {
			t.Fatalf("org list has %d organisations, want 1", len(orgs))
		}
		o := orgs[0]
		wantEqual(t, "name", o.Name, "Acme Two")
		wantEqual(t, "domains", len(o.Domains), 1)
		wantEqual(t, "domain", o.Domains[0].Name, "acme.com")
		// A1, O8, C2 defaults.
		wantEqual(t, "access", o.Access, model.OrgAccessOwn)
		wantEqual(t, "intake", o.Intake, model.IntakeOpen)
		wantEqual(t, "cc_adders", o.CCAdders, model.CCAddersRequester)
	})
}

func TestO2_FreeMailAndPublicSuffixDomainsNeedForce(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		for _, d := range []string{"gmail.com", "Outlook.com", "com", "co.uk", "*.co.uk"} {
			_, err := f.svc.OrgAdd(f.ctx, as(owner), "acme", admin.OrgSettings{}, []string{d}, false)
			wantRefused(t, err, "O2", "--force")
			if !errors.Is(err, policy.ErrNeedsForce) {
				t.Errorf("%s: error %q does not wrap policy.ErrNeedsForce", d, err)
			}
		}
		f.org("acme", model.OrgAccessOwn, "acme.com")
		_, err := f.svc.DomainAdd(f.ctx, as(owner), "acme", "gmail.com", false)
		wantRefused(t, err, "O2", "free-mail", "--force")
		_, err = f.svc.DomainAdd(f.ctx, as(owner), "acme", "acme.com", false)
		wantRefused(t, err, "acme.com")

		// Forced, they are accepted.
		f.done(f.svc.DomainAdd(f.ctx, as(owner), "acme", "gmail.com", true))
		f.done(f.svc.OrgAdd(f.ctx, as(owner), "uk", admin.OrgSettings{}, []string{"co.uk"}, true))
		f.user("gus@gmail.com")
		wantEqual(t, "memberships of a gmail user", f.memberships("gus@gmail.com"), []string{"acme/own/domain"})
	})
}

func TestO2_MalformedOrRepeatedDomains(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		for _, d := range []string{"", "ann@acme.com", "acme..com", "*.*.acme.com", "ac me.com"} {
			_, err := f.svc.OrgAdd(f.ctx, as(owner), "acme", admin.OrgSettings{}, []string{d}, false)
			wantUsage(t, err, "O2", "not a domain name")
		}
		// The same domain twice (in any case) is one domain.
		f.done(f.svc.OrgAdd(f.ctx, as(owner), "acme", admin.OrgSettings{}, []string{"acme.com", "ACME.com."}, false))
		orgs, err := f.svc.OrgList(f.ctx)
		f.ok(err)
		wantEqual(t, "domains of acme", len(orgs[0].Domains), 1)
		_, err = f.svc.DomainAdd(f.ctx, as(owner), "acme", "acme@com", false)
		wantUsage(t, err, "O2")
	})
}

func TestO2_DomainsMatchExactlyOrByWildcard(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("acme", model.OrgAccessOwn, "acme.com")
		f.org("globex", model.OrgAccessOwn, "*.globex.com")
		f.user("Ann@ACME.com")
		f.user("max@mail.acme.com")
		f.user("gil@eu.globex.com")
		f.user("gus@globex.com")
		wantEqual(t, "ann's address", f.show("ann@acme.com").Email, "ann@acme.com")
		wantEqual(t, "ann", f.memberships("ann@acme.com"), []string{"acme/own/domain"})
		wantEqual(t, "max (subdomain, no wildcard)", f.memberships("max@mail.acme.com"), []string{})
		wantEqual(t, "gil (wildcard)", f.memberships("gil@eu.globex.com"), []string{"globex/own/domain"})
		wantEqual(t, "gus (wildcard does not match the bare domain)", f.memberships("gus@globex.com"), []string{})
	})
}

func TestO3_UserAddGivesDomainMemberships(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("acme", model.OrgAccessOwn, "acme.com")
		f.org("acme-eu", model.OrgAccessOwn, "acme.com", "acme.eu")
		f.org("beta", model.OrgAccessOwn, "beta.com")
		f.user("ann@acme.com")
		wantEqual(t, "ann", f.memberships("ann@acme.com"), []string{"acme-eu/own/domain", "acme/own/domain"})
		f.user("bob@acme.eu", "beta")
		wantEqual(t, "bob", f.memberships("bob@acme.eu"), []string{"acme-eu/own/domain", "beta/own/admin"})
		f.user("cid@nowhere.example") // O7: no organisation
		v := f.show("cid@nowhere.example")
		wantEqual(t, "cid's memberships", len(v.Memberships), 0)
		if v.DefaultOrg != nil {
			t.Errorf("cid has default org %s, want none (O7)", *v.DefaultOrg)
		}
		// An existing user is registered again without error.
		f.done(f.svc.UserAdd(f.ctx, as(owner), "ann@acme.com", "Ann", nil))
		wantEqual(t, "ann's name", f.show("ann@acme.com").Name, "Ann")
		// An unknown organisation is refused and creates nothing.
		_, err := f.svc.UserAdd(f.ctx, as(owner), "dan@acme.com", "", []string{"nope"})
		wantRefused(t, err, "nope")
		if _, err := f.svc.UserShow(f.ctx, "dan@acme.com"); err == nil {
			t.Error("a refused user add created the user")
		}
		_, err = f.svc.UserAdd(f.ctx, as(owner), "not-an-address", "", nil)
		wantUsage(t, err, "not an email address")
	})
}

func TestO3_UserAddAuditBeforeOfANewUserIsEmpty(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("acme", model.OrgAccessOwn, "acme.com")
		f.user("ann@acme.com")
		e := f.lastAudit()
		if before := decode(t, e.Before); len(before) != 0 {
			t.Errorf("user.add of a new user records a before state %v; the user did not exist", before)
		}
		ms := afterJSON(t, e)["state"].(map[string]any)["memberships"].([]any)
		wantEqual(t, "memberships after", len(ms), 1)
		// Registering an existing user records what it was.
		f.done(f.svc.UserAdd(f.ctx, as(owner), "ann@acme.com", "Ann", nil))
		wantEqual(t, "before of an existing user", decode(t, f.lastAudit().Before)["email"], any("ann@acme.com"))
	})
}

func TestO4_DomainAddChangesNoExistingUserUntilSync(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("acme", model.OrgAccessOwn, "acme.com")
		f.user("bob@acme.co.uk")
		f.done(f.svc.DomainAdd(f.ctx, as(owner), "acme", "acme.co.uk", false))
		wantEqual(t, "bob after domain add", f.memberships("bob@acme.co.uk"), []string{})
		// Users created from now on get it (O3).
		f.user("cid@acme.co.uk")
		wantEqual(t, "cid", f.memberships("cid@acme.co.uk"), []string{"acme/own/domain"})

		f.done(f.svc.OrgSync(f.ctx, as(owner), "acme"))
		wantEqual(t, "bob after org sync", f.memberships("bob@acme.co.uk"), []string{"acme/own/domain"})
		after := afterJSON(t, f.lastAudit())
		wantEqual(t, "org.sync added", after["added"], any([]any{"bob@acme.co.uk"}))
		wantEqual(t, "org.sync removed", after["removed"], any([]any{}))
	})
}

func TestO4_SyncRemovesDomainMembershipsKeepsAdminOnes(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("acme", model.OrgAccessOwn, "acme.com", "old-acme.com")
		f.user("ann@acme.com")
		f.user("xav@old-acme.com")
		f.user("yan@old-acme.com")
		f.user("zoe@elsewhere.example", "acme")
		f.done(f.svc.MemberSet(f.ctx, as(owner), "yan@old-acme.com", "acme", model.MemberAccessOrg, nil))

		f.done(f.svc.DomainRemove(f.ctx, as(owner), "acme", "old-acme.com"))
		wantEqual(t, "xav before sync (O4)", f.memberships("xav@old-acme.com"), []string{"acme/own/domain"})

		f.done(f.svc.OrgSync(f.ctx, as(owner), "acme"))
		wantEqual(t, "ann (domain still matches)", f.memberships("ann@acme.com"), []string{"acme/own/domain"})
		wantEqual(t, "xav (domain-derived, no longer matches)", f.memberships("xav@old-acme.com"), []string{})
		wantEqual(t, "yan (membership an admin set)", f.memberships("yan@old-acme.com"), []string{"acme/org/admin"})
		wantEqual(t, "zoe (added by hand)", f.memberships("zoe@elsewhere.example"), []string{"acme/own/admin"})
		after := afterJSON(t, f.lastAudit())
		wantEqual(t, "org.sync removed", after["removed"], any([]any{"xav@old-acme.com"}))

		// The last domain cannot go (O1).
		_, err := f.svc.DomainRemove(f.ctx, as(owner), "acme", "acme.com")
		wantRefused(t, err, "O1")
		_, err = f.svc.DomainRemove(f.ctx, as(owner), "acme", "nope.com")
		wantRefused(t, err, "nope.com")
	})
}

func TestO5_PartnerUsersCreatedAfterBelongToBoth(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("partner", model.OrgAccessOwn, "partner.net")
		f.org("client", model.OrgAccessOwn, "client.com")
		f.user("old@partner.net")
		f.done(f.svc.DomainAdd(f.ctx, as(owner), "client", "partner.net", false))
		f.user("pat@partner.net")
		wantEqual(t, "pat", f.memberships("pat@partner.net"), []string{"client/own/domain", "partner/own/domain"})
		wantEqual(t, "old (created before, O4)", f.memberships("old@partner.net"), []string{"partner/own/domain"})
		// O6: a partner user's default organisation is the partner's own.
		if d := f.show("pat@partner.net").DefaultOrg; d == nil || *d != "partner" {
			t.Errorf("pat's default org = %v, want partner", d)
		}
	})
}

func TestO6_DefaultOrg(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("partner", model.OrgAccessOwn, "partner.net")
		f.org("client", model.OrgAccessOwn, "client.com")
		f.org("other", model.OrgAccessOwn, "other.com")
		f.done(f.svc.DomainAdd(f.ctx, as(owner), "client", "partner.net", false))
		f.user("pat@partner.net")
		defaultOrg := func() string {
			if d := f.show("pat@partner.net").DefaultOrg; d != nil {
				return *d
			}
			return ""
		}
		wantEqual(t, "default org (held the domain longest)", defaultOrg(), "partner")

		_, err := f.svc.UserSet(f.ctx, as(owner), "pat@partner.net", "", "other")
		wantRefused(t, err, "O6", "pat@partner.net", "not a member of other")
		_, err = f.svc.UserSet(f.ctx, as(owner), "pat@partner.net", "", "nope")
		wantRefused(t, err, "nope")
		wantEqual(t, "default org after refusals", defaultOrg(), "partner")

		f.done(f.svc.UserSet(f.ctx, as(owner), "pat@partner.net", "Pat", "client"))
		wantEqual(t, "default org set by an admin", defaultOrg(), "client")
		wantEqual(t, "name", f.show("pat@partner.net").Name, "Pat")

		// Leaving that organisation falls back to the rule.
		f.done(f.svc.MemberRemove(f.ctx, as(owner), "pat@partner.net", "client"))
		wantEqual(t, "default org after leaving client", defaultOrg(), "partner")
		_, err = f.svc.UserSet(f.ctx, as(owner), "nobody@partner.net", "", "partner")
		wantRefused(t, err, "nobody@partner.net")
	})
}

func TestA2_N5_FollowAllNeedsOrgAccess(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("acme", model.OrgAccessOwn, "acme.com")
		f.user("ann@acme.com")
		yes, no := true, false
		_, err := f.svc.MemberSet(f.ctx, as(owner), "ann@acme.com", "acme", "", &yes)
		wantRefused(t, err, "N5", "--access org")
		_, err = f.svc.MemberSet(f.ctx, as(owner), "ann@acme.com", "acme", model.MemberAccessOwn, &yes)
		wantRefused(t, err, "--access org")
		wantEqual(t, "ann's membership after refusals", f.show("ann@acme.com").Memberships[0],
			admin.MembershipView{Org: "acme", Access: "own", FollowAll: false, Source: "domain"})

		f.done(f.svc.MemberSet(f.ctx, as(owner), "ann@acme.com", "acme", model.MemberAccessOrg, &yes))
		m := f.show("ann@acme.com").Memberships[0]
		wantEqual(t, "access", m.Access, "org")
		wantEqual(t, "follow_all", m.FollowAll, true)

		// Back to own needs follow-all off too.
		_, err = f.svc.MemberSet(f.ctx, as(owner), "ann@acme.com", "acme", model.MemberAccessOwn, nil)
		wantRefused(t, err, "--access org")
		f.done(f.svc.MemberSet(f.ctx, as(owner), "ann@acme.com", "acme", model.MemberAccessOwn, &no))
		m = f.show("ann@acme.com").Memberships[0]
		wantEqual(t, "access", m.Access, "own")
		wantEqual(t, "follow_all", m.FollowAll, false)

		_, err = f.svc.MemberSet(f.ctx, as(owner), "ann@acme.com", "acme", model.MemberAccess("all"), nil)
		wantUsage(t, err, "own or org")
	})
}

func TestA2_MemberSetByHandSurvivesSync(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("acme", model.OrgAccessOwn, "acme.com", "old-acme.com")
		f.user("ann@old-acme.com")
		// An admin gives ann's domain membership the org setting: from now
		// on it is a membership an admin set (O4).
		f.done(f.svc.MemberSet(f.ctx, as(owner), "ann@old-acme.com", "acme", model.MemberAccessOrg, nil))
		f.done(f.svc.DomainRemove(f.ctx, as(owner), "acme", "old-acme.com"))
		f.done(f.svc.OrgSync(f.ctx, as(owner), "acme"))
		wantEqual(t, "ann after sync", f.memberships("ann@old-acme.com"), []string{"acme/org/admin"})
	})
}
