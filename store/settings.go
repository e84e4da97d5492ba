package store

import (
	"context"
	"fmt"
)

// Setting returns the value stored under key, or ErrNotFound.
func (q *queries) Setting(ctx context.Context, key string) (string, error) {
	return getOne(ctx, q, "get setting "+key, scanValue[string],
		`SELECT value FROM settings WHERE key = ?`, key)
}

// SetSettingIfAbsent stores value under key unless a value is there already,
// and returns the value stored: the first writer wins, across processes
// (used to generate the token secret once).
func (q *queries) SetSettingIfAbsent(ctx context.Context, key, value string) (string, error) {
	_, err := q.exec(ctx, "set setting "+key,
		`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, value)
	if err != nil {
		return "", err
	}
	return q.Setting(ctx, key)
}

// SetSetting stores value under key, replacing any value there.
func (q *queries) SetSetting(ctx context.Context, key, value string) error {
	_, err := q.exec(ctx, fmt.Sprintf("set setting %s", key),
		`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
		key, value)
	return err
}
