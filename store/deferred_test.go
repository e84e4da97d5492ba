package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// A deferred transaction reads back what it wrote before anything reached
// the database, and commits it all.
func TestDeferredWritesReadBackAndCommit(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		org := &model.Organisation{Slug: "acme", Name: "Acme"}
		must(t, s.CreateOrg(ctx, org))
		var ticketID int64
		must(t, s.InTx(ctx, func(tx *store.Tx) error {
			tx.Defer()
			must(t, tx.Prefetch(ctx, store.Prefetch{Messages: 2, Emails: []string{"ann@acme.com"}, MessageIDs: []string{"m1@acme.com"}}))
			_, err := tx.UserByEmail(ctx, "ann@acme.com")
			wantErr(t, err, store.ErrNotFound)
			ann := &model.User{Email: "Ann@Acme.com", Name: "Ann"}
			must(t, tx.CreateUser(ctx, ann))
			wantErr(t, tx.CreateUser(ctx, &model.User{Email: "ann@acme.com"}), store.ErrDuplicate)
			got, err := tx.UserByEmail(ctx, "ANN@acme.com")
			must(t, err)
			if got.ID != ann.ID || got.Email != "ann@acme.com" {
				t.Fatalf("user read back %+v, want %+v", got, ann)
			}
			must(t, tx.UpsertMembership(ctx, model.Membership{UserID: ann.ID, OrgID: org.ID, Access: model.MemberAccessOrg, FollowAll: true}))
			fa, err := tx.FollowAllMembersOfOrg(ctx, org.ID)
			must(t, err)
			if len(fa) != 1 || fa[0].UserID != ann.ID {
				t.Fatalf("follow-all members %+v", fa)
			}
			tk := &model.Ticket{Subject: "Printer", RequesterID: ann.ID}
			must(t, tx.CreateTicket(ctx, tk))
			ticketID = tk.ID
			added, err := tx.AddParticipant(ctx, model.Participant{TicketID: tk.ID, UserID: ann.ID, Role: model.ParticipantFollower})
			must(t, err)
			again, err := tx.AddParticipant(ctx, model.Participant{TicketID: tk.ID, UserID: ann.ID, Role: model.ParticipantFollower})
			must(t, err)
			if !added || again {
				t.Fatalf("AddParticipant: first %v, second %v; want true, false", added, again)
			}
			first, err := tx.RecordMessageID(ctx, tk.ID, "m1@acme.com", store.Inbound, "ann@acme.com", 0)
			must(t, err)
			second, err := tx.RecordMessageID(ctx, tk.ID, "m1@acme.com", store.Inbound, "ann@acme.com", 0)
			must(t, err)
			if !first || second {
				t.Fatalf("RecordMessageID: first %v, second %v; want true, false", first, second)
			}
			must(t, tx.RecordSentMessageID(ctx, tk.ID, "out1@help.example", "bob@acme.com", 0))
			if id, err := tx.TicketByMessageIDs(ctx, []string{"nope@x", "m1@acme.com"}); err != nil || id != tk.ID {
				t.Fatalf("TicketByMessageIDs = %d, %v", id, err)
			}
			ids, err := tx.TicketMessageIDsFor(ctx, tk.ID, "carl@acme.com")
			must(t, err)
			if !slices.Equal(ids, []string{"m1@acme.com"}) {
				t.Fatalf("Message-IDs for carl %v: another's notification named", ids)
			}
			ack := &model.OutboxMessage{TicketID: tk.ID, Kind: model.KindAck, To: "ann@acme.com", MessageID: "ack1@help.example"}
			must(t, tx.EnqueueOutbox(ctx, ack))
			if n, err := tx.CountAutomaticSince(ctx, "ann@acme.com", ack.CreatedAt.Add(-1)); err != nil || n != 1 {
				t.Fatalf("CountAutomaticSince = %d, %v; want 1", n, err)
			}
			// A method the caches do not answer sees the pending rows.
			users, err := tx.ListUsers(ctx)
			must(t, err)
			if !slices.ContainsFunc(users, func(u model.User) bool { return u.ID == ann.ID }) {
				t.Fatalf("ListUsers in the transaction lacks the deferred user: %+v", users)
			}
			return nil
		}))
		got, err := s.TicketByID(ctx, ticketID)
		must(t, err)
		ps, err := s.Participants(ctx, ticketID)
		must(t, err)
		ob, err := s.ListOutbox(ctx, store.OutboxFilter{TicketID: ticketID})
		must(t, err)
		ids, err := s.TicketMessageIDs(ctx, ticketID)
		must(t, err)
		if got.Subject != "Printer" || got.Status != model.StatusOpen || len(ps) != 1 || len(ob) != 1 ||
			!slices.Equal(ids, []string{"m1@acme.com", "out1@help.example"}) {
			t.Fatalf("committed: ticket %+v, participants %+v, outbox %d rows, message ids %v", got, ps, len(ob), ids)
		}
	})
}

