package policy

import (
	"slices"
	"testing"

	"github.com/helpdesk-gw/helpdesk/model"
)

// A small world: acme (a client), partnerco (a partner attached to acme by
// O5), and their people.
const (
	acmeID    = 1
	partnerID = 2
	otherID   = 3
)

func member(org int64, slug string, orgAccess model.OrgAccess, access model.MemberAccess) Membership {
	return Membership{OrgID: org, Slug: slug, OrgAccess: orgAccess, Access: access, Source: model.SourceDomain, Intake: model.IntakeOpen}
}

func acmeTicket(orgAccess model.OrgAccess) TicketFacts {
	return TicketFacts{
		ID: 42, OrgID: acmeID, OrgSlug: "acme", OrgAccess: orgAccess,
		Requester: "ann@acme.com",
		CCs:       map[string]bool{"carl@cc.example": true},
		Followers: map[string]bool{},
	}
}

// person builds a member of acme with the given settings (A1 on the org, A2 on
// the membership).
func acmeMember(email string, orgAccess model.OrgAccess, access model.MemberAccess) Person {
	return Person{Email: email, Memberships: []Membership{member(acmeID, "acme", orgAccess, access)}}
}

func TestR2_R4_R5_A1_A2_A3_A4_RightsTable(t *testing.T) {
	tests := []struct {
		name      string
		p         Person
		orgAccess model.OrgAccess
		view, cmt bool
		wantRule  string
	}{
		{"R1 staff see and comment on every ticket", Person{Email: "sam@help.example", Role: model.RoleAgent}, model.OrgAccessOwn, true, true, "R1"},
		{"R2 requester sees and comments", acmeMember("ann@acme.com", model.OrgAccessOwn, model.MemberAccessOwn), model.OrgAccessOwn, true, true, "R2"},
		{"R3 cc sees and comments whatever A1 says", Person{Email: "carl@cc.example"}, model.OrgAccessOwn, true, true, "R3"},
		{"A1 own: other member sees nothing", acmeMember("bob@acme.com", model.OrgAccessOwn, model.MemberAccessOwn), model.OrgAccessOwn, false, false, "R5"},
		{"A1 view: member sees, cannot comment", acmeMember("bob@acme.com", model.OrgAccessView, model.MemberAccessOwn), model.OrgAccessView, true, false, "R4"},
		{"A1 comment: member sees and comments", acmeMember("bob@acme.com", model.OrgAccessComment, model.MemberAccessOwn), model.OrgAccessComment, true, true, "R4"},
		{"A2 org: membership sees where org says own", acmeMember("bob@acme.com", model.OrgAccessOwn, model.MemberAccessOrg), model.OrgAccessOwn, true, false, "R4"},
		{"A3 own membership does not take away org view", acmeMember("bob@acme.com", model.OrgAccessView, model.MemberAccessOwn), model.OrgAccessView, true, false, "R4"},
		{"A3 org membership plus comment org: comment", acmeMember("bob@acme.com", model.OrgAccessComment, model.MemberAccessOrg), model.OrgAccessComment, true, true, "R4"},
		{"A4 membership org never grants comment", acmeMember("bob@acme.com", model.OrgAccessView, model.MemberAccessOrg), model.OrgAccessView, true, false, "R4"},
		{"R5 membership of another organisation gives nothing",
			Person{Email: "olga@other.example", Memberships: []Membership{member(otherID, "other", model.OrgAccessComment, model.MemberAccessOrg)}},
			model.OrgAccessComment, false, false, "R5"},
		{"R5 stranger", Person{Email: "eve@evil.example"}, model.OrgAccessComment, false, false, "R5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Rights(tc.p, acmeTicket(tc.orgAccess))
			if d.View != tc.view || d.Comment != tc.cmt {
				t.Fatalf("view=%v comment=%v (%s), want view=%v comment=%v", d.View, d.Comment, d.Why, tc.view, tc.cmt)
			}
			if !slices.Contains(d.Rules, tc.wantRule) {
				t.Fatalf("rules %v, want %s among them", d.Rules, tc.wantRule)
			}
		})
	}
}

