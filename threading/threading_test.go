package threading

import (
	"context"
	"strings"
	"testing"
)

func testAddresses() Addresses {
	return NewAddresses("Support@Help.example", "", NewSigner([]byte("test secret")))
}

func TestT1_ReplyTokenSignedAndTamperProof(t *testing.T) {
	a := testAddresses()
	addr := a.ReplyAddress(42, "ann@acme.com", false)
	if !strings.HasPrefix(addr, "support+t-") || !strings.HasSuffix(addr, "@help.example") || len(addr) > 80 {
		t.Fatalf("reply address %q", addr)
	}
	tg, ok := a.Classify(strings.ToUpper(addr)) // servers may change case
	if !ok || tg.Reply == nil || tg.Reply.TicketID != 42 {
		t.Fatalf("classify %q: %+v", addr, tg)
	}
	// Every one-character change of the token matches nothing.
	local := strings.TrimSuffix(addr, "@help.example")
	for i := len("support+t-"); i < len(local); i++ {
		c := byte('a')
		if local[i] == 'a' {
			c = 'b'
		}
		bad := local[:i] + string(c) + local[i+1:] + "@help.example"
		if tg, _ := a.Classify(bad); tg.Reply != nil || !tg.Invalid {
			t.Fatalf("tampered token %q verified: %+v", bad, tg)
		}
	}
	// Another secret verifies nothing.
	other := NewAddresses("support@help.example", "", NewSigner([]byte("other")))
	if tg, _ := other.Classify(addr); tg.Reply != nil {
		t.Fatal("token verified under another secret")
	}
	// A follow token is not a reply token.
	f := a.FollowAddress(42, "ann@acme.com")
	swapped := strings.Replace(f, "+follow-", "+t-", 1)
	if tg, _ := a.Classify(swapped); tg.Reply != nil {
		t.Fatal("follow token accepted as reply token")
	}
}

func TestT2_TokenNamesItsRecipient(t *testing.T) {
	a := testAddresses()
	tg, _ := a.Classify(a.ReplyAddress(7, "ann@acme.com", false))
	if !tg.Reply.IssuedTo(a.Signer, "ANN@acme.com") {
		t.Fatal("not issued to ann")
	}
	if tg.Reply.IssuedTo(a.Signer, "eve@acme.com") {
		t.Fatal("issued to eve")
	}
	tg, _ = a.Classify(a.ReplyAddress(7, "sam@help.example", true))
	if !tg.Reply.Staff {
		t.Fatal("staff flag lost")
	}
}

func TestAddressScheme(t *testing.T) {
	a := testAddresses()
	cases := map[string]func(Target) bool{
		"support@help.example":      func(t Target) bool { return t.Reply == nil && !t.Note && t.OrgSlug == "" },
		"support+note@help.example": func(t Target) bool { return t.Note },
		"support+acme@help.example": func(t Target) bool { return t.OrgSlug == "acme" },
		a.BounceAddress(99):         func(t Target) bool { return t.BounceID == 99 },
		a.FollowAddress(5, "x@y.z"): func(t Target) bool { return t.Follow != nil && t.Follow.TicketID == 5 },
	}
	for addr, check := range cases {
		tg, ok := a.Classify(addr)
		if !ok || !check(tg) {
			t.Errorf("%s: %+v", addr, tg)
		}
	}
	for _, notOurs := range []string{"support@other.example", "supporter@help.example", "x+support@help.example"} {
		if a.IsOwn(notOurs) {
			t.Errorf("%s taken as ours", notOurs)
		}
	}
}

func TestB2_OwnMessageIDMarker(t *testing.T) {
	s := NewSigner([]byte("k"))
	id := s.NewMessageID("help.example")
	if !s.IsOwnMessageID("<" + id + ">") {
		t.Fatalf("%s not recognised", id)
	}
	if s.NewMessageID("help.example") == id {
		t.Fatal("ids repeat")
	}
	for _, other := range []string{"hd-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@help.example", "abc@help.example", "", "hd-@x"} {
		if s.IsOwnMessageID(other) {
			t.Errorf("%q taken as ours", other)
		}
	}
	if NewSigner([]byte("other")).IsOwnMessageID(id) {
		t.Fatal("marker verified with another secret")
	}
}

func TestSubjectTokens(t *testing.T) {
	if id, ok := SubjectTicket("Re: printer broken [#123]"); !ok || id != 123 {
		t.Fatalf("%d %v", id, ok)
	}
	for _, s := range []string{"#123", "[#]", "[#abc]", "[#0]", "[#99999999999999999999]"} {
		if _, ok := SubjectTicket(s); ok {
			t.Errorf("%q matched", s)
		}
	}
	if SubjectOrg("Help [org:ACME]") != "acme" {
		t.Fatal("org tag")
	}
	if got := WithTicketToken(WithTicketToken("Hello", 5), 5); got != "Hello [#5]" {
		t.Fatal(got)
	}
}

// lookupTable is a ticket index for tests: Message-ID → ticket.
type lookupTable struct {
	byID    map[string]int64
	tickets map[int64]bool
}

func (l lookupTable) TicketByMessageIDs(_ context.Context, ids []string) (int64, error) {
	for _, id := range ids {
		if t, ok := l.byID[id]; ok {
			return t, nil
		}
	}
	return 0, ErrNoTicket
}

func (l lookupTable) TicketExists(_ context.Context, id int64) (bool, error) {
	return l.tickets[id], nil
}

func TestI1_ResolutionOrder(t *testing.T) {
	a := testAddresses()
	lk := lookupTable{byID: map[string]int64{"a@x": 1, "b@x": 2}, tickets: map[int64]bool{1: true, 2: true, 3: true, 4: true}}
	tok := func(id int64) Target { tg, _ := a.Classify(a.ReplyAddress(id, "ann@acme.com", false)); return tg }
	tests := []struct {
		name string
		in   Input
		want int64
		via  Via
	}{
		{"in-reply-to first", Input{InReplyTo: []string{"b@x"}, References: []string{"a@x"}, Targets: []Target{tok(3)}, Subject: "[#4]"}, 2, ViaReference},
		{"references newest first", Input{References: []string{"a@x", "b@x"}}, 2, ViaReference},
		{"token before subject", Input{References: []string{"unknown@x"}, Targets: []Target{tok(3)}, Subject: "[#4]"}, 3, ViaToken},
		{"subject last", Input{Subject: "Re: [#4]"}, 4, ViaSubject},
		{"token for missing ticket falls through", Input{Targets: []Target{tok(99)}, Subject: "[#4]"}, 4, ViaSubject},
		{"nothing", Input{Subject: "hello"}, 0, ViaNone},
		{"tampered token matches nothing", Input{Targets: []Target{{Invalid: true}}}, 0, ViaNone},
	}
	for _, tc := range tests {
		m, err := Resolve(context.Background(), tc.in, lk)
		if err != nil || m.TicketID != tc.want || m.Via != tc.via {
			t.Errorf("%s: %+v %v", tc.name, m, err)
		}
	}
}