// Nothing of a deferred transaction that fails is written.
func TestDeferredRollbackWritesNothing(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		boom := errors.New("boom")
		err := s.InTx(ctx, func(tx *store.Tx) error {
			tx.Defer()
			u := &model.User{Email: "ann@acme.com"}
			must(t, tx.CreateUser(ctx, u))
			must(t, tx.CreateTicket(ctx, &model.Ticket{Subject: "x", RequesterID: u.ID}))
			return boom
		})
		wantErr(t, err, boom)
		_, err = s.UserByEmail(ctx, "ann@acme.com")
		wantErr(t, err, store.ErrNotFound)
	})
}

// A write the transaction makes directly (not deferred) is seen by the
// cached reads that follow, and ids stay distinct around it.
func TestDeferredDirectWriteSeenByCachedReads(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		must(t, s.InTx(ctx, func(tx *store.Tx) error {
			tx.Defer()
			ann := &model.User{Email: "ann@acme.com"}
			must(t, tx.CreateUser(ctx, ann))
			if u, err := tx.UserByEmail(ctx, "ann@acme.com"); err != nil || u.Bouncing {
				t.Fatalf("before: %+v, %v", u, err)
			}
			must(t, tx.SetBouncing(ctx, "ann@acme.com", true)) // not deferred
			if u, err := tx.UserByEmail(ctx, "ann@acme.com"); err != nil || !u.Bouncing {
				t.Fatalf("after SetBouncing the cached user says %+v, %v", u, err)
			}
			tk := &model.Ticket{Subject: "x", RequesterID: ann.ID}
			must(t, tx.CreateTicket(ctx, tk))
			c1 := &model.Comment{TicketID: tk.ID, AuthorID: ann.ID, Visibility: model.VisibilityPublic, Body: "deferred"}
			must(t, tx.AddComment(ctx, c1))
			c2 := &model.Comment{TicketID: tk.ID, AuthorID: ann.ID, Visibility: model.VisibilityPublic, Body: "with an attachment",
				Attachments: []model.Attachment{{Filename: "a.txt", ContentType: "text/plain", Content: []byte("hi")}}}
			must(t, tx.AddComment(ctx, c2))
			c3 := &model.Comment{TicketID: tk.ID, AuthorID: ann.ID, Visibility: model.VisibilityPublic, Body: "deferred again"}
			must(t, tx.AddComment(ctx, c3))
			if c1.ID == c2.ID || c2.ID == c3.ID || c1.ID == c3.ID {
				t.Fatalf("comment ids %d, %d, %d", c1.ID, c2.ID, c3.ID)
			}
			return nil
		}))
		tks, err := s.ListTickets(ctx, store.TicketFilter{})
		must(t, err)
		cs, err := s.Comments(ctx, tks[0].ID)
		must(t, err)
		if len(cs) != 3 || len(cs[1].Attachments) != 1 {
			t.Fatalf("comments %+v", cs)
		}
	})
}

