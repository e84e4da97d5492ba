package admin

import (
	"context"
	"errors"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// OutboxRetry queues a failed notification again, as staff (S1): the
// sender checks again at send time who may receive it (N1, R7, B3).
// Audited (S3).
func (s *Service) OutboxRetry(ctx context.Context, req Request, id int64) error {
	return s.change(ctx, req, func(tx *store.Tx) error {
		if _, err := actor(ctx, tx, req, model.RoleAgent); err != nil {
			return err
		}
		row, err := tx.OutboxByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return refused("no notification %d", id)
		} else if err != nil {
			return err
		}
		if row.Status != model.OutboxFailed {
			return refused("notification %d is %s, not failed: nothing to retry", id, row.Status)
		}
		if err := tx.Reschedule(ctx, id, s.now().UTC(), row.LastError); err != nil {
			return err
		}
		return s.audit(ctx, tx, req, "outbox.retry", fmt.Sprint(id), map[string]any{"status": "failed", "to": row.To, "last_error": row.LastError},
			map[string]any{"status": "queued"})
	})
}

// Bouncing lists the addresses marked bouncing (B3): nothing is sent to
// them until they write again or staff clear the mark.
func (s *Service) Bouncing(ctx context.Context) ([]string, error) {
	us, err := s.st.ListBouncing(ctx)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, u := range us {
		out = append(out, u.Email)
	}
	return out, nil
}

// ClearBouncing clears an address's bouncing mark (B3), as staff; audited.
func (s *Service) ClearBouncing(ctx context.Context, req Request, email string) error {
	return s.change(ctx, req, func(tx *store.Tx) error {
		if _, err := actor(ctx, tx, req, model.RoleAgent); err != nil {
			return err
		}
		u, err := loadUser(ctx, tx, email)
		if err != nil {
			return err
		}
		if !u.Bouncing {
			return refused("%s is not marked bouncing", u.Email)
		}
		u.Bouncing = false
		if err := tx.UpdateUser(ctx, &u); err != nil {
			return err
		}
		return s.audit(ctx, tx, req, "user.bouncing.clear", u.Email, map[string]any{"bouncing": true}, map[string]any{"bouncing": false})
	})
}
