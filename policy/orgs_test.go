package policy

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
)

func TestO1_Slugs(t *testing.T) {
	for _, ok := range []string{"acme", "acme-2", "a1"} {
		if err := ValidateSlug(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Acme", "acme_co", "note", "follow", "bounce", "t", "-acme", "t-42", "a b"} {
		if ValidateSlug(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestO2_DomainMatching(t *testing.T) {
	tests := []struct {
		pattern, domain string
		want            bool
	}{
		{"acme.com", "acme.com", true},
		{"acme.com", "ACME.com", true},
		{"acme.com", "mail.acme.com", false},
		{"*.acme.com", "mail.acme.com", true},
		{"*.acme.com", "a.b.acme.com", true},
		{"*.acme.com", "acme.com", false},
		{"*.acme.com", "evilacme.com", false},
		{"acme.com", "acme.com.evil.example", false},
	}
	for _, tc := range tests {
		if got := DomainMatches(tc.pattern, tc.domain); got != tc.want {
			t.Errorf("DomainMatches(%q, %q) = %v", tc.pattern, tc.domain, got)
		}
	}
}

func TestO2_PublicSuffixAndFreeMailRefusedUnlessForced(t *testing.T) {
	for _, d := range []string{"com", "co.uk", "*.com", "*.co.uk", "gmail.com", "outlook.com"} {
		if _, err := NormalizeDomain(d, false); !errors.Is(err, ErrNeedsForce) {
			t.Errorf("%q: err = %v, want ErrNeedsForce", d, err)
		}
		if _, err := NormalizeDomain(d, true); err != nil {
			t.Errorf("%q forced: %v", d, err)
		}
	}
	if d, err := NormalizeDomain(" Acme.COM. ", false); err != nil || d != "acme.com" {
		t.Errorf("got %q, %v", d, err)
	}
	if d, err := NormalizeDomain("*.acme.co.uk", false); err != nil || d != "*.acme.co.uk" {
		t.Errorf("got %q, %v", d, err)
	}
	for _, bad := range []string{"", "not a domain", "a@b.com", "*.", "x..com"} {
		if _, err := NormalizeDomain(bad, true); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestO2_DomainsAreDomainNames: an organisation's domain is a domain name
// as IDNA defines it. CR, LF and TAB once got in and broke org list; they,
// and every other character a domain cannot hold, are refused; Unicode
// names are kept as their A-labels and match in either form.
func TestO2_DomainsAreDomainNames(t *testing.T) {
	for _, bad := range []string{
		"x.example\r\nevil", "x.example\nevil.example", "acme\t.com", "ac me.com", "acme.com\x00",
		"a_b.example", "-acme.com", "acme-.com", "ab--cd.example", "acme..com", ".acme.com",
		"*.*.acme.com", "acme.*.com", "a@acme.com", "acme.com/x", "[10.0.0.1]", "10.0.0.1", "acme.123",
		strings.Repeat("a", 64) + ".com", strings.Repeat("abcdefghi.", 26) + "com",
		"xn--zz.example", "\u202eacme.com", "acme\u200d.com",
	} {
		for _, force := range []bool{false, true} {
			d, err := NormalizeDomain(bad, force)
			if err == nil || errors.Is(err, ErrNeedsForce) {
				t.Errorf("%q (force %v) accepted as %q (%v)", bad, force, d, err)
				continue
			}
			if !strings.HasPrefix(err.Error(), "O2: ") || strings.ContainsAny(err.Error(), "\r\n\t") {
				t.Errorf("%q: error %q should name O2 in one line", bad, err)
			}
		}
	}
	for in, want := range map[string]string{
		"Acme.COM":                       "acme.com",
		" acme.com.\n":                   "acme.com",
		"*.Acme.co.uk":                   "*.acme.co.uk",
		"Bücher.example":                 "xn--bcher-kva.example",
		"*.bücher.example":               "*.xn--bcher-kva.example",
		"xn--bcher-kva.example":          "xn--bcher-kva.example",
		"ＡＣＭＥ.com":                       "acme.com", // fullwidth letters are mapped (UTS 46)
		"mail-1.acme.example":            "mail-1.acme.example",
		"r3.acme.example":                "r3.acme.example",
		strings.Repeat("a", 63) + ".com": strings.Repeat("a", 63) + ".com",
	} {
		if got, err := NormalizeDomain(in, false); err != nil || got != want {
			t.Errorf("NormalizeDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if d, err := ValidDomain("例え.jp"); err != nil || d != "xn--r8jz45g.jp" {
		t.Errorf("ValidDomain(例え.jp) = %q, %v", d, err)
	}
	for _, tc := range []struct {
		pattern, domain string
		want            bool
	}{
		{"xn--bcher-kva.example", "bücher.example", true},
		{"xn--bcher-kva.example", "BÜCHER.example", true},
		{"*.xn--bcher-kva.example", "mail.bücher.example", true},
		{"bücher.example", "xn--bcher-kva.example", true}, // a domain kept before validation
		{"xn--bcher-kva.example", "bucher.example", false},
	} {
		if got := DomainMatches(tc.pattern, tc.domain); got != tc.want {
			t.Errorf("DomainMatches(%q, %q) = %v", tc.pattern, tc.domain, got)
		}
	}
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func world() []model.Organisation {
	return []model.Organisation{
		{ID: acmeID, Slug: "acme", Access: model.OrgAccessOwn, Intake: model.IntakeOpen,
			Domains: []model.Domain{{Name: "acme.com", AddedAt: t0}, {Name: "partner.example", AddedAt: t0.Add(48 * time.Hour)}}},
		{ID: partnerID, Slug: "partnerco", Access: model.OrgAccessComment, Intake: model.IntakeOpen,
			Domains: []model.Domain{{Name: "partner.example", AddedAt: t0.Add(24 * time.Hour)}}},
		{ID: otherID, Slug: "other", Access: model.OrgAccessOwn, Intake: model.IntakeRegistered,
			Domains: []model.Domain{{Name: "*.other.example", AddedAt: t0}}},
	}
}

func TestO3_O5_DerivedMembershipsIncludePartnerClients(t *testing.T) {
	ms := DerivedMemberships("Pat@Partner.example", world())
	if len(ms) != 2 {
		t.Fatalf("partner user memberships: %+v", ms)
	}
	slugs := map[string]bool{ms[0].Slug: true, ms[1].Slug: true}
	if !slugs["acme"] || !slugs["partnerco"] {
		t.Fatalf("got %v", slugs)
	}
	if ms := DerivedMemberships("x@gmail.com", world()); len(ms) != 0 {
		t.Fatalf("O7 no organisation: %+v", ms)
	}
	if ms := DerivedMemberships("x@eu.other.example", world()); len(ms) != 1 || ms[0].Slug != "other" {
		t.Fatalf("wildcard: %+v", ms)
	}
}

func TestO6_DefaultOrganisation(t *testing.T) {
	p := Person{Email: "pat@partner.example", Memberships: DerivedMemberships("pat@partner.example", world())}
	// partnerco has held partner.example since day 1, acme since day 2: the partner's own.
	if got := DefaultOrg(p); got != partnerID {
		t.Fatalf("default = %d, want partnerco", got)
	}
	p.DefaultOrg = acmeID // set by an admin
	if got := DefaultOrg(p); got != acmeID {
		t.Fatalf("admin default = %d, want acme", got)
	}
	p.DefaultOrg = otherID // not a membership: ignored
	if got := DefaultOrg(p); got != partnerID {
		t.Fatalf("stale admin default = %d", got)
	}
	if DefaultOrg(Person{Email: "x@gmail.com"}) != 0 {
		t.Fatal("O7: no organisation expected")
	}
}

func TestI3_OrganisationOfNewTicket(t *testing.T) {
	p := Person{Email: "pat@partner.example", Memberships: DerivedMemberships("pat@partner.example", world())}
	if c := ChooseOrganisation(p, "acme"); c.OrgID != acmeID || !c.Ambiguous {
		t.Fatalf("named org: %+v", c)
	}
	if c := ChooseOrganisation(p, "other"); c.OrgID != partnerID {
		t.Fatalf("named org the sender is not in: %+v", c)
	}
	if c := ChooseOrganisation(p, ""); c.OrgID != partnerID {
		t.Fatalf("default: %+v", c)
	}
	if c := ChooseOrganisation(Person{Email: "x@gmail.com"}, "acme"); c.OrgID != 0 {
		t.Fatalf("no org: %+v", c)
	}
}

func TestO7_UnknownSenders(t *testing.T) {
	stranger := Person{Email: "x@gmail.com"}
	c := ChooseOrganisation(stranger, "")
	if v := MayOpenTicket(stranger, c, UnknownAccept); !v.OK {
		t.Fatal("accept refused")
	}
	if v := MayOpenTicket(stranger, c, UnknownReject); v.OK || v.Rules[0] != "O7" {
		t.Fatalf("reject: %+v", v)
	}
}

func TestO8_RegisteredIntake(t *testing.T) {
	p := Person{Email: "x@eu.other.example", Memberships: DerivedMemberships("x@eu.other.example", world())}
	c := ChooseOrganisation(p, "")
	if v := MayOpenTicket(p, c, UnknownAccept); v.OK || v.Rules[0] != "O8" {
		t.Fatalf("unregistered user opened a ticket: %+v", v)
	}
	p.Registered = true
	if v := MayOpenTicket(p, c, UnknownAccept); !v.OK {
		t.Fatalf("registered user refused: %+v", v)
	}
	// Intake never stops a member with rights from replying: Rights ignores intake.
	p.Registered = false
	tk := TicketFacts{ID: 1, OrgID: otherID, OrgSlug: "other", Requester: "x@eu.other.example"}
	if !Rights(p, tk).Comment {
		t.Fatal("O8 intake blocked a reply")
	}
	staff := Person{Email: "s@help.example", Role: model.RoleAgent}
	if v := MayOpenTicket(staff, ChooseOrganisation(staff, ""), UnknownReject); !v.OK {
		t.Fatal("staff refused")
	}
}