// A deferred row that clashes with one in the database fails the commit
// (ErrDuplicate), and nothing of the transaction is written.
func TestDeferredClashFailsCommit(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		must(t, s.RecordSentMessageID(ctx, 0, "x@help.example", "ann@acme.com", 0))
		err := s.InTx(ctx, func(tx *store.Tx) error {
			tx.Defer()
			must(t, tx.CreateUser(ctx, &model.User{Email: "bob@acme.com"}))
			return tx.RecordSentMessageID(ctx, 0, "x@help.example", "ann@acme.com", 0)
		})
		wantErr(t, err, store.ErrDuplicate)
		_, err = s.UserByEmail(ctx, "bob@acme.com")
		wantErr(t, err, store.ErrNotFound)
	})
}

// Rows written by a Flush in the middle of the transaction are in it like
// the others: reads after it see them, rows that refer to them are written
// after them, and the commit keeps them all.
func TestDeferredFlushKeepsOrderAndCommits(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		var ticketID int64
		must(t, s.InTx(ctx, func(tx *store.Tx) error {
			tx.Defer()
			ann := &model.User{Email: "ann@acme.com", Name: "Ann"}
			must(t, tx.CreateUser(ctx, ann))
			tk := &model.Ticket{Subject: "Printer", RequesterID: ann.ID}
			must(t, tx.CreateTicket(ctx, tk))
			ticketID = tk.ID
			must(t, tx.Flush(ctx)) // the user and the ticket go before the comments are made
			for i := range 3 {
				must(t, tx.AddComment(ctx, &model.Comment{TicketID: tk.ID, AuthorID: ann.ID, Visibility: model.VisibilityPublic,
					Body: fmt.Sprint("comment ", i)}))
				must(t, tx.Flush(ctx))
			}
			n, err := tx.CountCommentsBySince(ctx, tk.ID, ann.ID, t0.Add(-time.Hour))
			must(t, err)
			if n != 3 {
				t.Fatalf("CountCommentsBySince inside the transaction = %d, want 3", n)
			}
			got, err := tx.UserByEmail(ctx, "ann@acme.com")
			must(t, err)
			if got.ID != ann.ID {
				t.Fatalf("user read back %+v", got)
			}
			return nil
		}))
		cs, err := s.Comments(ctx, ticketID)
		must(t, err)
		if len(cs) != 3 || cs[2].Body != "comment 2" {
			t.Fatalf("comments after commit %+v", cs)
		}
	})
}

// A Flush that fails reports its error and fails the transaction, even
// when the caller goes on, and nothing of the transaction is written.
func TestDeferredFlushFailureFailsCommit(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		must(t, s.RecordSentMessageID(ctx, 0, "x@help.example", "ann@acme.com", 0))
		err := s.InTx(ctx, func(tx *store.Tx) error {
			tx.Defer()
			must(t, tx.CreateUser(ctx, &model.User{Email: "bob@acme.com"}))
			must(t, tx.RecordSentMessageID(ctx, 0, "x@help.example", "ann@acme.com", 0))
			wantErr(t, tx.Flush(ctx), store.ErrDuplicate)
			_ = tx.CreateUser(ctx, &model.User{Email: "carl@acme.com"}) // deferred: no error here
			return nil
		})
		wantErr(t, err, store.ErrDuplicate)
		for _, e := range []string{"bob@acme.com", "carl@acme.com"} {
			_, err = s.UserByEmail(ctx, e)
			wantErr(t, err, store.ErrNotFound)
		}
	})
}

