package store_test

import (
	"testing"

	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// Schema 9 keeps the Message-IDs an older release recorded, ids included,
// and then accepts a received internal note's ('note', N6), which threads
// onto its ticket but is named in References only to its author.
func TestMigration9_N6_KeepsMessageIDsAndAcceptsNotes(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		t.Parallel()
		url := storetest.URL(t, b)
		old, err := store.OpenAtVersion(ctx, url, 8)
		must(t, err)
		u := oldUser(t, old, "ann@acme.com")
		tk := oldTicket(t, old, u.ID)
		_, err = old.RecordMessageID(ctx, tk.ID, "first@acme.com", store.Inbound, "ann@acme.com", 0)
		must(t, err)
		if _, err := old.RecordMessageID(ctx, tk.ID, "note@help.example", store.InboundNote, "sam@help.example", 0); err == nil {
			t.Fatal("schema 8 accepted a 'note' direction; the test would prove nothing")
		}
		must(t, old.Close())

		s := storetest.OpenURL(t, url, store.Options{})
		_, err = s.RecordMessageID(ctx, tk.ID, "note@help.example", store.InboundNote, "sam@help.example", 0)
		must(t, err)
		if id, err := s.TicketByMessageIDs(ctx, []string{"note@help.example"}); err != nil || id != tk.ID {
			t.Errorf("I1: a note's Message-ID threads to ticket %d, %v; want %d", id, err, tk.ID)
		}
		for who, want := range map[string][]string{
			"ann@acme.com":     {"first@acme.com"},
			"sam@help.example": {"first@acme.com", "note@help.example"},
		} {
			got, err := s.TicketMessageIDsFor(ctx, tk.ID, who)
			must(t, err)
			if len(got) != len(want) || got[0] != want[0] || got[len(got)-1] != want[len(want)-1] {
				t.Errorf("N6: Message-IDs named to %s: %v, want %v", who, got, want)
			}
		}
	})
}
