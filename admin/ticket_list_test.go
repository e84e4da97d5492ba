package admin_test

import (
	"reflect"
	"testing"

	"github.com/helpdesk-gw/helpdesk/admin"
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

// A page of ticket list (TicketListPage) is the part of the whole list
// after its keyset, at most its limit; the pages together are the list.
func TestTicketListPagesMakeTheList(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.acme(model.OrgAccessView)
		f.user("pat@partner.net")
		for range 3 {
			f.ticket("pat@partner.net", "")
		}
		all, err := f.svc.TicketList(f.ctx, "", "")
		f.ok(err)
		var paged []admin.TicketView
		after := int64(0)
		for {
			page, err := f.svc.TicketListPage(f.ctx, admin.TicketQuery{Limit: 2, After: after})
			f.ok(err)
			if len(page) == 0 {
				break
			}
			if len(page) > 2 {
				t.Fatalf("a page of %d tickets, limit 2", len(page))
			}
			paged = append(paged, page...)
			after = page[len(page)-1].ID
		}
		if len(all) < 4 || !reflect.DeepEqual(paged, all) {
			t.Fatalf("the pages hold %d tickets, the list %d (or they differ)", len(paged), len(all))
		}
		acme, err := f.svc.TicketListPage(f.ctx, admin.TicketQuery{Org: "acme", Limit: 1})
		f.ok(err)
		wantEqual(t, "acme's first page", len(acme), 1)
		_, err = f.svc.TicketListPage(f.ctx, admin.TicketQuery{Org: "nope"})
		if err == nil {
			t.Error("a page of an unknown organisation: no error")
		}
	})
}
