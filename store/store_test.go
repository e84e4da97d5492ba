package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

func TestOpenSQLiteURLForms(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, url := range []string{
		filepath.Join(dir, "plain.db"),
		"sqlite:" + filepath.Join(dir, "prefixed.db"),
		"sqlite://" + filepath.Join(dir, "slashes.db"),
	} {
		s := storetest.OpenURL(t, url, store.Options{})
		if s.Backend() != store.SQLite {
			t.Errorf("%s: backend %s, want sqlite", url, s.Backend())
		}
	}
	for _, name := range []string{"plain.db", "prefixed.db", "slashes.db"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("database file not created: %v", err)
		}
	}
	if _, err := store.Open(ctx, "", store.Options{}); err == nil {
		t.Error("Open(\"\") succeeded")
	}
}

func TestMigrationsIdempotent(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		t.Parallel()
		url := storetest.URL(t, b)
		s1 := storetest.OpenURL(t, url, store.Options{})
		mustUser(t, s1, "ann@acme.com")
		s2 := storetest.OpenURL(t, url, store.Options{})
		if _, err := s2.UserByEmail(ctx, "ann@acme.com"); err != nil {
			t.Fatalf("data lost by reopening: %v", err)
		}
		versions, err := store.SchemaVersions(ctx, s2)
		must(t, err)
		if len(versions) == 0 || versions[0] != 1 {
			t.Errorf("schema versions %v", versions)
		}
		if slicesHaveDup(versions) {
			t.Errorf("a migration recorded twice: %v", versions)
		}
	})
}

func slicesHaveDup(v []int) bool {
	seen := map[int]bool{}
	for _, x := range v {
		if seen[x] {
			return true
		}
		seen[x] = true
	}
	return false
}

// Several processes starting at once on a fresh database must not race.
func TestConcurrentOpenOfFreshDatabase(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		t.Parallel()
		url := storetest.URL(t, b)
		const n = 4
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				s, err := store.Open(ctx, url, store.Options{})
				if err == nil {
					_, err = s.ListOrgs(ctx)
					s.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("concurrent Open: %v", err)
		}
		s := storetest.OpenURL(t, url, store.Options{})
		versions, err := store.SchemaVersions(ctx, s)
		must(t, err)
		if slicesHaveDup(versions) {
			t.Errorf("a migration recorded twice: %v", versions)
		}
	})
}

func TestInTxCommitsAndRollsBack(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		boom := errors.New("boom")
		err := s.InTx(ctx, func(tx *store.Tx) error {
			u := model.User{Email: "rolled@back.com"}
			if err := tx.CreateUser(ctx, &u); err != nil {
				return err
			}
			if _, err := tx.UserByEmail(ctx, "rolled@back.com"); err != nil {
				return fmt.Errorf("own write not visible in tx: %w", err)
			}
			return boom
		})
		wantErr(t, err, boom)
		_, err = s.UserByEmail(ctx, "rolled@back.com")
		wantErr(t, err, store.ErrNotFound)

		func() {
			defer func() {
				if p := recover(); p != "panic in tx" {
					t.Errorf("recovered %v, want the panic to continue", p)
				}
			}()
			_ = s.InTx(ctx, func(tx *store.Tx) error {
				u := model.User{Email: "panicked@back.com"}
				must(t, tx.CreateUser(ctx, &u))
				panic("panic in tx")
			})
		}()
		_, err = s.UserByEmail(ctx, "panicked@back.com")
		wantErr(t, err, store.ErrNotFound)

		must(t, s.InTx(ctx, func(tx *store.Tx) error {
			u := model.User{Email: "kept@acme.com"}
			return tx.CreateUser(ctx, &u)
		}))
		_, err = s.UserByEmail(ctx, "kept@acme.com")
		must(t, err)
	})
}

