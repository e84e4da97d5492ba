package store

import (
	"context"

	"github.com/helpdesk-gw/helpdesk/model"
)

const auditCols = `id, at, actor, action, target, before, after, reason`

func scanAudit(r rowScanner) (model.AuditEntry, error) {
	var e model.AuditEntry
	err := r.Scan(&e.ID, (*dbTime)(&e.At), &e.Actor, &e.Action, &e.Target, &e.Before, &e.After, &e.Reason)
	return e, err
}

// AppendAudit appends an entry to the audit log (S3) and sets e.ID. The log
// is append-only: the store has no method to change or remove an entry.
func (q *queries) AppendAudit(ctx context.Context, e *model.AuditEntry) error {
	e.Actor = model.NormalizeEmail(e.Actor)
	q.stamp(&e.At)
	id, err := q.insert(ctx, "append audit entry "+e.Action,
		`INSERT INTO audit_log (at, actor, action, target, before, after, reason) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		dbTime(e.At), e.Actor, e.Action, e.Target, e.Before, e.After, e.Reason)
	if err != nil {
		return err
	}
	e.ID = id
	return nil
}

// ListAudit returns the whole audit log, oldest first.
func (q *queries) ListAudit(ctx context.Context) ([]model.AuditEntry, error) {
	return getAll(ctx, q, "list audit log", scanAudit, `SELECT `+auditCols+` FROM audit_log ORDER BY id`)
}
