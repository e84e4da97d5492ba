package store_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

func TestRawMessages(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		ann := mustUser(t, s, "ann@acme.com")
		tk := mustTicket(t, s, ann.ID)
		bytes1 := []byte("Message-ID: <a@x>\r\nFrom: Ann@Acme.com\r\n\r\nhello")
		orig := model.RawMessage{SHA256: "h1", Raw: bytes1, MessageID: "a@x", From: "Ann@Acme.com",
			Subject: "hello", Mailbox: "INBOX"}
		must(t, s.InsertRaw(ctx, &orig))
		must(t, s.SetRawOutcome(ctx, orig.ID, model.OutcomeCreated, "new ticket", []string{"I2", "I3"}, tk.ID))
		dup := model.RawMessage{SHA256: "h1", Size: int64(len(bytes1)), MessageID: "a@x", From: "ann@acme.com",
			Mailbox: "INBOX", Outcome: model.OutcomeDuplicate, Reason: "same bytes", DuplicateOf: orig.ID}
		must(t, s.InsertRaw(ctx, &dup))
		wantErr(t, s.SetRawOutcome(ctx, 999, model.OutcomeFailed, "", nil, 0), store.ErrNotFound)

		got, err := s.RawByID(ctx, orig.ID)
		must(t, err)
		if !bytes.Equal(got.Raw, bytes1) || got.Size != int64(len(bytes1)) || got.From != "ann@acme.com" ||
			got.Outcome != model.OutcomeCreated || got.TicketID != tk.ID || !slices.Equal(got.Rules, []string{"I2", "I3"}) ||
			got.DuplicateOf != 0 || got.Mailbox != "INBOX" || got.MessageID != "a@x" {
			t.Fatalf("RawByID = %+v", got)
		}
		sameTime(t, "received_at", got.ReceivedAt, orig.ReceivedAt)
		gotDup, err := s.RawByID(ctx, dup.ID)
		must(t, err)
		if gotDup.DuplicateOf != orig.ID || !bytes.Equal(gotDup.Raw, bytes1) || gotDup.Rules != nil || gotDup.TicketID != 0 {
			t.Errorf("duplicate = %+v, want the original's bytes", gotDup)
		}
		first, err := s.RawBySHA256(ctx, "h1")
		must(t, err)
		if first.ID != orig.ID {
			t.Errorf("RawBySHA256 = %d, want the original %d", first.ID, orig.ID)
		}
		_, err = s.RawBySHA256(ctx, "h2")
		wantErr(t, err, store.ErrNotFound)

		all, err := s.ListRaw(ctx, "")
		must(t, err)
		dups, err := s.ListRaw(ctx, model.OutcomeDuplicate)
		must(t, err)
		if len(all) != 2 || len(dups) != 1 || dups[0].ID != dup.ID || all[0].Raw != nil {
			t.Errorf("ListRaw: all %d, duplicates %+v", len(all), dups)
		}
	})
}

func TestMessageIDs(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		ann := mustUser(t, s, "ann@acme.com")
		t1, t2 := mustTicket(t, s, ann.ID), mustTicket(t, s, ann.ID)
		out := model.OutboxMessage{TicketID: t1.ID, Kind: model.KindAck, To: "ann@acme.com", MessageID: "ack1@help"}
		must(t, s.EnqueueOutbox(ctx, &out))

		record := func(ticket int64, id string, dir store.Direction, addr string, outbox int64) bool {
			t.Helper()
			added, err := s.RecordMessageID(ctx, ticket, id, dir, addr, outbox)
			must(t, err)
			return added
		}
		if !record(t1.ID, "in1@acme", store.Inbound, "Ann@acme.com", 0) ||
			!record(t1.ID, "ack1@help", store.Outbound, "ann@acme.com", out.ID) ||
			!record(t2.ID, "in2@acme", store.Inbound, "ann@acme.com", 0) ||
			!record(0, "notice@help", store.Outbound, "eve@evil.com", 0) {
			t.Fatal("a new Message-ID was not recorded")
		}
		if record(t1.ID, "in1@acme", store.Inbound, "ann@ACME.com", 0) {
			t.Error("the same Message-ID from the same sender was recorded twice")
		}
		if !record(t1.ID, "in1@acme", store.Inbound, "bob@partner.net", 0) {
			t.Error("the same Message-ID from another sender was refused")
		}

		for _, c := range []struct {
			ids  []string
			want int64
		}{
			{[]string{"unknown@x", "in2@acme", "in1@acme"}, t2.ID},
			{[]string{"ack1@help", "in2@acme"}, t1.ID},
			{[]string{"notice@help", "in1@acme"}, t1.ID},
		} {
			got, err := s.TicketByMessageIDs(ctx, c.ids)
			must(t, err)
			if got != c.want {
				t.Errorf("TicketByMessageIDs(%v) = %d, want %d", c.ids, got, c.want)
			}
		}
		_, err := s.TicketByMessageIDs(ctx, []string{"unknown@x", "notice@help"})
		wantErr(t, err, store.ErrNotFound)
		_, err = s.TicketByMessageIDs(ctx, nil)
		wantErr(t, err, store.ErrNotFound)

		seen, err := s.InboundMessageIDSeen(ctx, "in1@acme", "ANN@acme.com")
		must(t, err)
		unseen, err := s.InboundMessageIDSeen(ctx, "in1@acme", "cat@x.com")
		must(t, err)
		if !seen || unseen {
			t.Errorf("InboundMessageIDSeen = %v, %v; want true, false", seen, unseen)
		}

		ticket, addr, outboxID, err := s.OutboundByMessageID(ctx, "ack1@help")
		must(t, err)
		if ticket != t1.ID || addr != "ann@acme.com" || outboxID != out.ID {
			t.Errorf("OutboundByMessageID = %d %s %d", ticket, addr, outboxID)
		}
		ticket, addr, outboxID, err = s.OutboundByMessageID(ctx, "notice@help")
		must(t, err)
		if ticket != 0 || addr != "eve@evil.com" || outboxID != 0 {
			t.Errorf("OutboundByMessageID(notice) = %d %s %d", ticket, addr, outboxID)
		}
		_, _, _, err = s.OutboundByMessageID(ctx, "in1@acme")
		wantErr(t, err, store.ErrNotFound)

		ids, err := s.TicketMessageIDs(ctx, t1.ID)
		must(t, err)
		if !slices.Equal(ids, []string{"in1@acme", "ack1@help"}) {
			t.Errorf("TicketMessageIDs = %v", ids)
		}
	})
}