// Concurrent read-modify-write transactions lose no update: on PostgreSQL
// serialization failures are retried; what still fails is ErrConflict.
func TestInTxConcurrentUpdatesLoseNothing(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		_, err := s.SetSettingIfAbsent(ctx, "counter", "0")
		must(t, err)
		var mu sync.Mutex
		done := 0
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				for range 5 {
					err := s.InTx(ctx, func(tx *store.Tx) error {
						v, err := tx.Setting(ctx, "counter")
						if err != nil {
							return err
						}
						n, _ := strconv.Atoi(v)
						return tx.SetSetting(ctx, "counter", strconv.Itoa(n+1))
					})
					mu.Lock()
					if err == nil {
						done++
					} else if !errors.Is(err, store.ErrConflict) {
						t.Errorf("increment: %v", err)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		v, err := s.Setting(ctx, "counter")
		must(t, err)
		if v != strconv.Itoa(done) || done == 0 {
			t.Errorf("counter = %s after %d committed increments", v, done)
		}
		if s.Backend() == store.SQLite && done != 15 {
			t.Errorf("SQLite writers failed instead of waiting for the lock: %d of 15 committed", done)
		}
	})
}

// Two processes creating the same user at once both end with the same user:
// the loser's unique violation is retried and it then finds the row.
func TestInTxGetOrCreateRace(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		const n = 4
		ids := make([]int64, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				err := s.InTx(ctx, func(tx *store.Tx) error {
					u, err := tx.UserByEmail(ctx, "race@acme.com")
					if errors.Is(err, store.ErrNotFound) {
						u = model.User{Email: "race@acme.com"}
						err = tx.CreateUser(ctx, &u)
					}
					ids[i] = u.ID
					return err
				})
				if err != nil {
					t.Errorf("get or create: %v", err)
				}
			})
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] || id == 0 {
				t.Fatalf("ids %v, want one user", ids)
			}
		}
	})
}

func TestSettings(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		_, err := s.Setting(ctx, "token_secret")
		wantErr(t, err, store.ErrNotFound)
		var wg sync.WaitGroup
		got := make([]string, 4)
		for i := range got {
			wg.Go(func() {
				v, err := s.SetSettingIfAbsent(ctx, "token_secret", fmt.Sprintf("secret-%d", i))
				if err != nil {
					t.Errorf("set if absent: %v", err)
				}
				got[i] = v
			})
		}
		wg.Wait()
		for _, v := range got {
			if v != got[0] {
				t.Fatalf("processes got different secrets: %q", got)
			}
		}
		v, err := s.Setting(ctx, "token_secret")
		must(t, err)
		if v != got[0] {
			t.Errorf("stored %q, returned %q", v, got[0])
		}
	})
}

// A reference to a row that does not exist is refused.
func TestForeignKeysEnforced(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		tk := model.Ticket{Subject: "orphan", RequesterID: 999}
		wantErr(t, s.CreateTicket(ctx, &tk), store.ErrConflict)
	})
}

// SQLite transactions take the write lock at BEGIN (_txlock=immediate), so
// a writer outside waits for the transaction instead of racing it.
func TestSQLiteTxTakesWriteLockAtBegin(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t, store.SQLite)
	must(t, s.InTx(ctx, func(tx *store.Tx) error {
		c, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		if err := s.SetSetting(c, "outside", "x"); err == nil {
			t.Error("a write outside an open transaction did not wait for it")
		}
		return nil
	}))
	must(t, s.SetSetting(ctx, "outside", "x"))
}

// On a PostgreSQL server that has lz4, large values are compressed with it
// (migration 5); SQLite has the step recorded and nothing changed.
func TestLargeValuesCompressedWithLZ4(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		s := storetest.OpenWith(t, b, store.Options{})
		versions, err := store.SchemaVersions(ctx, s)
		must(t, err)
		if !slices.Contains(versions, 5) {
			t.Fatalf("schema versions %v lack 5", versions)
		}
		if b != store.Postgres {
			return
		}
		ok, err := store.LZ4Available(ctx, s)
		must(t, err)
		if !ok {
			t.Skip("this PostgreSQL server has no lz4: migration 5 is recorded and changes nothing")
		}
		got, err := store.Compression(ctx, s)
		must(t, err)
		for _, c := range []string{"raw_messages.raw", "blobs.content", "comments.html", "outbox.html_body"} {
			if got[c] != "l" {
				t.Errorf("%s compression %q, want l (lz4); all: %v", c, got[c], got)
			}
		}
	})
}
