package main

import (
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/admin"
)

// TestListStreamPrintsWhatPrintJSONPrints: a list printed a record at a
// time (ticket list) is byte for byte the JSON of the whole list
// (cli.md: an indented array, [] for none, empty lists as []).
func TestListStreamPrintsWhatPrintJSONPrints(t *testing.T) {
	org := "acme"
	recs := []ticketJSON{
		{TicketView: admin.TicketView{ID: 1, Subject: `<b>"quoted"</b> & more`, Organisation: &org}},
		{TicketView: admin.TicketView{ID: 2, Subject: "ünïcode"}},
		{TicketView: admin.TicketView{ID: 3, Participants: []admin.ParticipantView{{Email: "a@b.example", Role: "cc"}}}},
	}
	for n := range len(recs) + 1 {
		var whole, streamed strings.Builder
		if err := (&env{g: global{json: true}, stdout: &whole}).printJSON(recs[:n]); err != nil {
			t.Fatal(err)
		}
		l := &listStream[ticketJSON]{e: &env{g: global{json: true}, stdout: &streamed}, lists: ticketJSON.withLists}
		for _, r := range recs[:n] {
			if err := l.add(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.end(); err != nil {
			t.Fatal(err)
		}
		if whole.String() != streamed.String() {
			t.Errorf("%d records:\nprintJSON:\n%s\nstreamed:\n%s", n, whole.String(), streamed.String())
		}
	}
}