// Prefetch loads the tickets a batch's Message-IDs name, with what the
// rules read about them (participants, users, message ids, recent
// comments): the answers equal the database's, and later writes of the
// transaction are counted in.
func TestDeferredPrefetchNamedTickets(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		ann := &model.User{Email: "ann@acme.com"}
		bob := &model.User{Email: "bob@acme.com"}
		must(t, s.CreateUser(ctx, ann))
		must(t, s.CreateUser(ctx, bob))
		tk := &model.Ticket{Subject: "Printer", RequesterID: ann.ID}
		must(t, s.CreateTicket(ctx, tk))
		_, err := s.AddParticipant(ctx, model.Participant{TicketID: tk.ID, UserID: bob.ID, Role: model.ParticipantCC})
		must(t, err)
		_, err = s.RecordMessageID(ctx, tk.ID, "m1@acme.com", store.Inbound, "ann@acme.com", 0)
		must(t, err)
		must(t, s.AddComment(ctx, &model.Comment{TicketID: tk.ID, AuthorID: ann.ID, Visibility: model.VisibilityPublic, Body: "one"}))
		must(t, s.AddComment(ctx, &model.Comment{TicketID: tk.ID, AuthorID: bob.ID, Visibility: model.VisibilityPublic, Body: "two"}))
		must(t, s.InTx(ctx, func(tx *store.Tx) error {
			tx.Defer()
			must(t, tx.Prefetch(ctx, store.Prefetch{Messages: 1, MessageIDs: []string{"m1@acme.com"},
				CommentsSince: t0.Add(-10 * time.Minute)}))
			got, err := tx.TicketByID(ctx, tk.ID)
			must(t, err)
			if got.Subject != "Printer" || got.RequesterID != ann.ID {
				t.Fatalf("ticket %+v", got)
			}
			ps, err := tx.Participants(ctx, tk.ID)
			must(t, err)
			if len(ps) != 1 || ps[0].UserID != bob.ID {
				t.Fatalf("participants %+v", ps)
			}
			ids, err := tx.TicketMessageIDsFor(ctx, tk.ID, "bob@acme.com")
			must(t, err)
			if !slices.Equal(ids, []string{"m1@acme.com"}) {
				t.Fatalf("message ids %v", ids)
			}
			must(t, tx.AddComment(ctx, &model.Comment{TicketID: tk.ID, AuthorID: ann.ID, Visibility: model.VisibilityPublic, Body: "three"}))
			for _, c := range []struct {
				author int64
				since  time.Time
				want   int
			}{
				{ann.ID, t0.Add(-5 * time.Minute), 2},
				{bob.ID, t0.Add(-5 * time.Minute), 1},
				{ann.ID, t0.Add(time.Hour), 0},  // after all of them
				{ann.ID, t0.Add(-time.Hour), 2}, // before the horizon: read again
			} {
				n, err := tx.CountCommentsBySince(ctx, tk.ID, c.author, c.since)
				must(t, err)
				if n != c.want {
					t.Errorf("CountCommentsBySince(user %d, %v) = %d, want %d", c.author, c.since, n, c.want)
				}
			}
			return nil
		}))
	})
}

