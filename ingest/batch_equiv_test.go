package ingest_test

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// batchScenario is a run of messages that depend on one another: a reply
// to a message earlier in the same batch, duplicates of it by Message-ID
// and by bytes, a CC who then writes, a new user who writes twice, a
// sender over the ack limit, a follow-all member told of each new ticket,
// an auto-reply, a bounce of a notification, a forged staff reply and a
// message that cannot be parsed.
func batchScenario() [][]byte {
	first := mail{From: "ann@acme.com", Cc: "bob@acme.com", Subject: "Printer on fire", ID: "a1@acme.com"}.raw()
	msgs := [][]byte{
		first,
		mail{From: "ann@acme.com", Subject: "Printer on fire (again)", ID: "a1@acme.com"}.raw(), // same Message-ID
		first, // same bytes
		mail{From: "bob@acme.com", Subject: "Re: Printer on fire", ID: "b1@acme.com", InReplyTo: "a1@acme.com",
			Body: "It is still burning.\n\nOn Mon, Ann wrote:\n> Printer on fire"}.raw(),
		mail{From: "dave@partner.example", Subject: "Partner question", ID: "d1@partner.example", Cc: "erin@partner.example"}.raw(),
		mail{From: "erin@partner.example", Subject: "Re: Partner question", ID: "e1@partner.example", InReplyTo: "d1@partner.example"}.raw(),
		mail{From: "frank@newcomer.example", Subject: "Who are you?", ID: "f1@newcomer.example"}.raw(),
		mail{From: "frank@newcomer.example", Subject: "Hello again", ID: "f2@newcomer.example"}.raw(),
		mail{From: "ann@acme.com", Subject: "Out of office", ID: "ooo@acme.com", InReplyTo: "a1@acme.com",
			Headers: []string{"Auto-Submitted: auto-replied"}}.raw(),
		mail{From: "sam@help.example", Subject: "Re: Printer on fire", ID: "s1@help.example", InReplyTo: "a1@acme.com",
			Body: "Forged: closing this."}.raw(),
		[]byte("this is not a mail message\x00\x01"),
		mail{From: "gina@acme.com", Subject: "Cc me", ID: "g1@acme.com", Cc: "bob@acme.com, hal@acme.com"}.raw(),
		mail{From: "hal@acme.com", Subject: "Re: Cc me", ID: "h1@acme.com", InReplyTo: "g1@acme.com", Cc: "ivy@acme.com"}.raw(),
	}
	for i := range 7 { // over ack_limit (5 an hour)
		msgs = append(msgs, mail{From: "jo@acme.com", Subject: fmt.Sprint("Question ", i), ID: fmt.Sprintf("j%d@acme.com", i)}.raw())
	}
	return msgs
}

// TestIngestBatchSameAsOneByOne: the same messages give the same tickets,
// comments, participants, notifications and outcomes whether each is
// ingested alone or all go through IngestBatch in one transaction, where
// the store defers its writes and answers lookups from its caches.
func TestIngestBatchSameAsOneByOne(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		msgs := batchScenario()
		var got [2][]string
		for mode := range 2 {
			w := newWorld(t, b)
			w.ok(w.adm.UserAdd(w.ctx, w.owner(), "boss@acme.com", "Boss", nil))
			w.ok(w.adm.MemberSet(w.ctx, w.owner(), "boss@acme.com", "acme", model.MemberAccessOrg, boolp(true)))
			var results []ingest.Result
			if mode == 0 {
				results = oneByOne(w, msgs)
			} else {
				ins := make([]ingest.Input, len(msgs))
				for i, raw := range msgs {
					ins[i] = ingest.Input{Raw: raw, Mailbox: "test"}
				}
				res, err := w.p.IngestBatch(w.ctx, ins, nil)
				w.ok(nil, err)
				results = res
			}
			got[mode] = dumpWorld(t, w, results)
		}
		if !slices.Equal(got[0], got[1]) {
			t.Errorf("one by one and batched differ:\n%s", lineDiff(got[0], got[1]))
			for i := range min(len(got[0]), len(got[1])) {
				if got[0][i] != got[1][i] {
					t.Logf("first difference, line %d:\n  %s\n  %s", i+1, got[0][i], got[1][i])
					break
				}
			}
		}
		for _, want := range []string{
			"result 2: duplicate", "result 3: duplicate", "result 4: commented", "result 6: commented",
			"result 9: auto_reply", "result 10: rejected", "result 11: failed", "result 13: commented",
			"participant 1 bob@acme.com cc", "participant 5 bob@acme.com cc", "participant 5 hal@acme.com cc",
			"outbox 1 boss@acme.com comment", "raw a1@acme.com duplicate",
		} {
			if !slices.ContainsFunc(got[1], func(l string) bool { return strings.HasPrefix(l, want) }) {
				t.Errorf("batched: no line %q in\n%s", want, strings.Join(got[1], "\n"))
			}
		}
		acks := 0
		for _, l := range got[1] {
			if strings.HasPrefix(l, "outbox ") && strings.Contains(l, "jo@acme.com ack") {
				acks++
			}
		}
		if acks != 5 {
			t.Errorf("batched: %d acknowledgements to jo, want 5 (B2 ack_limit within one batch)", acks)
		}
	})
}

