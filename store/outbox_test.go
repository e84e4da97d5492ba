package store_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

func TestOutbox(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		ann := mustUser(t, s, "ann@acme.com")
		tk := mustTicket(t, s, ann.ID)
		m := model.OutboxMessage{TicketID: tk.ID, Kind: model.KindAck, To: "Ann@Acme.com", Subject: "[#1] Printer",
			MessageID: "m1@help", ReplyTo: "support+t1@help", InReplyTo: "in1@acme", References: []string{"in0@acme", "in1@acme"},
			TextBody: "text", HTMLBody: "<p>html</p>", ReturnPath: "bounce+1@help", AutoSubmitted: "auto-replied",
			FromName: "Support"}
		must(t, s.EnqueueOutbox(ctx, &m))
		got, err := s.OutboxByID(ctx, m.ID)
		must(t, err)
		if got.To != "ann@acme.com" || got.Status != model.OutboxQueued || got.Attempts != 0 || !got.SentAt.IsZero() ||
			!slices.Equal(got.References, m.References) || got.TicketID != tk.ID || got.CommentID != 0 ||
			got.ReturnPath != m.ReturnPath || got.AutoSubmitted != m.AutoSubmitted || got.HTMLBody != m.HTMLBody ||
			got.FromName != "Support" || got.InReplyTo != "in1@acme" || got.ReplyTo != m.ReplyTo {
			t.Fatalf("OutboxByID = %+v", got)
		}
		sameTime(t, "next_attempt_at", got.NextAttemptAt, got.CreatedAt)

		dup := model.OutboxMessage{Kind: model.KindNotice, To: "x@y.com", MessageID: "m1@help"}
		wantErr(t, s.EnqueueOutbox(ctx, &dup), store.ErrDuplicate)
		notice := model.OutboxMessage{Kind: model.KindNotice, To: "ann@acme.com", MessageID: "m2@help"}
		must(t, s.EnqueueOutbox(ctx, &notice))
		comment := model.OutboxMessage{TicketID: tk.ID, Kind: model.KindComment, To: "ann@acme.com", MessageID: "m3@help"}
		must(t, s.EnqueueOutbox(ctx, &comment))

		for since, want := range map[time.Time]int{m.CreatedAt: 2, notice.CreatedAt: 1, comment.CreatedAt: 0} {
			n, err := s.CountAutomaticSince(ctx, "ANN@acme.com", since)
			must(t, err)
			if n != want {
				t.Errorf("CountAutomaticSince(%v) = %d, want %d", since, n, want)
			}
		}

		must(t, s.MarkSent(ctx, m.ID, t0))
		must(t, s.MarkFailed(ctx, notice.ID, "550 no such user"))
		wantErr(t, s.MarkSent(ctx, 999, t0), store.ErrNotFound)
		for _, c := range []struct {
			f    store.OutboxFilter
			want []int64
		}{
			{store.OutboxFilter{}, []int64{m.ID, notice.ID, comment.ID}},
			{store.OutboxFilter{TicketID: tk.ID}, []int64{m.ID, comment.ID}},
			{store.OutboxFilter{Status: model.OutboxFailed}, []int64{notice.ID}},
			{store.OutboxFilter{TicketID: tk.ID, Status: model.OutboxQueued}, []int64{comment.ID}},
		} {
			list, err := s.ListOutbox(ctx, c.f)
			must(t, err)
			if ids := outboxIDs(list); !sameIDs(ids, c.want) {
				t.Errorf("ListOutbox(%+v) = %v, want %v", c.f, ids, c.want)
			}
		}
		sent, err := s.OutboxByID(ctx, m.ID)
		must(t, err)
		sameTime(t, "sent_at (UTC, microseconds)", sent.SentAt, t0.Truncate(time.Microsecond))
		failed, err := s.OutboxByID(ctx, notice.ID)
		must(t, err)
		if failed.Status != model.OutboxFailed || failed.LastError != "550 no such user" {
			t.Errorf("failed row = %+v", failed)
		}
	})
}

