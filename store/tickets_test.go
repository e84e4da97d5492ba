package store_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

func TestTickets(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		acme := model.Organisation{Slug: "acme"}
		must(t, s.CreateOrg(ctx, &acme))
		ann, sam := mustUser(t, s, "ann@acme.com"), mustUser(t, s, "sam@support.example")

		tk := model.Ticket{Subject: "Printer", RequesterID: ann.ID}
		must(t, s.CreateTicket(ctx, &tk))
		got, err := s.TicketByID(ctx, tk.ID)
		must(t, err)
		if got.Status != model.StatusOpen || got.Priority != model.PriorityNormal || got.Type != model.TypeQuestion ||
			got.OrgID != 0 || got.AssigneeID != 0 || got.RequesterID != ann.ID || got.Subject != "Printer" {
			t.Fatalf("read back %+v: want defaults, no org, no assignee", got)
		}
		sameTime(t, "updated_at", got.UpdatedAt, got.CreatedAt)

		got.OrgID, got.AssigneeID, got.Status, got.Priority = acme.ID, sam.ID, model.StatusPending, model.PriorityHigh
		must(t, s.UpdateTicket(ctx, &got))
		again, err := s.TicketByID(ctx, tk.ID)
		must(t, err)
		if again.OrgID != acme.ID || again.AssigneeID != sam.ID || again.Status != model.StatusPending ||
			again.Priority != model.PriorityHigh || !again.UpdatedAt.After(again.CreatedAt) {
			t.Errorf("update not stored: %+v", again)
		}

		other := mustTicket(t, s, ann.ID)
		for _, c := range []struct {
			f    store.TicketFilter
			want []int64
		}{
			{store.TicketFilter{}, []int64{tk.ID, other.ID}},
			{store.TicketFilter{OrgID: acme.ID}, []int64{tk.ID}},
			{store.TicketFilter{Status: model.StatusOpen}, []int64{other.ID}},
			{store.TicketFilter{AssigneeID: sam.ID, Status: model.StatusPending}, []int64{tk.ID}},
			{store.TicketFilter{Status: model.StatusClosed}, nil},
		} {
			list, err := s.ListTickets(ctx, c.f)
			must(t, err)
			if !sameIDs(ticketIDs(list), c.want) {
				t.Errorf("ListTickets(%+v) = %v, want %v", c.f, ticketIDs(list), c.want)
			}
		}
		_, err = s.TicketByID(ctx, 999)
		wantErr(t, err, store.ErrNotFound)
	})
}

func ticketIDs(ts []model.Ticket) []int64 {
	var ids []int64
	for _, t := range ts {
		ids = append(ids, t.ID)
	}
	return ids
}

func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParticipants(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		ann, bob, cat := mustUser(t, s, "ann@acme.com"), mustUser(t, s, "bob@partner.net"), mustUser(t, s, "cat@x.com")
		tk := mustTicket(t, s, ann.ID)
		for _, p := range []model.Participant{
			{TicketID: tk.ID, UserID: cat.ID, Role: model.ParticipantCC, AddedBy: ann.ID},
			{TicketID: tk.ID, UserID: bob.ID, Role: model.ParticipantCC},
			{TicketID: tk.ID, UserID: bob.ID, Role: model.ParticipantFollower},
		} {
			added, err := s.AddParticipant(ctx, p)
			must(t, err)
			if !added {
				t.Fatalf("AddParticipant(%+v) reported not added", p)
			}
		}
		added, err := s.AddParticipant(ctx, model.Participant{TicketID: tk.ID, UserID: bob.ID, Role: model.ParticipantCC})
		must(t, err)
		if added {
			t.Error("a CC already there was added again")
		}
		ps, err := s.Participants(ctx, tk.ID)
		must(t, err)
		if len(ps) != 3 || ps[0].UserID != cat.ID || ps[0].AddedBy != ann.ID || ps[1].AddedBy != 0 ||
			ps[2].Role != model.ParticipantFollower {
			t.Fatalf("Participants = %+v, want in order added", ps)
		}
		removed, err := s.RemoveParticipant(ctx, tk.ID, bob.ID, model.ParticipantCC)
		must(t, err)
		again, err := s.RemoveParticipant(ctx, tk.ID, bob.ID, model.ParticipantCC)
		must(t, err)
		if !removed || again {
			t.Errorf("remove = %v, then %v; want true, false", removed, again)
		}
		followed, err := s.TicketsOfParticipant(ctx, bob.ID, model.ParticipantFollower)
		must(t, err)
		if !sameIDs(followed, []int64{tk.ID}) {
			t.Errorf("TicketsOfParticipant = %v", followed)
		}
	})
}