func TestR1_StaffSeeEveryTicket(t *testing.T) {
	for _, role := range []model.StaffRole{model.RoleAgent, model.RoleAdmin, model.RoleOwner} {
		d := Rights(Person{Email: "s@help.example", Role: role}, TicketFacts{ID: 1, Requester: "x@y.example"})
		if !d.View || !d.Comment {
			t.Errorf("%s: %+v", role, d)
		}
	}
}

func TestR3_CCRightBelongsToTicketNotOrg(t *testing.T) {
	// A CC who is a member of the ticket's own-organisation keeps CC rights.
	p := acmeMember("bob@acme.com", model.OrgAccessOwn, model.MemberAccessOwn)
	tk := acmeTicket(model.OrgAccessOwn)
	tk.CCs["bob@acme.com"] = true
	if d := Rights(p, tk); !d.Comment || !slices.Contains(d.Rules, "R3") {
		t.Fatalf("%+v", d)
	}
	// C5: once removed, nothing is left.
	delete(tk.CCs, "bob@acme.com")
	if d := Rights(p, tk); d.View {
		t.Fatalf("removed CC still sees: %+v", d)
	}
}

// R6 from the partner's side: a partner user (member of partnerco and, by
// O5, of acme) on an acme ticket.
func TestR6_PartnerCommentsOnlyWhenCCdOrClientComment(t *testing.T) {
	partner := Person{Email: "pat@partner.example", Memberships: []Membership{
		member(partnerID, "partnerco", model.OrgAccessComment, model.MemberAccessOwn),
		member(acmeID, "acme", model.OrgAccessOwn, model.MemberAccessOwn),
	}}
	withAccess := func(a model.OrgAccess) Person {
		p := partner
		p.Memberships = []Membership{partner.Memberships[0], member(acmeID, "acme", a, model.MemberAccessOwn)}
		return p
	}
	tk := acmeTicket(model.OrgAccessOwn)
	if d := Rights(withAccess(model.OrgAccessOwn), tk); d.View || d.Comment {
		t.Fatalf("partner, client own, not CC'd: %+v", d)
	}
	if d := Rights(withAccess(model.OrgAccessView), acmeTicket(model.OrgAccessView)); !d.View || d.Comment {
		t.Fatalf("partner, client view: want view only, got %+v", d)
	}
	if d := Rights(withAccess(model.OrgAccessComment), acmeTicket(model.OrgAccessComment)); !d.Comment {
		t.Fatalf("partner, client comment: want comment, got %+v", d)
	}
	tk.CCs["pat@partner.example"] = true
	if d := Rights(withAccess(model.OrgAccessOwn), tk); !d.Comment || !slices.Contains(d.Rules, "R3") {
		t.Fatalf("partner CC'd: want comment by R3, got %+v", d)
	}
	// The partner's own organisation being 'comment' gives nothing on acme's tickets (R5).
	onlyPartner := Person{Email: "pat@partner.example", Memberships: partner.Memberships[:1]}
	if d := Rights(onlyPartner, acmeTicket(model.OrgAccessComment)); d.View {
		t.Fatalf("partner org membership leaked onto client ticket: %+v", d)
	}
}

// R6 from the client's side: a client user never gains rights on the
// partner's own tickets by the partner's domain being attached to them.
func TestR6_ClientSeesNothingOfPartnerTickets(t *testing.T) {
	client := acmeMember("ann@acme.com", model.OrgAccessComment, model.MemberAccessOrg)
	partnerTicket := TicketFacts{ID: 7, OrgID: partnerID, OrgSlug: "partnerco", OrgAccess: model.OrgAccessComment, Requester: "pat@partner.example"}
	if d := Rights(client, partnerTicket); d.View || d.Comment {
		t.Fatalf("client sees partner ticket: %+v", d)
	}
}

func TestR7_InternalNotesStaffOnly(t *testing.T) {
	if CanSeeInternal(acmeMember("ann@acme.com", model.OrgAccessComment, model.MemberAccessOrg)) {
		t.Fatal("end-user may see internal notes")
	}
	if !CanSeeInternal(Person{Email: "s@help.example", Role: model.RoleAgent}) {
		t.Fatal("agent may not see internal notes")
	}
}

func TestRightsExplain(t *testing.T) {
	d := Rights(acmeMember("bob@acme.com", model.OrgAccessView, model.MemberAccessOwn), acmeTicket(model.OrgAccessView))
	if d.Why != "R4 org acme is view" {
		t.Fatalf("why = %q", d.Why)
	}
}
