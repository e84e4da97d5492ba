package ingest_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

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
				for _, raw := range msgs {
					res, err := w.p.Ingest(w.ctx, ingest.Input{Raw: raw, Mailbox: "test"})
					w.ok(nil, err)
					results = append(results, res)
				}
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
