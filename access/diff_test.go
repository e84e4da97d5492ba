package access

import (
	"reflect"
	"testing"
)

func TestDiffGainsAndLosses(t *testing.T) {
	before := Snapshot{
		{"ann@acme.com", 1}: {View: true, Comment: true},
		{"bob@acme.com", 1}: {View: true},
		{"cid@acme.com", 2}: {View: true, Comment: true},
	}
	after := Snapshot{
		{"ann@acme.com", 1}: {View: true, Comment: true}, // unchanged
		{"bob@acme.com", 1}: {View: true, Comment: true}, // gains comment
		{"dan@acme.com", 2}: {View: true},                // gains view
		// cid loses view and comment on 2
	}
	im := Diff(before, after)
	wantGained := []Change{{"bob@acme.com", 1, "comment"}, {"dan@acme.com", 2, "view"}}
	wantLost := []Change{{"cid@acme.com", 2, "view"}, {"cid@acme.com", 2, "comment"}}
	if !reflect.DeepEqual(im.Gained, wantGained) {
		t.Errorf("gained %v, want %v", im.Gained, wantGained)
	}
	if !reflect.DeepEqual(im.Lost, wantLost) {
		t.Errorf("lost %v, want %v", im.Lost, wantLost)
	}
	if People(im.Gained) != 2 || Tickets(im.Gained) != 2 || People(im.Lost) != 1 || Tickets(im.Lost) != 1 {
		t.Errorf("counts: gained %d people on %d tickets, lost %d on %d",
			People(im.Gained), Tickets(im.Gained), People(im.Lost), Tickets(im.Lost))
	}
	if im := Diff(before, before); len(im.Gained)+len(im.Lost) != 0 {
		t.Errorf("no change reported %v", im)
	}
}
