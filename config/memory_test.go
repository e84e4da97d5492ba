package config

import (
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestMemoryLimitFromFileAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		file, env string
		want      MemoryLimit
	}{
		{"", "", 100 << 20},
		{`memory_limit = "512MiB"`, "", 512 << 20},
		{`memory_limit = "1GiB"`, "", 1 << 30},
		{"memory_limit = 268435456", "", 256 << 20},
		{`memory_limit = "off"`, "", 0},
		{`memory_limit = "512MiB"`, "2GiB", 2 << 30},
		{`memory_limit = "512MiB"`, "off", 0},
	} {
		p := filepath.Join(dir, "c.toml")
		os.WriteFile(p, []byte(c.file+"\n"), 0o600)
		got, err := Load(p, env(map[string]string{"HELPDESK_MEMORY_LIMIT": c.env}))
		if err != nil {
			t.Errorf("%q, HELPDESK_MEMORY_LIMIT=%q: %v", c.file, c.env, err)
			continue
		}
		if got.MemoryLimit != c.want {
			t.Errorf("%q, HELPDESK_MEMORY_LIMIT=%q: memory_limit %s, want %s", c.file, c.env, got.MemoryLimit, c.want)
		}
	}
}

func TestWrongMemoryLimitNamesTheKey(t *testing.T) {
	dir := t.TempDir()
	for _, body := range []string{`memory_limit = "100MB"`, `memory_limit = "lots"`, `memory_limit = "1MiB"`,
		"memory_limit = -5", "memory_limit = 1.5", `memory_limit = "0"`} {
		p := filepath.Join(dir, "c.toml")
		os.WriteFile(p, []byte(body+"\n"), 0o600)
		if _, err := Load(p, env(nil)); err == nil || !strings.Contains(err.Error(), "memory_limit") {
			t.Errorf("%q: error %v does not name memory_limit", body, err)
		}
	}
	_, err := Load("", env(map[string]string{"HELPDESK_MEMORY_LIMIT": "100 megabytes"}))
	if err == nil || !strings.Contains(err.Error(), "memory_limit (HELPDESK_MEMORY_LIMIT)") {
		t.Errorf("HELPDESK_MEMORY_LIMIT=\"100 megabytes\": error %v does not name the key and variable", err)
	}
}

// The printed configuration reads back to the same limit.
func TestMemoryLimitPrintsAsItIsWritten(t *testing.T) {
	for _, l := range []MemoryLimit{DefaultMemoryLimit, 0, 3 << 30, 100<<20 + 1} {
		c := Defaults()
		c.MemoryLimit = l
		p := filepath.Join(t.TempDir(), "c.toml")
		os.WriteFile(p, []byte(c.Redacted()), 0o600)
		back, err := Load(p, env(nil))
		if err != nil || back.MemoryLimit != l {
			t.Errorf("%s printed as %q, read back as %s (%v)", l, line(c.Redacted(), "memory_limit"), back.MemoryLimit, err)
		}
	}
}

func line(s, prefix string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

func TestApplyMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })

	c := Defaults()
	limit, from, restore := c.ApplyMemoryLimit(env(nil))
	if limit != 100<<20 || from != MemoryLimitFromConfig || debug.SetMemoryLimit(-1) != 100<<20 {
		t.Errorf("defaults: limit %d from %s, runtime's %d; want 100 MiB from memory_limit", limit, from, debug.SetMemoryLimit(-1))
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Errorf("after restore the runtime's limit is %d, want %d as before", got, before)
	}

	c.MemoryLimit = 0
	limit, from, restore = c.ApplyMemoryLimit(env(nil))
	if limit != 0 || from != MemoryLimitFromConfig || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Errorf("off: limit %d from %s, runtime's %d; want none", limit, from, debug.SetMemoryLimit(-1))
	}
	restore()

	// GOMEMLIMIT, read by the runtime at start-up, wins: the limit in
	// force is left as it is.
	debug.SetMemoryLimit(300 << 20) // as GOMEMLIMIT=300MiB would have
	c.MemoryLimit = DefaultMemoryLimit
	limit, from, restore = c.ApplyMemoryLimit(env(map[string]string{"GOMEMLIMIT": "300MiB"}))
	if limit != 300<<20 || from != MemoryLimitFromGo || debug.SetMemoryLimit(-1) != 300<<20 {
		t.Errorf("GOMEMLIMIT=300MiB: limit %d from %s, runtime's %d; want 300 MiB from GOMEMLIMIT", limit, from, debug.SetMemoryLimit(-1))
	}
	restore()
}
