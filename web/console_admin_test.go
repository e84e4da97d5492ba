package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// TestW5_S1_S2_EachActByRole posts every administration act of the console
// as an agent, an admin and an owner, confirmed (as if the page's button
// had been pressed, whatever the page showed), and checks that the server
// refuses what the role may not do (S1, S2, S4) and that what it allows
// happens, with the signed-in person in the audit log (S3).
func TestW5_S1_S2_EachActByRole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newPortal(t, b)
		w.must(w.adm.StaffSet(w.ctx, admin.Request{As: "owner@help.example"}, "ada@help.example", model.RoleAdmin, "staff.add"))
		browsers := map[string]*browser{}
		for role, email := range map[string]string{"agent": "sam@help.example", "admin": "ada@help.example", "owner": "owner@help.example"} {
			browsers[role] = w.browser()
			browsers[role].signIn(email)
		}
		type act struct {
			name, path string
			form       url.Values
			allowed    map[string]bool // by role
			check      func() bool     // true once the act happened
		}
		org := func(slug string) model.Organisation {
			orgs, _ := w.adm.OrgList(w.ctx)
			for _, o := range orgs {
				if o.Slug == slug {
					return o
				}
			}
			return model.Organisation{}
		}
		role := func(email string) string {
			u, err := w.adm.UserShow(w.ctx, email)
			if err != nil || u.StaffRole == nil {
				return ""
			}
			return *u.StaffRole
		}
		admins := map[string]bool{"admin": true, "owner": true}
		owners := map[string]bool{"owner": true}
		acts := []act{
			{"org set (A1)", "/console/orgs/acme", url.Values{"access": {"view"}}, admins,
				func() bool { return org("acme").Access == model.OrgAccessView }},
			{"org add (O1)", "/console/orgs", url.Values{"slug": {"beta"}, "name": {"Beta"}, "domains": {"beta.example"}, "access": {"own"}}, admins,
				func() bool { return org("beta").Slug == "beta" }},
			{"domain add (O2)", "/console/orgs/acme/domains", url.Values{"domain": {"acme.org"}}, admins,
				func() bool { return len(org("acme").Domains) == 2 }},
			{"user add (O3)", "/console/people", url.Values{"email": {"dora@acme.com"}, "name": {"Dora"}}, admins,
				func() bool { _, err := w.adm.UserShow(w.ctx, "dora@acme.com"); return err == nil }},
			{"member set (A2)", "/console/people/bob@acme.com/membership", url.Values{"org": {"acme"}, "access": {"org"}}, admins,
				func() bool {
					u, _ := w.adm.UserShow(w.ctx, "bob@acme.com")
					return len(u.Memberships) > 0 && u.Memberships[0].Access == "org"
				}},
			{"staff add agent (S1)", "/console/staff", url.Values{"op": {"add"}, "email": {"tom@help.example"}, "role": {"agent"}}, admins,
				func() bool { return role("tom@help.example") == "agent" }},
			{"team add (S4)", "/console/teams", url.Values{"slug": {"billing"}, "name": {"Billing"}}, admins,
				func() bool { ts, _ := w.adm.TeamList(w.ctx); return len(ts) == 1 }},
			// last: a role change ends the person's sessions (W6)
			{"make an agent admin (S1: owner only)", "/console/staff", url.Values{"op": {"set"}, "email": {"sam@help.example"}, "role": {"admin"}}, owners,
				func() bool { return role("sam@help.example") == "admin" }},
		}
		for _, a := range acts {
			for _, r := range []string{"agent", "admin", "owner"} {
				if a.check() {
					break // done by an earlier role
				}
				form := url.Values{"confirm": {"1"}, "reason": {"test " + r}}
				for k, v := range a.form {
					form[k] = v
				}
				code, body, _ := browsers[r].do("POST", a.path, form)
				switch {
				case !a.allowed[r] && code != http.StatusUnprocessableEntity:
					t.Errorf("%s as %s: %d, want refused (422): %s", a.name, r, code, body)
				case !a.allowed[r] && a.check():
					t.Errorf("%s as %s: refused but done", a.name, r)
				case a.allowed[r] && (code >= 400 || !a.check()):
					t.Errorf("%s as %s: %d and done=%v, want it done: %s", a.name, r, code, a.check(), body)
				}
			}
		}
		// S3: the last act was the owner's, with the reason typed.
		es, err := w.adm.AuditWhere(w.ctx, admin.AuditQuery{Actor: "owner@help.example", Action: "staff"})
		if err != nil || len(es) == 0 || es[len(es)-1].Target != "sam@help.example" || es[len(es)-1].Reason != "test owner" {
			t.Fatalf("S3: the owner's staff acts in the audit log: %+v %v", es, err)
		}
		// Nobody raises their own role (S1): the admin asks to be owner.
		if code, _, _ := browsers["admin"].do("POST", "/console/staff", url.Values{"op": {"set"}, "email": {"ada@help.example"}, "role": {"owner"}, "confirm": {"1"}}); code != http.StatusUnprocessableEntity || role("ada@help.example") != "admin" {
			t.Fatalf("S1: an admin made themself owner: %d", code)
		}
	})
}

