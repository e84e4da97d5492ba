package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestStaffActsFromTheCommandLine: ticket reply, note and set act as --as,
// notify as the same act by mail would (N1, N2, R7), are audited (S3) and
// on the ticket's history, and --dry-run says what would happen and changes
// nothing; ticket show --as-viewer shows what that person sees (R7).
func TestStaffActsFromTheCommandLine(t *testing.T) {
	c := newCLI(t)
	c.ok("staff", "add", "owner@help.example", "--role", "owner", "--notify", "assigned")
	c.ok("--as", "owner@help.example", "org", "add", "acme", "--name", "Acme", "--domain", "acme.com")
	raw := "From: Ann <ann@acme.com>\r\nCc: carl@cc.example\r\nSubject: Printer\r\nMessage-ID: <a1@acme.com>\r\n\r\nHelp!\r\n"
	if code, _, errs := c.run(raw, "ingest"); code != 0 {
		t.Fatal(errs)
	}
	outbox := func() []map[string]any {
		var rows []map[string]any
		mustJSON(t, c.ok("outbox", "list", "--json"), &rows)
		return rows
	}
	before := len(outbox())

	// A dry run says who would be told, and changes nothing.
	code, out, errs := c.run("We sent a technician.", "--as", "owner@help.example", "--dry-run", "ticket", "reply", "1")
	if code != 0 || !strings.Contains(out, "dry run") || !strings.Contains(out, "ann@acme.com would be told (comment") {
		t.Fatalf("reply --dry-run: exit %d\n%s%s", code, out, errs)
	}
	if n := len(outbox()); n != before {
		t.Fatalf("a dry run queued %d notifications", n-before)
	}

	// The reply: the requester and the CC are told (N1).
	code, out, errs = c.run("We sent a technician.\n", "--as", "owner@help.example", "ticket", "reply", "1")
	if code != 0 {
		t.Fatalf("reply: exit %d %s", code, errs)
	}
	told := map[string]string{}
	for _, r := range outbox()[before:] {
		told[r["to"].(string)] = r["kind"].(string)
	}
	if told["ann@acme.com"] != "comment" || told["carl@cc.example"] != "comment" || len(told) != 2 {
		t.Fatalf("N1: reply told %v\n%s", told, out)
	}

	// A note reaches staff only (N2, R7): here nobody else is staff.
	before = len(outbox())
	if code, _, errs := c.run("The customer is difficult.", "--as", "owner@help.example", "ticket", "note", "1"); code != 0 {
		t.Fatal(errs)
	}
	for _, r := range outbox()[before:] {
		t.Fatalf("R7: a note was queued to %v", r["to"])
	}

	// ticket set, and a refusal the rules make (S1: only staff are assignees).
	c.ok("--as", "owner@help.example", "ticket", "set", "1", "--status", "pending", "--priority", "high")
	if code, _, errs := c.run("", "--as", "owner@help.example", "ticket", "set", "1", "--assign", "ann@acme.com"); code != 1 || !strings.Contains(errs, "S1") {
		t.Fatalf("assigning an end-user: exit %d %s", code, errs)
	}
	var show map[string]any
	mustJSON(t, c.ok("ticket", "show", "1", "--json"), &show)
	if show["status"] != "pending" || show["priority"] != "high" || len(show["comments"].([]any)) != 3 {
		t.Fatalf("ticket after the acts: %v", show)
	}

	// As the requester sees it: no internal note (R7).
	mustJSON(t, c.ok("ticket", "show", "1", "--as-viewer", "ann@acme.com", "--json"), &show)
	for _, cm := range show["comments"].([]any) {
		if cm.(map[string]any)["visibility"] != "public" {
			t.Fatalf("R7: --as-viewer ann shows %v", cm)
		}
	}
	if len(show["comments"].([]any)) != 2 {
		t.Fatalf("--as-viewer ann: %v", show["comments"])
	}
	if code, _, _ := c.run("", "ticket", "show", "1", "--as-viewer", "eve@evil.example"); code != 1 {
		t.Fatalf("R5: a stranger's view of ticket 1: exit %d, want 1", code)
	}

	// All audited with the actor (S3).
	var audit []map[string]any
	mustJSON(t, c.ok("audit", "--json"), &audit)
	actions := []string{}
	for _, a := range audit {
		actions = append(actions, a["action"].(string))
	}
	for _, want := range []string{"ticket.reply", "ticket.note", "ticket.set"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("S3: %s not audited: %v", want, actions)
		}
	}
	b, _ := json.Marshal(audit[len(audit)-1])
	if !strings.Contains(string(b), "owner@help.example") {
		t.Errorf("audit entry lacks the actor: %s", b)
	}
}

