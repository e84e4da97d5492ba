package store_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// TestDeferredRandomOperationsAgreeWithPlain runs the same random
// operations (new users, memberships upserted, tickets opened and
// updated, participants, comments, events, notifications, Message-IDs,
// raw messages and their outcomes, with reads between them: cached ones
// and ones that reach the database) in a deferred and in a plain
// transaction, on both stores: every read must give the same answer and
// the committed databases must hold the same rows. Rows are named by what
// the operations gave them (addresses, subjects, bodies), not by id: a
// deferred transaction takes ids from the sequences in blocks.
func TestDeferredRandomOperationsAgreeWithPlain(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			forEach(t, func(t *testing.T, s *store.Store) {
				var got [2][]string
				for mode, deferred := range []bool{false, true} {
					got[mode] = randomOperations(t, s, seed, deferred)
				}
				if !slices.Equal(got[0], got[1]) {
					for i := range min(len(got[0]), len(got[1])) {
						if got[0][i] != got[1][i] {
							t.Fatalf("seed %d: first difference at line %d:\nplain:    %s\ndeferred: %s", seed, i+1, got[0][i], got[1][i])
						}
					}
					t.Fatalf("seed %d: plain gave %d lines, deferred %d", seed, len(got[0]), len(got[1]))
				}
			})
		})
	}
}