// oneByOne ingests msgs a message at a time, each in its own transaction.
func oneByOne(w *world, msgs [][]byte) []ingest.Result {
	var results []ingest.Result
	for _, raw := range msgs {
		res, err := w.p.Ingest(w.ctx, ingest.Input{Raw: raw, Mailbox: "test"})
		w.ok(nil, err)
		results = append(results, res)
	}
	return results
}

// dumpWorld describes what a user would check after ingesting: outcomes,
// tickets, comments, participants, notifications (without their random
// Message-IDs) and users.
func dumpWorld(t *testing.T, w *world, results []ingest.Result) []string {
	t.Helper()
	var out []string
	for i, r := range results {
		out = append(out, fmt.Sprintf("result %d: %s ticket=%d rules=%v notified=%v reason=%q", i+1, r.Outcome, r.TicketID, r.Rules, r.Notified, r.Reason))
	}
	users := map[int64]string{}
	us, err := w.st.ListUsers(w.ctx)
	w.ok(nil, err)
	for _, u := range us {
		users[u.ID] = u.Email
		out = append(out, fmt.Sprintf("user %s %q staff=%s bouncing=%v", u.Email, u.Name, u.StaffRole, u.Bouncing))
	}
	ms, err := w.st.ListMemberships(w.ctx)
	w.ok(nil, err)
	for _, m := range ms {
		out = append(out, fmt.Sprintf("membership %s %d %s follow=%v %s", users[m.UserID], m.OrgID, m.Access, m.FollowAll, m.Source))
	}
	for _, tk := range w.tickets() {
		out = append(out, fmt.Sprintf("ticket %d %q %s org=%d requester=%s", tk.ID, tk.Subject, tk.Status, tk.OrgID, users[tk.RequesterID]))
		cs, err := w.st.Comments(w.ctx, tk.ID)
		w.ok(nil, err)
		for _, c := range cs {
			out = append(out, fmt.Sprintf("comment %d %s %s %q", tk.ID, users[c.AuthorID], c.Visibility, c.Body))
		}
		ps, err := w.st.Participants(w.ctx, tk.ID)
		w.ok(nil, err)
		for _, p := range ps {
			out = append(out, fmt.Sprintf("participant %d %s %s", tk.ID, users[p.UserID], p.Role))
		}
		evs, err := w.st.Events(w.ctx, tk.ID)
		w.ok(nil, err)
		for _, e := range evs {
			out = append(out, fmt.Sprintf("event %d %s %q", tk.ID, e.Kind, e.Detail))
		}
	}
	for _, m := range w.outbox("") {
		out = append(out, fmt.Sprintf("outbox %d %s %s %q refs=%d in-reply-to-set=%v", m.TicketID, m.To, m.Kind, m.Subject,
			len(m.References), m.InReplyTo != ""))
	}
	raws, err := w.st.ListRaw(w.ctx, "")
	w.ok(nil, err)
	for _, r := range raws {
		out = append(out, fmt.Sprintf("raw %s %s ticket=%d dup=%v %q", r.MessageID, r.Outcome, r.TicketID, r.DuplicateOf != 0, r.Reason))
	}
	return out
}