// TestTeamsFromTheCommandLine: team commands (S4), routing by intake
// address (I10), staff --team, staff list, ticket list --team, ticket set
// --team, and quarantine show of unproven staff mail (I9).
func TestTeamsFromTheCommandLine(t *testing.T) {
	c := newCLI(t)
	c.ok("staff", "add", "owner@help.example", "--role", "owner")
	as := []string{"--as", "owner@help.example"}
	c.ok(append(as, "team", "add", "billing", "--name", "Billing", "--address", "billing@help.example")...)
	c.ok(append(as, "staff", "add", "sam@help.example", "--role", "agent", "--team", "billing")...)
	var staff []map[string]any
	mustJSON(t, c.ok("staff", "list", "--json"), &staff)
	if len(staff) != 2 || staff[1]["email"] != "sam@help.example" || len(staff[1]["teams"].([]any)) != 1 {
		t.Fatalf("staff list: %v", staff)
	}
	raw := "From: ann@acme.com\r\nTo: billing@help.example\r\nSubject: Invoice\r\nMessage-ID: <i1@acme.com>\r\n\r\nWrong amount.\r\n"
	if code, _, errs := c.run(raw, "ingest"); code != 0 {
		t.Fatal(errs)
	}
	var list []map[string]any
	mustJSON(t, c.ok("ticket", "list", "--team", "billing", "--json"), &list)
	if len(list) != 1 || list[0]["team"] != "billing" {
		t.Fatalf("I10: ticket list --team billing: %v", list)
	}
	c.ok(append(as, "ticket", "set", "1", "--team", "none")...)
	mustJSON(t, c.ok("ticket", "list", "--team", "none", "--json"), &list)
	if len(list) != 1 || list[0]["team"] != nil {
		t.Fatalf("ticket set --team none: %v", list)
	}
	// Unproven staff mail is held; quarantine show says why, with its text.
	forged := "From: sam@help.example\r\nTo: support@help.example\r\nSubject: Re: [#1] Invoice\r\n\r\n#status closed\r\nDone.\r\n"
	if code, _, errs := c.run(forged, "ingest"); code != 0 {
		t.Fatal(errs)
	}
	out := c.ok("quarantine", "show", "1")
	for _, want := range []string{"unproven staff sender", "I9", "From: sam@help.example", "Done."} {
		if !strings.Contains(out, want) {
			t.Errorf("quarantine show lacks %q:\n%s", want, out)
		}
	}
	c.ok(append(as, "team", "remove", "billing")...)
	mustJSON(t, c.ok("team", "list", "--json"), &list)
	if len(list) != 0 {
		t.Fatalf("team remove: %v", list)
	}
}

// TestTicketListLimit: ticket list --limit gives the first N tickets,
// oldest first, with and without a filter applied after reading (issue
// 20.2: it reads a page at a time and stops once it has N).
func TestTicketListLimit(t *testing.T) {
	c := newCLI(t)
	c.ok("staff", "add", "owner@help.example", "--role", "owner")
	for i := range 5 {
		raw := fmt.Sprintf("From: u%d@acme.com\r\nTo: support@help.example\r\nSubject: Ticket %d\r\nMessage-ID: <l%d@acme.com>\r\n\r\nHello.\r\n", i, i, i)
		if code, _, errs := c.run(raw, "ingest"); code != 0 {
			t.Fatal(errs)
		}
	}
	c.ok("--as", "owner@help.example", "ticket", "set", "2", "--assign", "owner@help.example")
	c.ok("--as", "owner@help.example", "ticket", "set", "4", "--assign", "owner@help.example")
	ids := func(args ...string) []float64 {
		var list []map[string]any
		mustJSON(t, c.ok(append([]string{"ticket", "list", "--json"}, args...)...), &list)
		out := []float64{}
		for _, x := range list {
			out = append(out, x["id"].(float64))
		}
		return out
	}
	for _, tc := range []struct {
		args []string
		want []float64
	}{
		{[]string{"--limit", "2"}, []float64{1, 2}},
		{[]string{"--limit", "9"}, []float64{1, 2, 3, 4, 5}},
		{[]string{"--assignee", "none", "--limit", "2"}, []float64{1, 3}},
		{[]string{"--assignee", "owner@help.example", "--limit", "1"}, []float64{2}},
	} {
		if got := ids(tc.args...); !slices.Equal(got, tc.want) {
			t.Errorf("ticket list %v: %v, want %v", tc.args, got, tc.want)
		}
	}
}
