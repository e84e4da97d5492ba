package main

import (
	"fmt"
	"slices"
	"testing"
)

// TestTicketListFiltersAndPages: ticket list --assignee (an address,
// none, or someone with no tickets or no account), --team, --limit with
// a filter, and --after paging through the list a page at a time, as a
// script walking 50,000 tickets would.
func TestTicketListFiltersAndPages(t *testing.T) {
	c := newCLI(t)
	c.ok("staff", "add", "owner@help.example", "--role", "owner")
	as := []string{"--as", "owner@help.example"}
	c.ok(append(as, "staff", "add", "sam@help.example", "--role", "agent")...)
	for i := 1; i <= 7; i++ {
		raw := fmt.Sprintf("From: ann@acme.com\r\nTo: support@help.example\r\nSubject: Question %d\r\nMessage-ID: <q%d@acme.com>\r\n\r\nHello.\r\n", i, i)
		if code, _, errs := c.run(raw, "ingest"); code != 0 {
			t.Fatal(errs)
		}
	}
	for _, id := range []string{"2", "3", "5"} {
		c.ok(append(as, "ticket", "set", id, "--assign", "sam@help.example")...)
	}
	ids := func(args ...string) []int {
		var list []map[string]any
		mustJSON(t, c.ok(append([]string{"ticket", "list", "--json"}, args...)...), &list)
		out := []int{}
		for _, v := range list {
			out = append(out, int(v["id"].(float64)))
		}
		return out
	}
	for _, tc := range []struct {
		args []string
		want []int
	}{
		{nil, []int{1, 2, 3, 4, 5, 6, 7}},
		{[]string{"--assignee", "SAM@help.example"}, []int{2, 3, 5}},
		{[]string{"--assignee", "none"}, []int{1, 4, 6, 7}},
		{[]string{"--assignee", "owner@help.example"}, []int{}},
		{[]string{"--assignee", "nobody@nowhere.example"}, []int{}},
		{[]string{"--team", "no-such-team"}, []int{}},
		{[]string{"--team", "none", "--assignee", "sam@help.example", "--limit", "2"}, []int{2, 3}},
		{[]string{"--assignee", "none", "--after", "4"}, []int{6, 7}},
		{[]string{"--limit", "3", "--after", "3"}, []int{4, 5, 6}},
	} {
		if got := ids(tc.args...); !slices.Equal(got, tc.want) {
			t.Errorf("ticket list %v = %v, want %v", tc.args, got, tc.want)
		}
	}
	// paging: each page starts after the last id of the one before
	var walked []int
	after := "0"
	for {
		page := ids("--limit", "3", "--after", after)
		if len(page) == 0 {
			break
		}
		walked = append(walked, page...)
		after = fmt.Sprint(page[len(page)-1])
	}
	if !slices.Equal(walked, []int{1, 2, 3, 4, 5, 6, 7}) {
		t.Errorf("pages of 3 walked %v", walked)
	}
}