func TestCommentsAndBlobs(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		ann := mustUser(t, s, "ann@acme.com")
		tk := mustTicket(t, s, ann.ID)
		raw := model.RawMessage{SHA256: "abc", Raw: []byte("From: ann@acme.com\r\n\r\nhi"), Mailbox: "stdin"}
		must(t, s.InsertRaw(ctx, &raw))
		pdf := []byte("%PDF-1.4 the same report")
		c := model.Comment{TicketID: tk.ID, AuthorID: ann.ID, Visibility: model.VisibilityPublic,
			Body: "see attached", FullBody: "see attached\n> quoted", HTML: "<p>see attached</p>", RawMessageID: raw.ID,
			Attachments: []model.Attachment{
				{Filename: "report.pdf", ContentType: "application/pdf", Content: pdf},
				{Filename: "copy.pdf", ContentType: "application/pdf", Content: pdf},
				{Filename: "logo.png", ContentType: "image/png", Content: []byte("png"), ContentID: "logo@x", Inline: true},
			}}
		must(t, s.AddComment(ctx, &c))
		if c.ID == 0 || c.Attachments[0].ID == 0 || c.Attachments[0].SHA256 != c.Attachments[1].SHA256 {
			t.Fatalf("IDs or hashes not set: %+v", c)
		}
		n, err := store.CountBlobs(ctx, s)
		must(t, err)
		if n != 2 {
			t.Errorf("%d blobs stored for two distinct contents", n)
		}
		note := model.Comment{TicketID: tk.ID, AuthorID: ann.ID, Visibility: model.VisibilityInternal, Body: "note",
			Attachments: []model.Attachment{{Filename: "again.pdf", Content: pdf}}}
		must(t, s.AddComment(ctx, &note))
		if n, _ := store.CountBlobs(ctx, s); n != 2 {
			t.Errorf("%d blobs after a third copy, want 2", n)
		}

		cs, err := s.Comments(ctx, tk.ID)
		must(t, err)
		if len(cs) != 2 || cs[0].ID != c.ID || cs[0].RawMessageID != raw.ID || cs[1].RawMessageID != 0 ||
			cs[0].FullBody != c.FullBody || cs[0].HTML != c.HTML || cs[1].Visibility != model.VisibilityInternal {
			t.Fatalf("Comments = %+v", cs)
		}
		a := cs[0].Attachments
		if len(a) != 3 || a[0].Filename != "report.pdf" || a[0].Size != int64(len(pdf)) || a[0].Content != nil ||
			!a[2].Inline || a[2].ContentID != "logo@x" || len(cs[1].Attachments) != 1 {
			t.Fatalf("attachments = %+v", a)
		}
		content, err := s.Blob(ctx, a[1].SHA256)
		must(t, err)
		if !bytes.Equal(content, pdf) {
			t.Errorf("Blob = %q", content)
		}
		_, err = s.Blob(ctx, "0000")
		wantErr(t, err, store.ErrNotFound)
		one, err := s.CommentByID(ctx, note.ID)
		must(t, err)
		if one.Body != "note" || len(one.Attachments) != 1 {
			t.Errorf("CommentByID = %+v", one)
		}

		for since, want := range map[time.Time]int{c.CreatedAt: 2, note.CreatedAt: 1, note.CreatedAt.Add(time.Second): 0} {
			n, err := s.CountCommentsBySince(ctx, tk.ID, ann.ID, since)
			must(t, err)
			if n != want {
				t.Errorf("CountCommentsBySince(%v) = %d, want %d", since, n, want)
			}
		}
	})
}

func TestEvents(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		ann := mustUser(t, s, "ann@acme.com")
		tk := mustTicket(t, s, ann.ID)
		e1 := model.Event{TicketID: tk.ID, ActorID: ann.ID, Kind: "cc_added", Detail: "bob@partner.net"}
		e2 := model.Event{TicketID: tk.ID, Kind: "bounce", Detail: "mailbox full"}
		must(t, s.AddEvent(ctx, &e1))
		must(t, s.AddEvent(ctx, &e2))
		es, err := s.Events(ctx, tk.ID)
		must(t, err)
		if len(es) != 2 || es[0].ID != e1.ID || es[0].ActorID != ann.ID || es[1].ActorID != 0 ||
			es[1].Detail != "mailbox full" {
			t.Fatalf("Events = %+v", es)
		}
		sameTime(t, "at", es[1].At, e2.At)
	})
}
