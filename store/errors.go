package store

import (
	"database/sql"
	"errors"

	"modernc.org/sqlite"
)

// The sentinel errors of the store; test for them with errors.Is.
var (
	// ErrNotFound: the row asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate: a unique constraint refused the row (an email, slug,
	// Message-ID … already stored).
	ErrDuplicate = errors.New("already exists")
	// ErrConflict: a concurrent transaction, a lock timeout or a reference
	// to a missing row prevented the change; retrying later may succeed.
	ErrConflict = errors.New("conflict")
)

// PostgreSQL SQLSTATE codes the store acts on.
const (
	pgUniqueViolation      = "23505"
	pgForeignKeyViolation  = "23503"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
	pgLockNotAvailable     = "55P03"
)

// SQLite result codes the store acts on (extended codes are enabled).
const (
	sqliteBusy             = 5
	sqliteLocked           = 6
	sqliteConstraintFK     = 787
	sqliteConstraintPK     = 1555
	sqliteConstraintUnique = 2067
)

// dbError is a driver error classified as one of the sentinels. It keeps the
// driver's code so that InTx can decide whether to retry.
type dbError struct {
	kind error
	code string // PostgreSQL SQLSTATE; "" for SQLite
	err  error
}

func (e *dbError) Error() string        { return e.kind.Error() + ": " + e.err.Error() }
func (e *dbError) Unwrap() error        { return e.err }
func (e *dbError) Is(target error) bool { return target == e.kind }

// translate classifies a driver error; others pass through unchanged.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if kind, code := classifyPostgres(err); kind != nil {
		return &dbError{kind: kind, code: code, err: err}
	}
	if kind := classifySQLite(err); kind != nil {
		return &dbError{kind: kind, err: err}
	}
	return err
}

func classifyPostgres(err error) (error, string) {
	var pe interface{ SQLState() string }
	if !errors.As(err, &pe) {
		return nil, ""
	}
	switch code := pe.SQLState(); code {
	case pgUniqueViolation:
		return ErrDuplicate, code
	case pgForeignKeyViolation, pgSerializationFailure, pgDeadlockDetected, pgLockNotAvailable:
		return ErrConflict, code
	}
	return nil, ""
}

func classifySQLite(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	switch code := se.Code(); {
	case code == sqliteConstraintUnique, code == sqliteConstraintPK:
		return ErrDuplicate
	case code == sqliteConstraintFK, code&0xff == sqliteBusy, code&0xff == sqliteLocked:
		return ErrConflict
	}
	return nil
}

// pgCode returns the PostgreSQL SQLSTATE behind err, or "".
func pgCode(err error) string {
	var de *dbError
	if errors.As(err, &de) {
		return de.code
	}
	return ""
}
