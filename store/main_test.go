package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// forEach runs fn in parallel on both backends, each with a fresh store
// whose clock steps one second per reading.
func forEach(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		t.Parallel()
		fn(t, storetest.OpenWith(t, b, store.Options{Clock: newClock().Now}))
	})
}

// clock is a test clock that steps one second each time it is read.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// t0 has nanoseconds and a zone, which the store must drop.
var t0 = time.Date(2026, 11, 23, 11, 0, 0, 123456789, time.FixedZone("CET", 3600))

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

var ctx = context.Background()

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}

func mustUser(t *testing.T, s *store.Store, email string) model.User {
	t.Helper()
	u := model.User{Email: email, Name: email}
	must(t, s.CreateUser(ctx, &u))
	return u
}

func mustTicket(t *testing.T, s *store.Store, requester int64) model.Ticket {
	t.Helper()
	tk := model.Ticket{Subject: "Printer on fire", RequesterID: requester}
	must(t, s.CreateTicket(ctx, &tk))
	return tk
}

func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("%s = %v, want %v in UTC", what, got, want)
	}
}

// oldUser adds a user to a store opened at an older schema version, with
// the columns every version has (the code's own CreateUser writes the
// newest columns).
func oldUser(t *testing.T, s *store.Store, email string) model.User {
	t.Helper()
	must(t, store.Exec(ctx, s, `INSERT INTO users (email, name, staff_role, registered, bouncing, created_at)
		VALUES (?, ?, '', ?, ?, ?)`, email, email, false, false, "2026-12-01T00:00:00Z"))
	var id int64
	must(t, store.QueryRow(ctx, s, `SELECT id FROM users WHERE email = ?`, email).Scan(&id))
	return model.User{ID: id, Email: email}
}

// oldTicket adds a ticket to a store opened at an older schema version,
// with the columns every version has.
func oldTicket(t *testing.T, s *store.Store, requester int64) model.Ticket {
	t.Helper()
	must(t, store.Exec(ctx, s, `INSERT INTO tickets (subject, status, priority, type, requester_id, created_at, updated_at)
		VALUES ('Printer on fire', 'open', 'normal', 'question', ?, ?, ?)`, requester, "2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z"))
	var id int64
	must(t, store.QueryRow(ctx, s, `SELECT MAX(id) FROM tickets`).Scan(&id))
	return model.Ticket{ID: id, RequesterID: requester}
}