func outboxIDs(ms []model.OutboxMessage) []int64 {
	var ids []int64
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

func TestClaimOutbox(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		var ids []int64
		for i, due := range []time.Duration{-time.Minute, -2 * time.Minute, time.Minute} {
			m := model.OutboxMessage{Kind: model.KindComment, To: "a@b.c", MessageID: fmt.Sprint(i),
				CreatedAt: now.Add(-time.Hour), NextAttemptAt: now.Add(due)}
			must(t, s.EnqueueOutbox(ctx, &m))
			ids = append(ids, m.ID)
		}
		claimed, err := s.ClaimOutbox(ctx, now, 10, 5*time.Minute)
		must(t, err)
		if !sameIDs(outboxIDs(claimed), ids[:2]) {
			t.Fatalf("claimed %v, want the two due rows %v", outboxIDs(claimed), ids[:2])
		}
		for _, m := range claimed {
			if m.Attempts != 1 || !m.NextAttemptAt.Equal(now.Add(5*time.Minute)) {
				t.Errorf("claimed row %+v: want attempt 1 and the lease as next attempt", m)
			}
		}
		again, err := s.ClaimOutbox(ctx, now.Add(time.Minute), 10, 5*time.Minute)
		must(t, err)
		if !sameIDs(outboxIDs(again), ids[2:]) {
			t.Errorf("second claim = %v, want only the row now due", outboxIDs(again))
		}
		must(t, s.Reschedule(ctx, ids[0], now.Add(2*time.Minute), "421 try later"))
		must(t, s.MarkSent(ctx, ids[1], now))
		limited, err := s.ClaimOutbox(ctx, now.Add(10*time.Minute), 1, time.Minute)
		must(t, err)
		if len(limited) != 1 || limited[0].ID != ids[0] || limited[0].Attempts != 2 || limited[0].LastError != "421 try later" {
			t.Errorf("claim after lease = %+v, want only the rescheduled row", limited)
		}
	})
}

// Concurrent claimers never get the same row.
func TestClaimOutboxConcurrent(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		const rows, claimers = 120, 4
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		must(t, s.InTx(ctx, func(tx *store.Tx) error {
			for i := range rows {
				m := model.OutboxMessage{Kind: model.KindComment, To: "a@b.c", MessageID: fmt.Sprint(i), NextAttemptAt: now}
				if err := tx.EnqueueOutbox(ctx, &m); err != nil {
					return err
				}
			}
			return nil
		}))
		var mu sync.Mutex
		got := map[int64]int{}
		var wg sync.WaitGroup
		for range claimers {
			wg.Go(func() {
				for {
					batch, err := s.ClaimOutbox(ctx, now, 7, time.Hour)
					if err != nil {
						t.Errorf("claim: %v", err)
						return
					}
					if len(batch) == 0 {
						return
					}
					mu.Lock()
					for _, m := range batch {
						got[m.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(got) != rows {
			t.Errorf("%d rows claimed, want %d", len(got), rows)
		}
		for id, n := range got {
			if n != 1 {
				t.Errorf("row %d claimed %d times", id, n)
			}
		}
	})
}

func TestOutboxSendHelpers(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		if _, ok, err := s.NextOutboxDue(ctx); err != nil || ok {
			t.Fatalf("NextOutboxDue of an empty outbox = %v, %v", ok, err)
		}
		var ids []int64
		for i, due := range []time.Duration{time.Minute, -time.Minute, 2 * time.Minute} {
			m := model.OutboxMessage{Kind: model.KindComment, To: "a@b.c", MessageID: fmt.Sprint("h", i), NextAttemptAt: now.Add(due)}
			must(t, s.EnqueueOutbox(ctx, &m))
			ids = append(ids, m.ID)
		}
		due, ok, err := s.NextOutboxDue(ctx)
		must(t, err)
		if !ok || !due.Equal(now.Add(-time.Minute)) {
			t.Fatalf("NextOutboxDue = %v %v, want the earliest row", due, ok)
		}
		claimed, err := s.ClaimOutbox(ctx, now, 10, time.Hour)
		must(t, err)
		if len(claimed) != 1 || claimed[0].ID != ids[1] {
			t.Fatalf("claimed %+v", claimed)
		}
		must(t, s.ReleaseOutbox(ctx, ids[1], now))
		back, err := s.OutboxByID(ctx, ids[1])
		must(t, err)
		if back.Attempts != 0 || !back.NextAttemptAt.Equal(now) {
			t.Errorf("released row %+v: want 0 attempts, due now", back)
		}
		must(t, s.MarkFailed(ctx, ids[2], "550 no"))
		must(t, s.MarkSentMany(ctx, ids, now))
		for i, want := range []model.OutboxStatus{model.OutboxSent, model.OutboxSent, model.OutboxFailed} {
			m, err := s.OutboxByID(ctx, ids[i])
			must(t, err)
			if m.Status != want {
				t.Errorf("row %d: %s, want %s", i, m.Status, want)
			}
		}
		if _, ok, _ := s.NextOutboxDue(ctx); ok {
			t.Error("NextOutboxDue with nothing queued")
		}
		wantErr(t, s.ReleaseOutbox(ctx, ids[0], now), store.ErrNotFound)
	})
}
