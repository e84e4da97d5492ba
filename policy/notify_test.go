package policy

import (
	"testing"

	"github.com/helpdesk-gw/helpdesk/model"
)

func notifyWorld() (TicketFacts, map[string]Person) {
	tk := acmeTicket(model.OrgAccessOwn)
	tk.Assignee = "sam@help.example"
	tk.Followers = map[string]bool{"boss@acme.com": true, "sue@help.example": true, "nosy@acme.com": true}
	people := map[string]Person{
		"ann@acme.com":     acmeMember("ann@acme.com", model.OrgAccessOwn, model.MemberAccessOwn),
		"carl@cc.example":  {Email: "carl@cc.example"},
		"sam@help.example": {Email: "sam@help.example", Role: model.RoleAgent},
		"sue@help.example": {Email: "sue@help.example", Role: model.RoleAdmin},
		"boss@acme.com":    {Email: "boss@acme.com", Memberships: []Membership{{OrgID: acmeID, Slug: "acme", OrgAccess: model.OrgAccessOwn, Access: model.MemberAccessOrg, FollowAll: true}}},
		// nosy follows but lost view (A2 own now): not told (N1 at send time).
		"nosy@acme.com": acmeMember("nosy@acme.com", model.OrgAccessOwn, model.MemberAccessOwn),
	}
	return tk, people
}

func emails(rs []Recipient) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Email)
	}
	return out
}

func TestN1_PublicCommentRecipients(t *testing.T) {
	tk, people := notifyWorld()
	got := emails(CommentRecipients(CommentEvent{Author: "ann@acme.com"}, tk, people))
	want := []string{"boss@acme.com", "carl@cc.example", "sam@help.example", "sue@help.example"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestN1_BouncingNotTold(t *testing.T) {
	tk, people := notifyWorld()
	p := people["carl@cc.example"]
	p.Bouncing = true
	people["carl@cc.example"] = p
	for _, e := range emails(CommentRecipients(CommentEvent{Author: "ann@acme.com"}, tk, people)) {
		if e == "carl@cc.example" {
			t.Fatal("bouncing address notified (B3)")
		}
	}
}

func TestN2_InternalNoteStaffOnly(t *testing.T) {
	tk, people := notifyWorld()
	// Even with end-users in To/Cc of the staff mail, and following.
	ev := CommentEvent{Author: "sam@help.example", Internal: true, AuthorProven: true,
		MailRecipients: map[string]bool{"ann@acme.com": true, "carl@cc.example": true}}
	got := emails(CommentRecipients(ev, tk, people))
	if len(got) != 1 || got[0] != "sue@help.example" {
		t.Fatalf("note recipients %v, want only sue (staff follower)", got)
	}
	for _, e := range []string{"ann@acme.com", "carl@cc.example", "boss@acme.com"} {
		if MaySend(people[e], tk, model.KindNote) {
			t.Fatalf("MaySend note to end-user %s", e)
		}
	}
}

func TestN4_ProvenAuthorsRecipientsAlreadyHaveIt(t *testing.T) {
	tk, people := notifyWorld()
	ev := CommentEvent{Author: "ann@acme.com", AuthorProven: true,
		MailRecipients: map[string]bool{"carl@cc.example": true, "sam@help.example": true}}
	for _, e := range emails(CommentRecipients(ev, tk, people)) {
		if e == "carl@cc.example" || e == "sam@help.example" {
			t.Fatalf("%s was in To/Cc of a proven mail and got a copy", e)
		}
	}
	// The first time they join, they need the reply address.
	ev.Joined = map[string]bool{"carl@cc.example": true}
	found := false
	for _, e := range emails(CommentRecipients(ev, tk, people)) {
		found = found || e == "carl@cc.example"
	}
	if !found {
		t.Fatal("newly joined CC not sent the comment")
	}
	// A claimed author's To/Cc are told anyway.
	ev = CommentEvent{Author: "ann@acme.com", MailRecipients: map[string]bool{"carl@cc.example": true}}
	found = false
	for _, e := range emails(CommentRecipients(ev, tk, people)) {
		found = found || e == "carl@cc.example"
	}
	if !found {
		t.Fatal("claimed author's Cc not notified")
	}
}

func TestN5_FollowAllNeedsOrgMembership(t *testing.T) {
	if !FollowsAll(Membership{FollowAll: true, Access: model.MemberAccessOrg}) {
		t.Fatal("follow-all with org access refused")
	}
	if FollowsAll(Membership{FollowAll: true, Access: model.MemberAccessOwn}) {
		t.Fatal("follow-all without org access accepted")
	}
	tk, people := notifyWorld()
	if MayFollow(people["nosy@acme.com"], tk) {
		t.Fatal("may follow a ticket they cannot see")
	}
	if !MayFollow(people["boss@acme.com"], tk) {
		t.Fatal("org member may not follow")
	}
}

func TestN1_NoticeNamingATicketNeedsViewAtSendTime(t *testing.T) {
	tk, people := notifyWorld()
	if MaySend(people["nosy@acme.com"], tk, model.KindNotice) {
		t.Fatal("a notice naming the ticket may go to someone who cannot see it")
	}
	if !MaySend(people["nosy@acme.com"], TicketFacts{}, model.KindNotice) {
		t.Fatal("the I6 notice (no ticket) was stopped")
	}
}