// The reads a message's notifications make (the staff, the teams, an
// organisation's memberships and those following all of it, the
// notification a reply answers) are
// answered by a deferred transaction from what the database held and what
// it wrote since, as a plain transaction would answer them (issue 20:
// each used to flush the batch's pending rows).
func TestDeferredStaffTeamsMembersAndOutboundAgreeWithPlain(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		org := &model.Organisation{Slug: "acme", Name: "Acme"}
		must(t, s.CreateOrg(ctx, org))
		olivia := &model.User{Email: "olivia@help.example", StaffRole: model.RoleOwner}
		must(t, s.CreateUser(ctx, olivia))
		ann := &model.User{Email: "ann@acme.com"}
		must(t, s.CreateUser(ctx, ann))
		must(t, s.UpsertMembership(ctx, model.Membership{UserID: ann.ID, OrgID: org.ID}))
		must(t, s.CreateTeam(ctx, &model.Team{Slug: "billing", Name: "Billing", Members: []int64{olivia.ID}}))
		tk := &model.Ticket{Subject: "Printer", RequesterID: ann.ID, OrgID: org.ID}
		must(t, s.CreateTicket(ctx, tk))
		// What each read says, by address rather than id: a deferred
		// transaction takes ids from the sequences in blocks.
		type seen struct{ staff, teams, members, out []string }
		read := func(tx *store.Tx) seen {
			var v seen
			email := func(id int64) string {
				u, err := tx.UserByID(ctx, id)
				must(t, err)
				return u.Email
			}
			staff, err := tx.ListStaff(ctx)
			must(t, err)
			for _, u := range staff {
				v.staff = append(v.staff, fmt.Sprintf("%s %s %s", u.Email, u.StaffRole, u.Notify.Or()))
			}
			teams, err := tx.ListTeams(ctx)
			must(t, err)
			for _, tm := range teams {
				v.teams = append(v.teams, fmt.Sprintf("%s %v %v", tm.Slug, len(tm.Members), tm.Addresses))
			}
			members, err := tx.MembershipsOfOrg(ctx, org.ID)
			must(t, err)
			for _, m := range members {
				v.members = append(v.members, fmt.Sprintf("%s %s %v", email(m.UserID), m.Access, m.FollowAll))
			}
			follow, err := tx.FollowAllMembersOfOrg(ctx, org.ID)
			must(t, err)
			for _, m := range follow {
				v.members = append(v.members, "follows all: "+email(m.UserID))
			}
			ticket, to, outbox, err := tx.OutboundByMessageID(ctx, "n1@help.example")
			must(t, err)
			v.out = []string{fmt.Sprint(ticket == tk.ID), to, fmt.Sprint(outbox)}
			return v
		}
		var got [2]seen
		for i, deferred := range []bool{false, true} {
			err := s.InTx(ctx, func(tx *store.Tx) error {
				if deferred {
					tx.Defer()
				}
				_, _ = tx.ListStaff(ctx) // cached before the writes below
				_, _ = tx.MembershipsOfOrg(ctx, org.ID)
				_, _, _, err := tx.OutboundByMessageID(ctx, "n1@help.example")
				wantErr(t, err, store.ErrNotFound)
				sam := &model.User{Email: "sam@help.example", StaffRole: model.RoleAgent}
				must(t, tx.CreateUser(ctx, sam))
				bea := &model.User{Email: "bea@acme.com"}
				must(t, tx.CreateUser(ctx, bea))
				must(t, tx.UpsertMembership(ctx, model.Membership{UserID: bea.ID, OrgID: org.ID, Access: model.MemberAccessOrg}))
				must(t, tx.UpsertMembership(ctx, model.Membership{UserID: ann.ID, OrgID: org.ID, FollowAll: true, Access: model.MemberAccessOrg}))
				must(t, tx.RecordSentMessageID(ctx, tk.ID, "n1@help.example", "ann@acme.com", 0))
				got[i] = read(tx)
				return errors.New("roll back")
			})
			if err == nil || err.Error() != "roll back" {
				t.Fatal(err)
			}
		}
		if fmt.Sprintf("%+v", got[0]) != fmt.Sprintf("%+v", got[1]) {
			t.Fatalf("deferred reads\n%+v\nplain\n%+v", got[1], got[0])
		}
		if len(got[1].staff) != 2 || len(got[1].members) != 3 || got[1].out[0] != "true" {
			t.Fatalf("reads %+v: want 2 staff, 2 members (one following all), the ticket's notification", got[1])
		}
	})
}

// A deferred transaction's rows are written by statements of a power of
// two rows each, prepared once on PostgreSQL: a second batch of the same
// size prepares nothing more, and every row lands, in order, on both
// databases.
func TestDeferredBatchesReusePreparedStatements(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		ann := &model.User{Email: "ann@acme.com", Name: "Ann"}
		must(t, s.CreateUser(ctx, ann))
		tk := &model.Ticket{Subject: "Printer", RequesterID: ann.ID}
		must(t, s.CreateTicket(ctx, tk))
		batch := func(from int) {
			must(t, s.InTx(ctx, func(tx *store.Tx) error {
				tx.Defer()
				for i := range 37 { // 32 + 4 + 1 rows
					must(t, tx.AddComment(ctx, &model.Comment{TicketID: tk.ID, AuthorID: ann.ID,
						Visibility: model.VisibilityPublic, Body: fmt.Sprint("comment ", from+i)}))
				}
				return nil
			}))
		}
		batch(0)
		prepared := store.PreparedStatements(s)
		if s.Backend() == store.Postgres && prepared < 3 {
			t.Errorf("%d statements prepared after a batch of 37 comments, want one for each of 32, 4 and 1 rows", prepared)
		}
		batch(37)
		if n := store.PreparedStatements(s); n != prepared {
			t.Errorf("%d statements prepared after a second batch of the same size, want %d (reused)", n, prepared)
		}
		cs, err := s.Comments(ctx, tk.ID)
		must(t, err)
		if len(cs) != 74 {
			t.Fatalf("%d comments after two batches of 37, want 74", len(cs))
		}
		for i, c := range cs {
			if want := fmt.Sprint("comment ", i); c.Body != want {
				t.Fatalf("comment %d is %q, want %q", i, c.Body, want)
			}
		}
	})
}

