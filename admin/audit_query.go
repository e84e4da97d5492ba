package admin

import (
	"context"
	"strings"
	"time"
)

// AuditQuery narrows the audit log (S3): zero fields keep everything.
// The command line (audit --actor --action --since) and the console's
// audit page ask through it.
type AuditQuery struct {
	Actor  string // the acting staff member's email
	Action string // an action (org.set), or its group (org)
	Target string // the exact target (an org slug, an email, a ticket id)
	Since  string // a date (2026-11-23) or an RFC 3339 time: at or after
	Until  string // a date (the whole day counts) or an RFC 3339 time: before
}

// parseWhen reads a date or an RFC 3339 time; a date's end is the next day.
func parseWhen(flag, s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, usage("%s %q is not a date (2026-11-23) or a time (2026-11-23T10:00:00Z)", flag, s)
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

// Keep returns the test of an entry against q, or a usage error for a
// time that is neither a date nor an RFC 3339 time.
func (q AuditQuery) Keep() (func(AuditView) bool, error) {
	actor := strings.ToLower(strings.TrimSpace(q.Actor))
	action := strings.ToLower(strings.TrimSpace(q.Action))
	target := strings.TrimSpace(q.Target)
	from, err := parseWhen("since", q.Since, false)
	if err != nil {
		return nil, err
	}
	until, err := parseWhen("until", q.Until, true)
	if err != nil {
		return nil, err
	}
	return func(a AuditView) bool {
		if actor != "" && a.Actor != actor {
			return false
		}
		if action != "" && a.Action != action && !strings.HasPrefix(a.Action, action+".") {
			return false
		}
		if target != "" && !strings.EqualFold(a.Target, target) {
			return false
		}
		if !from.IsZero() || !until.IsZero() {
			at, err := time.Parse(time.RFC3339, a.At)
			if err != nil || (!from.IsZero() && at.Before(from)) || (!until.IsZero() && !at.Before(until)) {
				return false
			}
		}
		return true
	}, nil
}

// AuditWhere lists the entries of the audit log that q keeps, oldest first.
func (s *Service) AuditWhere(ctx context.Context, q AuditQuery) ([]AuditView, error) {
	keep, err := q.Keep()
	if err != nil {
		return nil, err
	}
	all, err := s.Audit(ctx)
	if err != nil {
		return nil, err
	}
	out := []AuditView{}
	for _, a := range all {
		if keep(a) {
			out = append(out, a)
		}
	}
	return out, nil
}
