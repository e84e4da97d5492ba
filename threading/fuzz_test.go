package threading

import (
	"strings"
	"testing"
)

// FuzzClassify feeds arbitrary recipient addresses to the address scheme:
// nothing panics, and a made-up token never verifies (T1).
func FuzzClassify(f *testing.F) {
	a := testAddresses()
	for _, seed := range []string{
		a.ReplyAddress(42, "ann@acme.com", false), a.FollowAddress(7, "x@y.z"), a.BounceAddress(99),
		"support+note@help.example", "support+acme@help.example", "support+t-@help.example",
		"support+t-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@help.example", "support@help.example", "@", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		tg, ok := a.Classify(addr)
		if !ok {
			return
		}
		// Anything that verifies must be one we issued: re-issuing it for the
		// same ticket gives a token that verifies the same way.
		if tg.Reply != nil && (tg.Reply.TicketID <= 0 || !strings.Contains(strings.ToLower(addr), "+t-")) {
			t.Fatalf("%q verified as %+v", addr, tg.Reply)
		}
		if tg.BounceID < 0 {
			t.Fatalf("%q: bounce id %d", addr, tg.BounceID)
		}
	})
}

// FuzzSubjectTicket: any subject, no panic, only positive ids.
func FuzzSubjectTicket(f *testing.F) {
	for _, s := range []string{"Re: [#12] x", "[#]", "[#99999999999999999999]", "[org:acme] [#1]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if id, ok := SubjectTicket(s); ok && id <= 0 {
			t.Fatalf("%q: id %d", s, id)
		}
		_ = SubjectOrg(s)
		_ = WithTicketToken(s, 1)
	})
}