// A batch's lookups run without parallel workers on PostgreSQL, and only
// its own: the next transaction has the server's setting back.
func TestDeferredBatchReadsWithoutParallelWorkers(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t, store.Postgres)
	setting := func(tx *store.Tx) string {
		v, err := store.TxSetting(ctx, tx, "max_parallel_workers_per_gather")
		must(t, err)
		return v
	}
	must(t, s.InTx(ctx, func(tx *store.Tx) error {
		tx.Defer()
		must(t, tx.Prefetch(ctx, store.Prefetch{Messages: 1, Hashes: []string{"00"}}))
		if v := setting(tx); v != "0" {
			t.Errorf("max_parallel_workers_per_gather in a batch = %s, want 0", v)
		}
		return nil
	}))
	must(t, s.InTx(ctx, func(tx *store.Tx) error {
		if v := setting(tx); v == "0" {
			t.Errorf("max_parallel_workers_per_gather after the batch = 0, want the server's own")
		}
		return nil
	}))
}

// A batch on a pool of one connection completes: the statements it would
// prepare wait for a free connection in the background, and the batch
// runs them unprepared meanwhile (preparing them first would wait for a
// second connection while the transaction holds the only one). The next
// batch uses them prepared.
func TestDeferredBatchOnOneConnectionDoesNotWaitToPrepare(t *testing.T) {
	t.Parallel()
	s := storetest.OpenWith(t, store.Postgres, store.Options{MaxOpenConns: 1})
	ann := &model.User{Email: "ann@acme.com", Name: "Ann"}
	must(t, s.CreateUser(ctx, ann))
	tk := &model.Ticket{Subject: "Printer", RequesterID: ann.ID}
	must(t, s.CreateTicket(ctx, tk))
	batch := func() {
		tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		must(t, s.InTx(tctx, func(tx *store.Tx) error {
			tx.Defer()
			for range 5 {
				if err := tx.AddComment(tctx, &model.Comment{TicketID: tk.ID, AuthorID: ann.ID,
					Visibility: model.VisibilityPublic, Body: "hello"}); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	batch()
	if n := store.PreparedStatements(s); n == 0 {
		t.Fatal("nothing prepared after the first batch")
	}
	batch()
	cs, err := s.Comments(ctx, tk.ID)
	must(t, err)
	if len(cs) != 10 {
		t.Fatalf("%d comments after two batches of 5, want 10", len(cs))
	}
}

// A store closed while statements are being prepared in the background
// closes cleanly: the preparations stop, and none is left behind.
func TestStoreClosesWhilePreparing(t *testing.T) {
	t.Parallel()
	url := storetest.URL(t, store.Postgres)
	for i := range 5 {
		s, err := store.Open(ctx, url, store.Options{})
		must(t, err)
		ann := &model.User{Email: fmt.Sprintf("ann%d@acme.com", i), Name: "Ann"}
		must(t, s.CreateUser(ctx, ann))
		tk := &model.Ticket{Subject: "Printer", RequesterID: ann.ID}
		must(t, s.CreateTicket(ctx, tk))
		must(t, s.InTx(ctx, func(tx *store.Tx) error {
			tx.Defer()
			for j := range 37 {
				must(t, tx.AddComment(ctx, &model.Comment{TicketID: tk.ID, AuthorID: ann.ID,
					Visibility: model.VisibilityPublic, Body: fmt.Sprint("comment ", j)}))
				must(t, tx.AddEvent(ctx, &model.Event{TicketID: tk.ID, ActorID: ann.ID, Kind: model.EventStatus, Detail: "open"}))
			}
			return nil
		}))
		must(t, s.Close())
	}
}
