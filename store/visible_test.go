package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// A cursor survives a link: String and ParseTicketCursor are inverse, and
// text that is no cursor is an error.
func TestTicketCursorText(t *testing.T) {
	at := time.Date(2026, 12, 6, 9, 30, 0, 123456000, time.UTC)
	for _, c := range []store.TicketCursor{{}, {ID: 42}, {ID: 42, UpdatedAt: at}, {ID: 7, UpdatedAt: time.UnixMicro(0).UTC()}} {
		got, err := store.ParseTicketCursor(c.String())
		if err != nil || got.ID != c.ID || !got.UpdatedAt.Equal(c.UpdatedAt) {
			t.Errorf("%+v → %q → %+v, %v", c, c.String(), got, err)
		}
	}
	for _, bad := range []string{"x", "12.", ".12", "1.2.3", "-4", "9999999999999999999"} {
		if _, err := store.ParseTicketCursor(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if l := (store.TicketPage{Limit: 10000}).PageLimit(); l != store.MaxPageLimit {
		t.Errorf("limit 10000 → %d", l)
	}
}

// visibleIDs walks every page of the prefilter for viewer, two rows a page.
func visibleIDs(t *testing.T, s *store.Store, viewer int64, f store.VisibleFilter, order store.TicketOrder, desc bool) []int64 {
	t.Helper()
	var ids []int64
	p := store.TicketPage{Order: order, Desc: desc, Limit: 2}
	for {
		keys, err := s.VisibleTicketKeys(ctx, viewer, f, p)
		must(t, err)
		for _, k := range keys {
			ids = append(ids, k.ID)
		}
		if len(keys) < 2 {
			return ids
		}
		p.After = keys[len(keys)-1]
	}
}

// R1–R5 in SQL: staff see every ticket; others their own (R2), those they
// are CC on (R3, a follower is not), and those of an organisation where A1
// is view or comment or their A2 is org (R4); a viewer who is not a user
// sees nothing. Filters and both orders page by keyset.
func TestR1_R2_R3_R4_R5_VisibleTicketKeys(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		org := func(slug string, a model.OrgAccess) int64 {
			o := model.Organisation{Slug: slug, Access: a}
			must(t, s.CreateOrg(ctx, &o))
			return o.ID
		}
		own, view := org("own", model.OrgAccessOwn), org("view", model.OrgAccessView)
		ann, bob, cid := mustUser(t, s, "ann@x.com"), mustUser(t, s, "bob@x.com"), mustUser(t, s, "cid@x.com")
		agent := model.User{Email: "agent@help.example", StaffRole: model.RoleAgent}
		must(t, s.CreateUser(ctx, &agent))
		must(t, s.UpsertMembership(ctx, model.Membership{UserID: ann.ID, OrgID: own}))
		must(t, s.UpsertMembership(ctx, model.Membership{UserID: bob.ID, OrgID: own, Access: model.MemberAccessOrg}))
		must(t, s.UpsertMembership(ctx, model.Membership{UserID: cid.ID, OrgID: view}))
		ticket := func(subject string, orgID, requester int64, status model.Status) int64 {
			tk := model.Ticket{Subject: subject, OrgID: orgID, RequesterID: requester, Status: status}
			must(t, s.CreateTicket(ctx, &tk))
			return tk.ID
		}
		t1 := ticket("Printer on FIRE", own, ann.ID, model.StatusOpen)
		t2 := ticket("100% CPU", own, bob.ID, model.StatusPending)
		t3 := ticket("mail_box full", view, agent.ID, model.StatusOpen)
		t4 := ticket("mailxbox", 0, cid.ID, model.StatusClosed)
		for _, p := range []model.Participant{{TicketID: t4, UserID: ann.ID, Role: model.ParticipantCC},
			{TicketID: t3, UserID: bob.ID, Role: model.ParticipantFollower}} {
			_, err := s.AddParticipant(ctx, p)
			must(t, err)
		}
		tk, err := s.TicketByID(ctx, t1)
		must(t, err)
		must(t, s.UpdateTicket(ctx, &tk)) // t1 is now the last changed
		all := store.VisibleFilter{}
		for _, c := range []struct {
			name   string
			viewer int64
			f      store.VisibleFilter
			order  store.TicketOrder
			desc   bool
			want   []int64
		}{
			{"R1 staff", agent.ID, all, store.OrderByID, false, []int64{t1, t2, t3, t4}},
			{"R1 staff, newest first", agent.ID, all, store.OrderByID, true, []int64{t4, t3, t2, t1}},
			{"R1 staff, last changed first", agent.ID, all, store.OrderByUpdated, true, []int64{t1, t4, t3, t2}},
			{"R2 R3 own org", ann.ID, all, store.OrderByID, false, []int64{t1, t4}},
			{"R4 A2 org, R5 follower", bob.ID, all, store.OrderByUpdated, false, []int64{t2, t1}},
			{"R4 A1 view", cid.ID, all, store.OrderByID, false, []int64{t3, t4}},
			{"not a user", 987654, all, store.OrderByID, false, nil},
			{"subject ignores case", agent.ID, store.VisibleFilter{Subject: "fire"}, "", false, []int64{t1}},
			{"subject % is a character", agent.ID, store.VisibleFilter{Subject: "0%"}, "", false, []int64{t2}},
			{"subject _ is a character", agent.ID, store.VisibleFilter{Subject: "l_b"}, "", false, []int64{t3}},
			{"statuses", agent.ID, store.VisibleFilter{Statuses: []model.Status{model.StatusOpen, model.StatusClosed}}, "", false, []int64{t1, t3, t4}},
			{"organisation", bob.ID, store.VisibleFilter{OrgID: own}, "", false, []int64{t1, t2}},
			{"no organisation", ann.ID, store.VisibleFilter{OrgID: -1}, "", false, []int64{t4}},
		} {
			if got := visibleIDs(t, s, c.viewer, c.f, c.order, c.desc); !slices.Equal(got, c.want) {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
			}
		}
		if _, err := s.VisibleTicketKeys(ctx, agent.ID, all, store.TicketPage{Order: "subject"}); err == nil {
			t.Error("unknown order: no error")
		}
	})
}

