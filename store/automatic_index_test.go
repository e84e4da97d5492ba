package store_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// TestAutomaticMailCountedByItsPartialIndex: the condition the queries
// use to count automatic mail (B2) is word for word the one of the
// partial index of migration 17, and both databases plan the count on
// that index, so that an address told of every new ticket (staff) is
// not read notification by notification.
func TestAutomaticMailCountedByItsPartialIndex(t *testing.T) {
	if !strings.Contains(store.SchemaV17, "WHERE "+store.AutomaticKindsSQL+";") {
		t.Fatalf("migration 17's partial index does not repeat %q:\n%s", store.AutomaticKindsSQL, store.SchemaV17)
	}
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		ctx := context.Background()
		s, err := store.Open(ctx, storetest.URL(t, b), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		conn, err := store.Conn(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		query := `SELECT COUNT(*) FROM outbox WHERE to_addr = 'sam@help.example' AND created_at >= '2026-01-01' AND ` + store.AutomaticKindsSQL
		explain := "EXPLAIN QUERY PLAN "
		if b == store.Postgres {
			explain = "EXPLAIN "
			if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil { // an empty table: ask for the index it would use
				t.Fatal(err)
			}
		}
		rows, err := conn.QueryContext(ctx, explain+query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var plan strings.Builder
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				switch v := v.(type) {
				case string:
					plan.WriteString(v + " ")
				case []byte:
					plan.WriteString(string(v) + " ")
				}
			}
			plan.WriteString("\n")
		}
		if !regexp.MustCompile(`\boutbox_automatic_to_created\b`).MatchString(plan.String()) {
			t.Errorf("the count of automatic mail is not planned on outbox_automatic_to_created:\n%s", plan.String())
		}
	})
}