// TestW5_A1_A5_PreviewBeforeEveryWideningChange checks that a change that
// widens access, posted without confirmation, shows who would gain what
// and changes nothing; the confirmation then does it (A5, W5).
func TestW5_A1_A5_PreviewBeforeEveryWideningChange(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newPortal(t, b)
		owner := w.browser()
		owner.signIn("owner@help.example")
		// bob gains view of ann's ticket when his membership becomes org (A2).
		code, body, _ := owner.do("POST", "/console/people/bob@acme.com/membership", url.Values{"org": {"acme"}, "access": {"org"}})
		if code != 200 || !strings.Contains(body, "Preview, nothing changed: 1 people would gain rights on 1 tickets") ||
			!strings.Contains(body, "bob@acme.com gains view on ticket #1") || !strings.Contains(body, `name="confirm"`) {
			t.Fatalf("A5: the preview: %d %s", code, body)
		}
		if u, _ := w.adm.UserShow(w.ctx, "bob@acme.com"); u.Memberships[0].Access != "own" {
			t.Fatal("A5: the preview changed the membership")
		}
		code, body, _ = owner.do("POST", "/console/people/bob@acme.com/membership", url.Values{"org": {"acme"}, "access": {"org"}, "confirm": {"1"}})
		if code != 200 || !strings.Contains(body, "Done, and written to the audit log") {
			t.Fatalf("A5: the confirmed change: %d %s", code, body)
		}
		if u, _ := w.adm.UserShow(w.ctx, "bob@acme.com"); u.Memberships[0].Access != "org" {
			t.Fatal("A5: the confirmed change did not happen")
		}
		// A CC added from the console is previewed too (R3): carl is
		// already CC; dan would gain view and comment.
		code, body, _ = owner.do("POST", "/console/t/1/cc", url.Values{"add": {"dan@cc.example"}})
		if code != 200 || !strings.Contains(body, "dan@cc.example gains view on ticket #1") {
			t.Fatalf("R3: the CC preview: %d %s", code, body)
		}
		if v, _ := w.adm.TicketShow(w.ctx, 1); hasParticipant(v, "dan@cc.example", "cc") {
			t.Fatal("R3: the preview added the CC")
		}
		owner.do("POST", "/console/t/1/cc", url.Values{"add": {"dan@cc.example"}, "confirm": {"1"}})
		if v, _ := w.adm.TicketShow(w.ctx, 1); !hasParticipant(v, "dan@cc.example", "cc") {
			t.Fatal("R3: the confirmed CC was not added")
		}
		// Moving a ticket to another of the requester's organisations (I3)
		// is previewed too (R4); the other fields change at once.
		w.must(w.adm.OrgAdd(w.ctx, admin.Request{As: "owner@help.example"}, "acme-eu", admin.OrgSettings{Name: "Acme EU", Access: model.OrgAccessView}, []string{"acme.com"}, false))
		w.must(w.adm.MemberSet(w.ctx, admin.Request{As: "owner@help.example"}, "ann@acme.com", "acme-eu", model.MemberAccessOwn, nil))
		w.must(w.adm.UserAdd(w.ctx, admin.Request{As: "owner@help.example"}, "eve@acme.com", "Eve", []string{"acme-eu"}))
		code, body, _ = owner.do("POST", "/console/t/1/set", url.Values{"org": {"acme-eu"}})
		if code != 200 || !strings.Contains(body, "Move #1 to acme-eu") || !strings.Contains(body, "eve@acme.com gains view on ticket #1") {
			t.Fatalf("I3, R4: the move's preview: %d %s", code, body)
		}
		if v, _ := w.adm.TicketShow(w.ctx, 1); v.Organisation == nil || *v.Organisation != "acme" {
			t.Fatal("I3: the preview moved the ticket")
		}
		owner.do("POST", "/console/t/1/set", url.Values{"org": {"acme-eu"}, "confirm": {"1"}})
		owner.do("POST", "/console/t/1/set", url.Values{"type": {"incident"}, "assign": {"sam@help.example"}})
		if v, _ := w.adm.TicketShow(w.ctx, 1); v.Organisation == nil || *v.Organisation != "acme-eu" || v.Type != "incident" ||
			v.Assignee == nil || *v.Assignee != "sam@help.example" {
			t.Fatalf("I3, S1: after the move, type and assignment: %+v", v)
		}
	})
}

