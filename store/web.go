package store

import (
	"context"
	"fmt"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
)

// SignIn is a web sign-in link (W1), kept as the hash of its token.
type SignIn struct {
	TokenHash string
	Email     string
	Client    string // who asked: the client's address, for rate limits
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero while unused
}

// AddSignIn stores a new sign-in link.
func (q *queries) AddSignIn(ctx context.Context, s SignIn) error {
	_, err := q.exec(ctx, "store sign-in link",
		`INSERT INTO web_signins (token_hash, email, client, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		s.TokenHash, model.NormalizeEmail(s.Email), s.Client, dbTime(s.CreatedAt), dbTime(s.ExpiresAt))
	return err
}

// CountSignInsSince counts the sign-in links asked for an address, or by a
// client (the other ""), since t.
func (q *queries) CountSignInsSince(ctx context.Context, email, client string, t time.Time) (int, error) {
	if email != "" {
		return q.count(ctx, "count sign-in links of "+email,
			`SELECT COUNT(*) FROM web_signins WHERE email = ? AND created_at >= ?`, model.NormalizeEmail(email), dbTime(t))
	}
	return q.count(ctx, "count sign-in links of client "+client,
		`SELECT COUNT(*) FROM web_signins WHERE client = ? AND created_at >= ?`, client, dbTime(t))
}

// UseSignIn marks the unused, unexpired link with that hash used at now and
// returns its address; ErrNotFound when there is none (used, expired or
// made up). Single use holds across processes: the update is conditional.
func (q *queries) UseSignIn(ctx context.Context, tokenHash string, now time.Time) (string, error) {
	email, err := getOne(ctx, q, "find sign-in link", scanValue[string],
		`SELECT email FROM web_signins WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`, tokenHash, dbTime(now))
	if err != nil {
		return "", err
	}
	n, err := q.exec(ctx, "use sign-in link",
		`UPDATE web_signins SET used_at = ? WHERE token_hash = ? AND used_at IS NULL`, dbTime(now), tokenHash)
	if err != nil {
		return "", err
	}
	if n == 0 {
		return "", fmt.Errorf("use sign-in link: %w", ErrNotFound)
	}
	return email, nil
}

// Session is a signed-in browser (W6), kept as the hash of its id.
type Session struct {
	IDHash    string
	UserID    int64
	StaffRole model.StaffRole // the role when it began: a change ends it
	CreatedAt time.Time
	LastSeen  time.Time
}

// AddSession stores a new session.
func (q *queries) AddSession(ctx context.Context, s Session) error {
	_, err := q.exec(ctx, "store session",
		`INSERT INTO web_sessions (id_hash, user_id, staff_role, created_at, last_seen) VALUES (?, ?, ?, ?, ?)`,
		s.IDHash, s.UserID, string(s.StaffRole), dbTime(s.CreatedAt), dbTime(s.LastSeen))
	return err
}

// SessionByHash returns the session that has not ended with that hash, or
// ErrNotFound.
func (q *queries) SessionByHash(ctx context.Context, idHash string) (Session, error) {
	return getOne(ctx, q, "find session", func(r rowScanner) (Session, error) {
		var s Session
		err := r.Scan(&s.IDHash, &s.UserID, &s.StaffRole, (*dbTime)(&s.CreatedAt), (*dbTime)(&s.LastSeen))
		return s, err
	}, `SELECT id_hash, user_id, staff_role, created_at, last_seen FROM web_sessions WHERE id_hash = ? AND ended_at IS NULL`, idHash)
}

// TouchSession records that the session was used at now.
func (q *queries) TouchSession(ctx context.Context, idHash string, now time.Time) error {
	_, err := q.exec(ctx, "touch session", `UPDATE web_sessions SET last_seen = ? WHERE id_hash = ?`, dbTime(now), idHash)
	return err
}

// EndSession ends a session (sign-out, idle expiry, a role change).
func (q *queries) EndSession(ctx context.Context, idHash string, now time.Time) error {
	_, err := q.exec(ctx, "end session", `UPDATE web_sessions SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL`, dbTime(now), idHash)
	return err
}