// lineDiff lists the lines only one side has.
func lineDiff(a, b []string) string {
	var out []string
	for _, l := range a {
		if !slices.Contains(b, l) {
			out = append(out, "- "+l)
		}
	}
	for _, l := range b {
		if !slices.Contains(a, l) {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}

// TestIngestBatchSameAsOneByOneRandom is the differential test of the
// deferred writes (issue 20.7) on random runs of mail: new tickets from
// customers of two organisations, a partner and strangers, with CCs;
// replies to earlier messages of the run (by the writer or by someone
// else, whom the rules may refuse, R2–R5, I5, I6); the same message again
// (by Message-ID and by bytes); auto-replies; forged staff mail (I9);
// mail that is not mail. Each run is ingested once message by message
// (plain transactions) and once in batches of random sizes (deferred
// writes answering from their caches), on both stores, and what a user
// would check must be the same.
func TestIngestBatchSameAsOneByOneRandom(t *testing.T) {
	senders := []string{"ann@acme.com", "bob@acme.com", "cy@acme.com", "dave@partner.example", "erin@partner.example",
		"frank@newcomer.example", "gus@else.example"}
	seen := map[string]bool{} // the outcomes the runs reached
	var seenMu sync.Mutex
	t.Cleanup(func() {
		for _, want := range []string{"created", "commented", "rejected", "duplicate", "auto_reply", "failed"} {
			if !seen[want] {
				t.Errorf("no run reached outcome %s: the random runs are too narrow (%v)", want, seen)
			}
		}
	})
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 20))
			var msgs [][]byte
			var ids []string
			for i := range 30 {
				from := senders[r.IntN(len(senders))]
				m := mail{From: from, Subject: fmt.Sprintf("Question %d", i), ID: fmt.Sprintf("m%d.%d@test", seed, i),
					Body: fmt.Sprintf("Text %d.", i)}
				switch k := r.IntN(10); {
				case k < 3 || len(ids) == 0: // a new ticket, maybe with CCs
					if r.IntN(3) == 0 {
						m.Cc = senders[r.IntN(len(senders))]
					}
				case k < 7: // a reply to an earlier message of the run
					m.InReplyTo = ids[r.IntN(len(ids))]
					m.Subject = "Re: " + m.Subject
					if r.IntN(4) == 0 {
						m.Cc = senders[r.IntN(len(senders))]
					}
				case k == 7: // the same message again
					msgs = append(msgs, msgs[r.IntN(len(msgs))])
					continue
				case k == 8: // an auto-reply, or forged staff mail
					m.InReplyTo = ids[r.IntN(len(ids))]
					if r.IntN(2) == 0 {
						m.Headers = []string{"Auto-Submitted: auto-replied"}
					} else {
						m.From = "sam@help.example"
						m.Body = "#status solved\nDone."
					}
				default:
					msgs = append(msgs, []byte(fmt.Sprintf("not mail %d\x00", i)))
					continue
				}
				ids = append(ids, m.ID)
				msgs = append(msgs, m.raw())
			}
			cuts := []int{}
			for at := 0; at < len(msgs); at += 1 + r.IntN(12) {
				cuts = append(cuts, at)
			}
			storetest.Run(t, func(t *testing.T, b store.Backend) {
				var got [2][]string
				for mode := range 2 {
					w := newWorld(t, b)
					// acme's people see each other's tickets (A1): who can see a
					// new ticket then names the senders the batch has just made
					w.ok(w.adm.OrgSet(w.ctx, admin.Request{As: "owner@help.example", Yes: true}, "acme", admin.OrgSettings{Access: model.OrgAccessView}))
					// partnerco's access is own: pam sees its every ticket as an
					// A2 org member, max follows them all (N5)
					owner := admin.Request{As: "owner@help.example", Yes: true}
					for _, who := range []string{"pam@partner.example", "max@partner.example"} {
						w.ok(w.adm.UserAdd(w.ctx, owner, who, "", []string{"partnerco"}))
					}
					w.ok(w.adm.MemberSet(w.ctx, owner, "pam@partner.example", "partnerco", model.MemberAccessOrg, nil))
					w.ok(w.adm.MemberSet(w.ctx, owner, "max@partner.example", "partnerco", model.MemberAccessOrg, boolp(true)))
					var results []ingest.Result
					if mode == 0 {
						results = oneByOne(w, msgs)
					} else {
						for i, at := range cuts {
							end := len(msgs)
							if i+1 < len(cuts) {
								end = cuts[i+1]
							}
							ins := make([]ingest.Input, 0, end-at)
							for _, raw := range msgs[at:end] {
								ins = append(ins, ingest.Input{Raw: raw, Mailbox: "test"})
							}
							res, err := w.p.IngestBatch(w.ctx, ins, nil)
							w.ok(nil, err)
							results = append(results, res...)
						}
					}
					dump := dumpWorld(t, w, results)
					// and who the staff were told can see each new ticket (N7)
					for _, m := range w.outbox("") {
						if m.Kind != model.KindNewTicket {
							continue
						}
						_, access, _ := strings.Cut(m.TextBody, "Who can see it, and why:\n")
						access, _, _ = strings.Cut(access, "\nReply to this email")
						dump = append(dump, fmt.Sprintf("access %d %s %q", m.TicketID, m.To, access))
					}
					got[mode] = renumbered(dump)
				}
				seenMu.Lock()
				for _, l := range got[1] {
					if f := strings.Fields(l); len(f) > 2 && f[0] == "result" {
						seen[f[2]] = true
					}
				}
				seenMu.Unlock()
				if !slices.Equal(got[0], got[1]) {
					t.Errorf("one by one and batched (cut at %v) differ:\n%s", cuts, lineDiff(got[0], got[1]))
				}
			})
		})
	}
}

// ticketNumber finds a ticket id in a line of dumpWorld.
var ticketNumber = regexp.MustCompile(`(ticket[= ]|comment |participant |outbox |event |access |\[#|on ticket |ticket )(\d+)`)

// renumbered replaces each ticket id of a dump by its rank among the
// tickets (1 for the oldest), and each raw message id by "?": a batch
// takes ids in blocks (store.Tx.Defer), so ids differ from one by one
// while everything they name is the same.
func renumbered(dump []string) []string {
	rank := map[string]string{}
	for _, l := range dump {
		if strings.HasPrefix(l, "ticket ") {
			id := strings.Fields(l)[1]
			if _, ok := rank[id]; !ok {
				rank[id] = fmt.Sprint(len(rank) + 1)
			}
		}
	}
	out := make([]string, len(dump))
	for i, l := range dump {
		l = ticketNumber.ReplaceAllStringFunc(l, func(m string) string {
			sub := ticketNumber.FindStringSubmatch(m)
			if r, ok := rank[sub[2]]; ok {
				return sub[1] + r
			}
			return m
		})
		out[i] = rawNumber.ReplaceAllString(l, "message ?")
	}
	return out
}

var rawNumber = regexp.MustCompile(`message \d+`)
