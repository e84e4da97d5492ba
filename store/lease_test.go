package store_test

import (
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/store"
)

func TestMailboxLease(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		// the test clock steps one second per reading
		ok, err := s.AcquireLease(ctx, "support", "a", 10*time.Second)
		must(t, err)
		if !ok {
			t.Fatal("a did not get a free lease")
		}
		if ok, err := s.AcquireLease(ctx, "support", "b", 10*time.Second); err != nil || ok {
			t.Fatalf("b took a's live lease: %v %v", ok, err)
		}
		if ok, err := s.AcquireLease(ctx, "support", "a", 2*time.Second); err != nil || !ok {
			t.Fatalf("a could not renew: %v %v", ok, err)
		}
		if ok, err := s.AcquireLease(ctx, "billing", "b", 10*time.Second); err != nil || !ok {
			t.Fatalf("b could not lease another mailbox: %v %v", ok, err)
		}
		must(t, s.CheckLease(ctx, "support", "a"))
		wantErr(t, s.CheckLease(ctx, "support", "b"), store.ErrLeaseLost)
		// a stops renewing: after its 2 s, b takes over and a is fenced off
		for i := 0; i < 3; i++ {
			s.AcquireLease(ctx, "other", "x", time.Second) // let the clock run
		}
		if ok, err := s.AcquireLease(ctx, "support", "b", 10*time.Second); err != nil || !ok {
			t.Fatalf("b could not take an expired lease: %v %v", ok, err)
		}
		wantErr(t, s.CheckLease(ctx, "support", "a"), store.ErrLeaseLost)
		must(t, s.ReleaseLease(ctx, "support", "a")) // not a's: nothing happens
		must(t, s.CheckLease(ctx, "support", "b"))
		must(t, s.ReleaseLease(ctx, "support", "b"))
		if ok, err := s.AcquireLease(ctx, "support", "a", 10*time.Second); err != nil || !ok {
			t.Fatalf("a could not take a released lease: %v %v", ok, err)
		}
	})
}
