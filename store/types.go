package store

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"
)

// timeLayout is how times are written: fixed width, UTC, microseconds, so
// that SQLite's text comparison orders them and PostgreSQL parses them.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// normTime is t as it comes back from the database: UTC, microseconds.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// dbTime maps a time.Time to a column: the zero time is NULL.
type dbTime time.Time

// Value implements driver.Valuer.
func (t dbTime) Value() (driver.Value, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return nil, nil
	}
	return normTime(tt).Format(timeLayout), nil
}

// Scan implements sql.Scanner.
func (t *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*t = dbTime{}
	case time.Time:
		*t = dbTime(normTime(v))
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	default:
		return fmt.Errorf("scan time: unexpected %T", src)
	}
	return nil
}

// timeLayouts are the text forms a time column may come back in.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 -0700 MST",
	"2006-01-02 15:04:05",
}

func (t *dbTime) parse(s string) error {
	for _, layout := range timeLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			*t = dbTime(normTime(v))
			return nil
		}
	}
	return fmt.Errorf("scan time: cannot parse %q", s)
}

// nullID maps an optional foreign key to a column: 0 is NULL.
type nullID int64

// Value implements driver.Valuer.
func (n nullID) Value() (driver.Value, error) {
	if n == 0 {
		return nil, nil
	}
	return int64(n), nil
}

// Scan implements sql.Scanner.
func (n *nullID) Scan(src any) error {
	var v sql.NullInt64
	if err := v.Scan(src); err != nil {
		return err
	}
	*n = nullID(v.Int64)
	return nil
}

// nullString maps an optional text to a column: "" is NULL.
type nullString string

// Value implements driver.Valuer.
func (s nullString) Value() (driver.Value, error) {
	if s == "" {
		return nil, nil
	}
	return string(s), nil
}

// Scan implements sql.Scanner.
func (s *nullString) Scan(src any) error {
	var v sql.NullString
	if err := v.Scan(src); err != nil {
		return err
	}
	*s = nullString(v.String)
	return nil
}

// commaList maps a []string to one comma-separated text column.
type commaList []string

// Value implements driver.Valuer.
func (l commaList) Value() (driver.Value, error) { return strings.Join(l, ","), nil }

// Scan implements sql.Scanner.
func (l *commaList) Scan(src any) error { return scanList((*[]string)(l), src, ",") }

// spaceList maps a []string to one space-separated text column.
type spaceList []string

// Value implements driver.Valuer.
func (l spaceList) Value() (driver.Value, error) { return strings.Join(l, " "), nil }

// Scan implements sql.Scanner.
func (l *spaceList) Scan(src any) error { return scanList((*[]string)(l), src, " ") }

func scanList(l *[]string, src any, sep string) error {
	var v sql.NullString
	if err := v.Scan(src); err != nil {
		return err
	}
	*l = nil
	for _, s := range strings.Split(v.String, sep) {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}