// randomOperations runs seed's operations on a fresh organisation of s,
// in one transaction, and returns what its reads said and what the
// database holds of it after the commit.
func randomOperations(t *testing.T, s *store.Store, seed uint64, deferred bool) []string {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 99))
	mode := map[bool]string{false: "p", true: "d"}[deferred]
	slug := fmt.Sprintf("r%d%s", seed, mode)
	org := &model.Organisation{Slug: slug, Name: slug}
	must(t, s.CreateOrg(ctx, org))
	// two users and a ticket written before the transaction
	var emails []string
	email := func(i int) string { return fmt.Sprintf("u%d@%s.example", i, slug) }
	byEmail := map[string]int64{}
	for i := range 2 {
		u := mustUser(t, s, email(i))
		byEmail[u.Email] = u.ID
		emails = append(emails, u.Email)
	}
	old := &model.Ticket{Subject: "old", RequesterID: byEmail[emails[0]], OrgID: org.ID}
	must(t, s.CreateTicket(ctx, old))
	subjects := map[int64]string{old.ID: "old"}
	var tickets []int64
	tickets = append(tickets, old.ID)
	names := func(id int64) string { // a user's address by id
		for e, i := range byEmail {
			if i == id {
				return e
			}
		}
		return fmt.Sprintf("user?%d", id)
	}
	var out []string
	say := func(format string, a ...any) { // each mode has its own organisation and users
		out = append(out, strings.ReplaceAll(fmt.Sprintf(format, a...), slug, "org"))
	}
	var raws []int64
	err := s.InTx(ctx, func(tx *store.Tx) error {
		if deferred {
			tx.Defer()
		}
		for step := range 80 {
			pickUser := func() int64 { return byEmail[emails[r.IntN(len(emails))]] }
			pickTicket := func() int64 { return tickets[r.IntN(len(tickets))] }
			switch k := r.IntN(16); k {
			case 0: // a new user
				u := &model.User{Email: email(len(emails)), Name: fmt.Sprint("n", step)}
				must(t, tx.CreateUser(ctx, u))
				byEmail[u.Email] = u.ID
				emails = append(emails, u.Email)
			case 1: // a membership, new or changed
				a := []model.MemberAccess{model.MemberAccessOwn, model.MemberAccessOrg}[r.IntN(2)]
				must(t, tx.UpsertMembership(ctx, model.Membership{UserID: pickUser(), OrgID: org.ID, Access: a,
					FollowAll: r.IntN(2) == 0, Source: model.SourceAdmin}))
			case 2: // a new ticket
				tk := &model.Ticket{Subject: fmt.Sprint("t", step), RequesterID: pickUser(), OrgID: org.ID}
				must(t, tx.CreateTicket(ctx, tk))
				subjects[tk.ID] = tk.Subject
				tickets = append(tickets, tk.ID)
			case 3, 4: // a ticket read and updated, as a reply does
				tk, err := tx.TicketByID(ctx, pickTicket())
				must(t, err)
				tk.Status = []model.Status{model.StatusOpen, model.StatusPending, model.StatusSolved}[r.IntN(3)]
				if r.IntN(2) == 0 {
					tk.AssigneeID = pickUser()
				}
				must(t, tx.UpdateTicket(ctx, &tk))
			case 5:
				added, err := tx.AddParticipant(ctx, model.Participant{TicketID: pickTicket(), UserID: pickUser(),
					Role: model.ParticipantCC, AddedAt: time.Date(2026, 1, 1, 0, step, 0, 0, time.UTC)})
				must(t, err)
				say("participant added %v", added)
			case 6:
				must(t, tx.AddComment(ctx, &model.Comment{TicketID: pickTicket(), AuthorID: pickUser(),
					Visibility: model.VisibilityPublic, Body: fmt.Sprint("c", step)}))
			case 7:
				must(t, tx.AddEvent(ctx, &model.Event{TicketID: pickTicket(), Kind: model.EventKind("status"), Detail: fmt.Sprint("e", step)}))
			case 8:
				kind := []model.NotificationKind{model.KindAck, model.KindComment, model.KindNotice}[r.IntN(3)]
				m := &model.OutboxMessage{TicketID: pickTicket(), Kind: kind, To: emails[r.IntN(len(emails))],
					Subject: fmt.Sprint("o", step), MessageID: fmt.Sprintf("o%d.%s@help.example", step, mode)}
				must(t, tx.EnqueueOutbox(ctx, m))
				must(t, tx.RecordSentMessageID(ctx, m.TicketID, m.MessageID, m.To, m.ID))
			case 9:
				raw := &model.RawMessage{SHA256: fmt.Sprintf("%064d", step) + mode, Raw: []byte(fmt.Sprint("raw ", step)),
					MessageID: fmt.Sprintf("m%d.%s@x", step, mode), From: emails[0], Mailbox: "INBOX", Outcome: model.OutcomeFailed}
				must(t, tx.InsertRaw(ctx, raw))
				raws = append(raws, raw.ID)
			case 10:
				if len(raws) > 0 {
					id := raws[r.IntN(len(raws))]
					must(t, tx.SetRawOutcome(ctx, id, model.OutcomeCommented, fmt.Sprint("r", step), []string{"T2"}, pickTicket()))
				}
			case 11: // cached reads
				tk, err := tx.TicketByID(ctx, pickTicket())
				must(t, err)
				say("ticket %s %s assignee=%s", subjects[tk.ID], tk.Status, names(tk.AssigneeID))
				ps, err := tx.Participants(ctx, tk.ID)
				must(t, err)
				for _, p := range ps {
					say("  cc %s", names(p.UserID))
				}
			case 12:
				for _, a := range []model.MemberAccess{model.MemberAccessOrg, model.MemberAccessOwn} {
					ms, err := tx.MembershipsOfOrgWithAccess(ctx, org.ID, a)
					must(t, err)
					say("members %s: %s", a, memberNames(ms, names))
				}
				fa, err := tx.FollowAllMembersOfOrg(ctx, org.ID)
				must(t, err)
				say("follow all: %s", memberNames(fa, names))
				all, err := tx.MembershipsOfOrg(ctx, org.ID)
				must(t, err)
				say("all members: %s", memberNames(all, names))
			case 13:
				n, err := tx.CountAutomaticSince(ctx, emails[r.IntN(len(emails))], time.Time{})
				must(t, err)
				say("automatic %d", n)
			case 14: // a read that reaches the database
				ts, err := tx.ListTickets(ctx, store.TicketFilter{OrgID: org.ID})
				must(t, err)
				var line []string
				for _, tk := range ts {
					line = append(line, fmt.Sprintf("%s/%s/%s", subjects[tk.ID], tk.Status, names(tk.AssigneeID)))
				}
				say("listed %s", strings.Join(line, " "))
			default:
				users, err := tx.UsersByIDs(ctx, []int64{pickUser(), pickUser()})
				must(t, err)
				var line []string
				for _, u := range users {
					line = append(line, u.Email)
				}
				sort.Strings(line)
				say("users %v", line)
			}
		}
		return nil
	})
	must(t, err)
	// what the database holds of it
	ts, err := s.ListTickets(ctx, store.TicketFilter{OrgID: org.ID})
	must(t, err)
	for _, tk := range ts {
		say("db ticket %s %s %s requester=%s assignee=%s", subjects[tk.ID], tk.Status, tk.Priority, names(tk.RequesterID), names(tk.AssigneeID))
		ps, err := s.Participants(ctx, tk.ID)
		must(t, err)
		for _, p := range ps {
			say("db   cc %s", names(p.UserID))
		}
		cs, err := s.Comments(ctx, tk.ID)
		must(t, err)
		for _, c := range cs {
			say("db   comment %s by %s", c.Body, names(c.AuthorID))
		}
		es, err := s.Events(ctx, tk.ID)
		must(t, err)
		for _, e := range es {
			say("db   event %s %s", e.Kind, e.Detail)
		}
		os, err := s.ListOutbox(ctx, store.OutboxFilter{TicketID: tk.ID})
		must(t, err)
		for _, o := range os {
			say("db   outbox %s %s %s", o.Kind, o.To, o.Subject)
		}
	}
	ms, err := s.MembershipsOfOrg(ctx, org.ID)
	must(t, err)
	say("db members %s", memberNames(ms, names))
	for _, id := range raws {
		m, err := s.RawByID(ctx, id)
		must(t, err)
		say("db raw %s %s %s %v ticket=%s", m.Raw, m.Outcome, m.Reason, m.Rules, subjects[m.TicketID])
	}
	return out
}

// memberNames prints memberships by address, with their access and
// follow-all.
func memberNames(ms []model.Membership, names func(int64) string) string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s/%s/%v", names(m.UserID), m.Access, m.FollowAll))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}
