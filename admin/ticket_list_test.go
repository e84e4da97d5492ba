package admin_test

import (
	"testing"

	"github.com/helpdesk-gw/helpdesk/model"
)

// ticket list reads all its tickets at once (issue 20.2); each entry is
// still exactly ticket show's view of that ticket without its comments:
// organisation or none, assignee or none, CCs and followers in the order
// they were added, and follow-all members (N5) only as facts, not listed.
func TestTicketListEntriesAreTicketShowWithoutComments(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		annT, beaT := f.acme(model.OrgAccessView)
		f.user("pat@partner.net")
		f.user("cid@acme.com")
		none := f.ticket("pat@partner.net", "")
		f.cc(annT, "pat@partner.net", agent)
		f.cc(annT, "cid@acme.com", agent)
		f.cc(none, "ann@acme.com", owner)
		f.assign(beaT, agent)
		follow := true
		f.done(f.svc.MemberSet(f.ctx, as(owner), "cid@acme.com", "acme", model.MemberAccessOrg, &follow))

		list, err := f.svc.TicketList(f.ctx, "", "")
		f.ok(err)
		wantEqual(t, "listed tickets", len(list), 3)
		for _, v := range list {
			show, err := f.svc.TicketShow(f.ctx, v.ID)
			f.ok(err)
			show.Comments = nil
			wantEqual(t, "ticket list entry", decode(t, v), decode(t, show))
		}
		wantEqual(t, "ticket #annT's participants", len(list[0].Participants), 2)

		acme, err := f.svc.TicketList(f.ctx, "acme", "")
		f.ok(err)
		wantEqual(t, "acme's tickets", []int64{acme[0].ID, acme[1].ID}, []int64{annT, beaT})
		empty, err := f.svc.TicketList(f.ctx, "acme", model.StatusClosed)
		f.ok(err)
		if empty == nil || len(empty) != 0 {
			t.Errorf("an empty list is %#v, want an empty, non-nil list (JSON [])", empty)
		}
	})
}
