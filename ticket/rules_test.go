package ticket_test

import (
	"errors"
	"testing"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
	"github.com/helpdesk-gw/helpdesk/ticket"
)

// as runs fn as email (proven or not) on ticket 1 in one transaction that
// is rolled back, and returns fn's error.
func (w *world) as(email string, proven bool, fn func(a *ticket.Act, v *access.TicketView) error) error {
	w.t.Helper()
	errRollback := errors.New("roll back")
	var got error
	err := w.st.InTx(w.ctx, func(tx *store.Tx) error {
		facts := access.NewFacts(tx)
		p, u, err := facts.Person(w.ctx, email)
		if err != nil {
			return err
		}
		a := w.p.Acts().Begin(tx, facts, w.now, ticket.Actor{User: u, Person: p, Proven: proven, Channel: ticket.ChannelWeb}, nil)
		v, err := a.Open(w.ctx, 1)
		if err != nil {
			return err
		}
		got = fn(a, v)
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		w.t.Fatal(err)
	}
	return got
}

func wantRefused(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, ticket.ErrRefused) {
		t.Errorf("%s: got %v, want a refusal", what, err)
	}
}

// TestActsCheckTheRules: whatever the channel, the acts themselves refuse
// what the rule book refuses.
func TestActsCheckTheRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		// R7: only staff write internal notes.
		wantRefused(t, w.as("ann@acme.com", true, func(a *ticket.Act, v *access.TicketView) error {
			return a.AddComment(w.ctx, v, &model.Comment{Visibility: model.VisibilityInternal, Body: "x"})
		}), "R7 note by the requester")
		// R5: nobody else comments.
		wantRefused(t, w.as("eve@evil.example", true, func(a *ticket.Act, v *access.TicketView) error {
			return a.AddComment(w.ctx, v, &model.Comment{Visibility: model.VisibilityPublic, Body: "x"})
		}), "R5 comment by a stranger")
		// I8: only staff change the status; S1: only staff are assignees.
		wantRefused(t, w.as("ann@acme.com", true, func(a *ticket.Act, v *access.TicketView) error {
			return a.Set(w.ctx, v, ticket.Change{Status: model.StatusClosed})
		}), "I8 status by the requester")
		wantRefused(t, w.as("sam@help.example", true, func(a *ticket.Act, v *access.TicketView) error {
			return a.Set(w.ctx, v, ticket.Change{Assign: "ann@acme.com"})
		}), "S1 assigning an end-user")
		// I3, P3: the requester moves the ticket only when proven.
		wantRefused(t, w.as("ann@acme.com", false, func(a *ticket.Act, v *access.TicketView) error {
			return a.Set(w.ctx, v, ticket.Change{Org: "acme-eu"})
		}), "P3 #org by an unproven requester")
		if err := w.as("ann@acme.com", true, func(a *ticket.Act, v *access.TicketView) error {
			if err := a.Set(w.ctx, v, ticket.Change{Org: "acme-eu"}); err != nil {
				return err
			}
			if v.Ticket.OrgID == 0 || !contains(a.Rules, "I3") {
				t.Errorf("I3: org %d rules %v", v.Ticket.OrgID, a.Rules)
			}
			return nil
		}); err != nil {
			t.Errorf("I3 #org by the proven requester: %v", err)
		}
		// C5: only staff add CCs by command; N5: following needs proof.
		wantRefused(t, w.as("carl@cc.example", true, func(a *ticket.Act, v *access.TicketView) error {
			_, _, err := a.ChangeCCs(w.ctx, v, []string{"x@acme.com"}, nil)
			return err
		}), "C5 #cc by a CC")
		wantRefused(t, w.as("carl@cc.example", false, func(a *ticket.Act, v *access.TicketView) error {
			return a.Follow(w.ctx, v)
		}), "N5 following unproven")
		// C3: the helpdesk's own address never becomes a CC, even by staff.
		if err := w.as("sam@help.example", true, func(a *ticket.Act, v *access.TicketView) error {
			joined, refused, err := a.ChangeCCs(w.ctx, v, []string{"support+x@help.example"}, nil)
			if len(joined) != 0 || len(refused) != 1 || refused[0].Rule != "C3" {
				t.Errorf("C3: joined %v refused %v", joined, refused)
			}
			return err
		}); err != nil {
			t.Error(err)
		}
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