// R7 in SQL: PublicOnly reads no internal note and no attachment of one;
// WithInternal reads what Comments reads.
func TestR7_CommentsInScope(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		u := mustUser(t, s, "ann@x.com")
		tk := mustTicket(t, s, u.ID)
		var ids []int64
		for i, v := range []model.Visibility{model.VisibilityPublic, model.VisibilityInternal, model.VisibilityPublic} {
			c := model.Comment{TicketID: tk.ID, AuthorID: u.ID, Visibility: v, Body: string(v),
				Attachments: []model.Attachment{{Filename: "f.txt", ContentType: "text/plain", Content: []byte{byte(i)}}}}
			must(t, s.AddComment(ctx, &c))
			ids = append(ids, c.ID)
		}
		public, err := s.CommentsInScope(ctx, tk.ID, store.PublicOnly)
		must(t, err)
		if len(public) != 2 || public[0].ID != ids[0] || public[1].ID != ids[2] {
			t.Fatalf("public comments %+v, want %d and %d", public, ids[0], ids[2])
		}
		for _, c := range public {
			if len(c.Attachments) != 1 || c.Attachments[0].CommentID != c.ID {
				t.Errorf("comment %d: attachments %+v", c.ID, c.Attachments)
			}
		}
		with, err := s.CommentsInScope(ctx, tk.ID, store.WithInternal)
		must(t, err)
		every, err := s.Comments(ctx, tk.ID)
		must(t, err)
		if len(with) != 3 || len(every) != 3 || with[1].ID != ids[1] || len(with[1].Attachments) != 1 {
			t.Errorf("with internal notes: %+v, want %+v", with, every)
		}
	})
}