// TestW5_S3_AuditLogFilters checks the console's audit page: filtered by
// actor, action group, target and time, newest first.
func TestW5_S3_AuditLogFilters(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newPortal(t, b)
		sam := w.browser()
		sam.signIn("sam@help.example")
		sam.do("POST", "/console/t/1/set", url.Values{"status": {"pending"}})
		_, body, _ := sam.do("GET", "/console/audit?action=staff", nil)
		if !strings.Contains(body, "staff.add") || strings.Contains(body, "ticket.set") || strings.Contains(body, "org.add") {
			t.Fatalf("S3: the staff group: %s", body)
		}
		_, body, _ = sam.do("GET", "/console/audit?actor=sam%40help.example", nil)
		if !strings.Contains(body, "ticket.set") || strings.Contains(body, "org.add") {
			t.Fatalf("S3: sam's acts: %s", body)
		}
		_, body, _ = sam.do("GET", "/console/audit?target=acme", nil)
		if !strings.Contains(body, "org.add") || strings.Contains(body, "staff.add") {
			t.Fatalf("S3: acts on acme: %s", body)
		}
		_, body, _ = sam.do("GET", "/console/audit?until=2026-12-05", nil)
		if !strings.Contains(body, "0 entries") {
			t.Fatalf("S3: nothing happened before the 6th: %s", body)
		}
		if code, _, _ := sam.do("GET", "/console/audit?since=yesterday", nil); code != http.StatusBadRequest {
			t.Fatalf("a time that is not one: %d", code)
		}
		_, body, _ = sam.do("GET", "/console/audit", nil)
		if strings.Index(body, "ticket.set") > strings.Index(body, "org.add") {
			t.Fatal("S3: the audit page is not newest first")
		}
	})
}

// TestW5_I5_MessagesRawAndQuarantineOne checks the ticket page's list of
// messages with their outcome and rules, the raw message shown as text
// (escaped, never interpreted) and only under its own ticket, and the page
// of one held message.
func TestW5_I5_MessagesRawAndQuarantineOne(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newPortal(t, b)
		w.mail("Ann <ann@acme.com>", "support@help.example", "In-Reply-To: <x@y>\r\n", "Re: [#1] Printer", "<script>alert(1)</script> still broken")
		sam := w.browser()
		sam.signIn("sam@help.example")
		_, body, _ := sam.do("GET", "/console/t/1", nil)
		if !strings.Contains(body, "Messages and what became of them") || !strings.Contains(body, "/console/t/1/raw/") {
			t.Fatalf("the ticket's messages: %s", body)
		}
		msgs, err := w.adm.TicketMessages(w.ctx, 1)
		if err != nil || len(msgs) < 2 {
			t.Fatalf("messages of ticket 1: %+v %v", msgs, err)
		}
		last := msgs[len(msgs)-1]
		path := "/console/t/1/raw/" + itoa(last.ID)
		code, body, h := sam.do("GET", path, nil)
		if code != 200 || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(body, "<script>") ||
			!strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Fatalf("the raw message: %d %s", code, body)
		}
		// the same message under another ticket does not exist
		_, missing, _ := sam.do("GET", "/no/such/page", nil)
		if code, body, _ := sam.do("GET", "/console/t/2/raw/"+itoa(last.ID), nil); code != 404 || body != missing {
			t.Fatalf("a message of ticket 1 under ticket 2: %d", code)
		}
		// a held message has its own page with why and the rules (I9)
		w.mail("sam@help.example", "support@help.example", "", "Re: [#1] Printer", "Forged or not?")
		code, body, _ = sam.do("GET", "/console/quarantine/1", nil)
		if code != 200 || !strings.Contains(body, "unproven staff sender") || !strings.Contains(body, "I9") || !strings.Contains(body, "Forged or not?") {
			t.Fatalf("I9: the held message's page: %d %s", code, body)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestW5_A5_PreviewOfALargeChangeCountsEveryTicket: a change too large to
// list pair by pair (more than 200,000 person-ticket pairs) is previewed
// as classes (a person gains view on all the tickets of an
// organisation); the page counts every ticket and names the classes.
func TestW5_A5_PreviewOfALargeChangeCountsEveryTicket(t *testing.T) {
	w := newPortal(t, store.SQLite)
	const n = 460 // 460 members × 460 tickets > 200,000 pairs
	w.must(w.adm.OrgAdd(w.ctx, admin.Request{As: "owner@help.example"}, "big", admin.OrgSettings{Name: "Big"}, []string{"big.example"}, false))
	big, err := w.st.OrgBySlug(w.ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	w.must(nil, w.st.InTx(w.ctx, func(tx *store.Tx) error {
		for i := range n {
			u := model.User{Email: fmt.Sprintf("u%d@big.example", i)}
			if err := tx.CreateUser(w.ctx, &u); err != nil {
				return err
			}
			if err := tx.UpsertMembership(w.ctx, model.Membership{UserID: u.ID, OrgID: big.ID, Access: model.MemberAccessOwn, Source: model.SourceDomain}); err != nil {
				return err
			}
			if err := tx.CreateTicket(w.ctx, &model.Ticket{Subject: fmt.Sprintf("t%d", i), OrgID: big.ID, RequesterID: u.ID}); err != nil {
				return err
			}
		}
		return nil
	}))
	owner := w.browser()
	owner.signIn("owner@help.example")
	code, body, _ := owner.do("POST", "/console/orgs/big", url.Values{"access": {"view"}})
	want := fmt.Sprintf("Preview, nothing changed: %d people would gain rights on %d tickets", n, n)
	if code != 200 || !strings.Contains(body, want) || !strings.Contains(body, fmt.Sprintf("u0@big.example gains view on %d tickets of big", n-1)) {
		t.Fatalf("A5: the preview of a large change: %d, want %q:\n%.3000s", code, want, body)
	}
}