func TestQuarantine(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		ann := mustUser(t, s, "ann@acme.com")
		tk := mustTicket(t, s, ann.ID)
		raw := model.RawMessage{SHA256: "h", Raw: []byte("x")}
		must(t, s.InsertRaw(ctx, &raw))
		e := model.QuarantineEntry{RawMessageID: raw.ID, TicketID: tk.ID, SenderEmail: "Bob@Partner.net",
			Subject: "re", Outcome: model.OutcomeRejected, Reason: "may view, not comment", Rules: []string{"I5"}}
		must(t, s.AddQuarantine(ctx, &e))
		loop := model.QuarantineEntry{RawMessageID: raw.ID, SenderEmail: "x@y.com", Outcome: model.OutcomeCommented,
			Rules: []string{"B2"}}
		must(t, s.AddQuarantine(ctx, &loop))
		got, err := s.QuarantineByID(ctx, e.ID)
		must(t, err)
		if got.Status != model.QuarantineHeld || got.SenderEmail != "bob@partner.net" || got.TicketID != tk.ID ||
			!slices.Equal(got.Rules, []string{"I5"}) || got.Reason != e.Reason {
			t.Fatalf("QuarantineByID = %+v", got)
		}
		must(t, s.SetQuarantineStatus(ctx, e.ID, model.QuarantineReleased))
		wantErr(t, s.SetQuarantineStatus(ctx, 999, model.QuarantineReleased), store.ErrNotFound)
		held, err := s.ListQuarantine(ctx, model.QuarantineHeld)
		must(t, err)
		all, err := s.ListQuarantine(ctx, "")
		must(t, err)
		if len(held) != 1 || held[0].ID != loop.ID || held[0].TicketID != 0 || len(all) != 2 || all[0].ID != e.ID {
			t.Errorf("held %+v, all %+v", held, all)
		}
		_, err = s.QuarantineByID(ctx, 999)
		wantErr(t, err, store.ErrNotFound)
	})
}

func TestAuditLog(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		first := model.AuditEntry{Action: "staff.add", Target: "owner@help.example", After: `{"role":"owner"}`}
		second := model.AuditEntry{Actor: "Owner@help.example", Action: "org.set", Target: "acme",
			Before: `{"access":"own"}`, After: `{"access":"view"}`, Reason: "requested by the customer"}
		must(t, s.AppendAudit(ctx, &first))
		must(t, s.AppendAudit(ctx, &second))
		log, err := s.ListAudit(ctx)
		must(t, err)
		if len(log) != 2 || log[0].ID != first.ID || log[1].Actor != "owner@help.example" ||
			log[1].Before != second.Before || log[1].After != second.After || log[1].Reason != second.Reason {
			t.Fatalf("ListAudit = %+v", log)
		}
		sameTime(t, "at", log[1].At, second.At)
	})
}

func TestMailboxCheckpoint(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		_, err := s.Checkpoint(ctx, "INBOX")
		wantErr(t, err, store.ErrNotFound)
		must(t, s.SetCheckpoint(ctx, store.MailboxCheckpoint{Mailbox: "INBOX", UIDValidity: 4294967295, LastUID: 7}))
		must(t, s.SetCheckpoint(ctx, store.MailboxCheckpoint{Mailbox: "INBOX", UIDValidity: 4294967295, LastUID: 9}))
		cp, err := s.Checkpoint(ctx, "INBOX")
		must(t, err)
		if cp.UIDValidity != 4294967295 || cp.LastUID != 9 || cp.UpdatedAt.IsZero() {
			t.Errorf("Checkpoint = %+v", cp)
		}
	})
}
