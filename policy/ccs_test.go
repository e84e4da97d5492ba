package policy

import (
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/model"
)

func TestC2_WhoMayAddCCs(t *testing.T) {
	tk := acmeTicket(model.OrgAccessOwn)
	tk.CCAdders = model.CCAddersRequester
	staff := Person{Email: "s@help.example", Role: model.RoleAgent}
	req := Person{Email: "ann@acme.com"}
	cc := Person{Email: "carl@cc.example"}
	member := acmeMember("bob@acme.com", model.OrgAccessComment, model.MemberAccessOwn)
	if !MayAddCCs(staff, tk, true).OK || !MayAddCCs(req, tk, true).OK {
		t.Fatal("staff/requester refused")
	}
	if MayAddCCs(cc, tk, true).OK {
		t.Fatal("cc added CCs with cc_adders=requester")
	}
	if MayAddCCs(member, tk, true).OK {
		t.Fatal("member who is not a participant added CCs")
	}
	tk.CCAdders = model.CCAddersParticipants
	if !MayAddCCs(cc, tk, true).OK {
		t.Fatal("cc refused with cc_adders=participants")
	}
}

func TestP3_ClaimedSenderCannotAddCCs(t *testing.T) {
	tk := acmeTicket(model.OrgAccessOwn)
	v := MayAddCCs(Person{Email: "ann@acme.com"}, tk, false)
	if v.OK || v.Rules[0] != "P3" {
		t.Fatalf("%+v", v)
	}
}

func TestC3_NeverCCs(t *testing.T) {
	isOwn := func(e string) bool {
		return e == "support@help.example" || strings.HasPrefix(e, "support+") && strings.HasSuffix(e, "@help.example")
	}
	bouncing := func(e string) bool { return e == "gone@acme.com" }
	in := []string{"Support@help.example", "support+note@help.example", "noreply@acme.com", "MAILER-DAEMON@acme.com",
		"gone@acme.com", "ok@acme.com", "ann@acme.com", "ok@acme.com"}
	acc, ref := FilterCCs(in, map[string]bool{"ann@acme.com": true}, CCFilter{IsOwn: isOwn, Blocklist: DefaultCCBlocklist, Bouncing: bouncing})
	if len(acc) != 1 || acc[0] != "ok@acme.com" {
		t.Fatalf("accepted %v", acc)
	}
	if len(ref) != 3 {
		t.Fatalf("refused %+v", ref)
	}
}

func TestC1_MaxNewCCs(t *testing.T) {
	var in []string
	for i := 0; i < 12; i++ {
		in = append(in, string(rune('a'+i))+"@acme.com")
	}
	acc, ref := FilterCCs(in, nil, CCFilter{})
	if len(acc) != DefaultMaxNewCCs || len(ref) != 2 || ref[0].Rule != "C1" {
		t.Fatalf("accepted %d, refused %+v", len(acc), ref)
	}
	acc, _ = FilterCCs(in, nil, CCFilter{Max: 3})
	if len(acc) != 3 {
		t.Fatalf("max 3: %v", acc)
	}
}

func TestP1_P4_I9_Proof(t *testing.T) {
	tests := []struct {
		p             Proof
		proven, staff bool
	}{
		{Proof{TrustedIDConfigured: true, AuthResults: true}, true, true},
		{Proof{TrustedIDConfigured: true, Token: true}, true, false}, // I9: with a trusted id only (a) proves staff
		{Proof{TrustedIDConfigured: false, Token: true}, true, true},
		{Proof{TrustedIDConfigured: false, AuthResults: true}, true, false}, // cannot happen (no trusted header without id), but only (b) counts
		{Proof{TrustedIDConfigured: true}, false, false},
	}
	for i, tc := range tests {
		if tc.p.Proven() != tc.proven || tc.p.StaffProven() != tc.staff {
			t.Errorf("%d: %+v proven=%v staff=%v", i, tc.p, tc.p.Proven(), tc.p.StaffProven())
		}
	}
}
