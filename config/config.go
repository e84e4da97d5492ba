// Package config reads the helpdesk's configuration: built-in defaults,
// then a TOML file (HELPDESK_CONFIG / --config), then environment
// variables, which win (every secret can come from the environment). It
// validates values and names the key of any wrong one, and prints itself
// with secrets redacted. Only cmd/helpdesk reads it; other packages take
// plain Options.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/helpdesk-gw/helpdesk/policy"
)

// Config is the whole configuration. TOML keys are the field tags.
type Config struct {
	DB           string `toml:"db"`            // HELPDESK_DB
	Address      string `toml:"address"`       // HELPDESK_ADDRESS
	Secret       string `toml:"secret"`        // HELPDESK_SECRET
	AuthservID   string `toml:"authserv_id"`   // HELPDESK_AUTHSERV_ID
	HelpdeskName string `toml:"helpdesk_name"` // display name, "Support"
	NoteWord     string `toml:"note_address"`  // sub-address for notes, "note" (support+note@)
	Templates    string `toml:"templates"`     // folder overriding built-in templates
	IMAP         string `toml:"imap"`          // HELPDESK_IMAP
	SMTP         string `toml:"smtp"`          // HELPDESK_SMTP
	HTTP         string `toml:"http"`          // HELPDESK_HTTP
	// BaseURL is the portal's public URL (HELPDESK_BASE_URL): the web is
	// on when it is set, and in the zero-set-up local run.
	BaseURL string `toml:"base_url"`
	// Metrics is the listen address of /metrics and /readyz's details apart
	// from the public pages (HELPDESK_METRICS); "" keeps them on http,
	// allowed only while the web is not on a non-loopback address.
	Metrics string `toml:"metrics"`

	// serve: logs, shutdown, and the built-in local mail server used when
	// imap (local_smtp, local_imap) or smtp (capture_dir) is empty.
	LogFormat     string        `toml:"log_format"`     // HELPDESK_LOG_FORMAT: text | json
	LogLevel      string        `toml:"log_level"`      // HELPDESK_LOG_LEVEL: debug | info | warn | error
	ShutdownGrace time.Duration `toml:"shutdown_grace"` // HELPDESK_SHUTDOWN_GRACE: in-flight work's time to finish on SIGTERM
	// OutboxLease is how long a claimed notification stays hidden from
	// other processes: after a crash, how long until another sends it.
	OutboxLease time.Duration `toml:"outbox_lease"` // HELPDESK_OUTBOX_LEASE
	LocalSMTP   string        `toml:"local_smtp"`   // HELPDESK_LOCAL_SMTP
	LocalIMAP   string        `toml:"local_imap"`   // HELPDESK_LOCAL_IMAP
	CaptureDir  string        `toml:"capture_dir"`  // HELPDESK_CAPTURE_DIR: where notifications go without smtp
	// MemoryLimit is serve's soft memory limit (memory.go); GOMEMLIMIT,
	// when set, wins.
	MemoryLimit MemoryLimit `toml:"memory_limit"` // HELPDESK_MEMORY_LIMIT

	UnknownSenders string   `toml:"unknown_senders"` // O7: accept | reject
	MaxNewCCs      int      `toml:"max_new_ccs"`     // C1
	CCBlocklist    []string `toml:"cc_blocklist"`    // C3
	AckLimit       int      `toml:"ack_limit"`       // B2, per address per hour
	LoopLimit      int      `toml:"loop_limit"`      // B2, per sender per ticket in 10 minutes
	ConfirmOver    int      `toml:"confirm_over"`    // admin changes widening access to more people need --yes

	MaxMessageBytes    int64 `toml:"max_message_bytes"`    // larger messages are recorded failed, "too large"
	MaxAttachmentBytes int64 `toml:"max_attachment_bytes"` // larger attachments are listed, not kept

	// OIDC is staff single sign-on (W1), the [oidc] table; off when empty.
	OIDC OIDC `toml:"oidc"`

	// OAuth are the OAuth 2.0 clients mailboxes sign in with, the
	// [oauth.NAME] tables (oauth.go); a mailbox or smtp URL names one with
	// oauth=NAME.
	OAuth map[string]OAuthClient `toml:"oauth"`
}

// Defaults returns the built-in configuration.
func Defaults() Config {
	return Config{
		DB: "sqlite:helpdesk.db", Address: "support@localhost", HelpdeskName: "Support", NoteWord: "note",
		HTTP: "127.0.0.1:8025", LogFormat: "text", LogLevel: "info", ShutdownGrace: 15 * time.Second,
		OutboxLease: 5 * time.Minute, MemoryLimit: DefaultMemoryLimit,
		LocalSMTP: "127.0.0.1:2525", LocalIMAP: "127.0.0.1:1143", CaptureDir: "helpdesk-sent", UnknownSenders: "accept", MaxNewCCs: policy.DefaultMaxNewCCs,
		CCBlocklist: append([]string(nil), policy.DefaultCCBlocklist...), AckLimit: 5, LoopLimit: 20,
		ConfirmOver: 20, MaxMessageBytes: 25 << 20, MaxAttachmentBytes: 25 << 20,
	}
}

// Load reads path (if not empty) over the defaults, then the environment.
func Load(path string, getenv func(string) string) (Config, error) {
	c := Defaults()
	if path != "" {
		md, err := toml.DecodeFile(path, &c)
		if err != nil {
			return c, fmt.Errorf("config %s: %w", path, err)
		}
		if keys := md.Undecoded(); len(keys) > 0 {
			return c, fmt.Errorf("config %s: unknown key %q", path, keys[0].String())
		}
		if err := c.expandSecrets(getenv); err != nil {
			return c, fmt.Errorf("config %s: %w", path, err)
		}
	}
	for env, dst := range map[string]*string{
		"HELPDESK_DB": &c.DB, "HELPDESK_ADDRESS": &c.Address, "HELPDESK_SECRET": &c.Secret,
		"HELPDESK_AUTHSERV_ID": &c.AuthservID, "HELPDESK_IMAP": &c.IMAP, "HELPDESK_SMTP": &c.SMTP, "HELPDESK_HTTP": &c.HTTP, "HELPDESK_BASE_URL": &c.BaseURL, "HELPDESK_METRICS": &c.Metrics,
		"HELPDESK_TEMPLATES": &c.Templates, "HELPDESK_LOG_FORMAT": &c.LogFormat, "HELPDESK_LOG_LEVEL": &c.LogLevel,
		"HELPDESK_LOCAL_SMTP": &c.LocalSMTP, "HELPDESK_LOCAL_IMAP": &c.LocalIMAP, "HELPDESK_CAPTURE_DIR": &c.CaptureDir,
		"HELPDESK_OIDC_ISSUER": &c.OIDC.Issuer, "HELPDESK_OIDC_CLIENT_ID": &c.OIDC.ClientID, "HELPDESK_OIDC_CLIENT_SECRET": &c.OIDC.ClientSecret,
	} {
		if v := getenv(env); v != "" {
			*dst = v
		}
	}
	for env, d := range map[string]struct {
		key string
		dst *time.Duration
	}{"HELPDESK_SHUTDOWN_GRACE": {"shutdown_grace", &c.ShutdownGrace}, "HELPDESK_OUTBOX_LEASE": {"outbox_lease", &c.OutboxLease}} {
		if v := getenv(env); v != "" {
			var err error
			if *d.dst, err = time.ParseDuration(v); err != nil {
				return c, fmt.Errorf("config key %s (%s): want a duration such as 15s, got %q", d.key, env, v)
			}
		}
	}
	if v := getenv("HELPDESK_MEMORY_LIMIT"); v != "" {
		l, err := ParseMemoryLimit(v)
		if err != nil {
			return c, fmt.Errorf("config key memory_limit (HELPDESK_MEMORY_LIMIT): %w", err)
		}
		c.MemoryLimit = l
	}
	return c, c.Validate()
}

// expandSecrets replaces ${NAME} in the values that carry secrets (db,
// secret, imap, smtp, oidc.client_secret) with the environment variable NAME, so that a
// configuration file can name its secrets without holding them.
func (c *Config) expandSecrets(getenv func(string) string) error {
	for key, p := range map[string]*string{"db": &c.DB, "secret": &c.Secret, "imap": &c.IMAP, "smtp": &c.SMTP, "oidc.client_secret": &c.OIDC.ClientSecret} {
		v, err := expandVars(*p, getenv)
		if err != nil {
			return fmt.Errorf("config key %s: %w", key, err)
		}
		*p = v
	}
	return c.expandOAuthSecrets(getenv)
}

// expandVars replaces each ${NAME} of s; an unset or empty NAME is an error.
func expandVars(s string, getenv func(string) string) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return "", errors.New("unclosed ${ (want ${NAME} naming an environment variable)")
		}
		name := s[i+2 : i+j]
		v := getenv(name)
		if v == "" {
			return "", fmt.Errorf("environment variable %s (named as ${%s}) is not set", name, name)
		}
		b.WriteString(s[:i])
		b.WriteString(v)
		s = s[i+j+1:]
	}
}

// Validate checks every value and names the key of a wrong one.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config key %s: %s", key, fmt.Sprintf(format, args...)))
	}
	if at := strings.LastIndexByte(c.Address, '@'); at <= 0 || at == len(c.Address)-1 || strings.ContainsAny(c.Address, " +<>") {
		bad("address", "want the support address like support@example.com (no +), got %q", c.Address)
	}
	if c.UnknownSenders != "accept" && c.UnknownSenders != "reject" {
		bad("unknown_senders", "want accept or reject, got %q", c.UnknownSenders)
	}
	for key, v := range map[string]int{"max_new_ccs": c.MaxNewCCs, "ack_limit": c.AckLimit, "loop_limit": c.LoopLimit, "confirm_over": c.ConfirmOver} {
		if v <= 0 {
			bad(key, "want a positive number, got %d", v)
		}
	}
	if c.MaxMessageBytes <= 0 || c.MaxAttachmentBytes <= 0 {
		bad("max_message_bytes", "want positive byte counts")
	}
	if c.NoteWord != "note" && (c.NoteWord == "" || policy.ValidateSlug(c.NoteWord) == nil) {
		// O1: the note word must not be usable as an organisation slug
		bad("note_address", "want a word organisations cannot take as a slug, such as note; got %q", c.NoteWord)
	}
	if _, err := ParseIMAP(c.IMAP, c.MaxMessageBytes); err != nil {
		bad("imap", "%v", err)
	}
	if c.Secret != "" && len(c.Secret) < 16 {
		bad("secret", "want at least 16 characters")
	}
	if c.SMTP != "" && !strings.HasPrefix(c.SMTP, "smtp://") && !strings.HasPrefix(c.SMTP, "smtps://") {
		bad("smtp", "want smtps://USER:PASS@HOST:465 or smtp://USER:PASS@HOST:587, got %q", redactURLs(c.SMTP))
	}
	c.validateServe(bad)
	c.validateOIDC(bad)
	c.validateOAuth(bad)
	return errors.Join(errs...)
}

// validateServe checks the keys only serve reads.
func (c Config) validateServe(bad func(key, format string, args ...any)) {
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("log_format", "want text or json, got %q", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level", "want debug, info, warn or error, got %q", c.LogLevel)
	}
	if c.ShutdownGrace <= 0 || c.ShutdownGrace > 10*time.Minute {
		bad("shutdown_grace", "want a duration between 1s and 10m such as 15s, got %s", c.ShutdownGrace)
	}
	if c.OutboxLease < 5*time.Second || c.OutboxLease <= c.ShutdownGrace {
		bad("outbox_lease", "want a duration of at least 5s and longer than shutdown_grace (%s), such as 5m; got %s", c.ShutdownGrace, c.OutboxLease)
	}
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad("base_url", "want the portal's public URL such as https://help.example.com, got %q", c.BaseURL)
		}
	}
	host, _, err := net.SplitHostPort(c.HTTP)
	if err != nil {
		bad("http", "want a listen address host:port such as 127.0.0.1:8025, got %q", c.HTTP)
	}
	if c.Metrics != "" {
		if _, _, err := net.SplitHostPort(c.Metrics); err != nil {
			bad("metrics", "want a listen address host:port such as 127.0.0.1:9025, got %q", c.Metrics)
		}
	} else if ip := net.ParseIP(host); c.BaseURL != "" && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		bad("metrics", "required when the web listens on a non-loopback address (http = %q): give /metrics an address of its own, such as 127.0.0.1:9025, so that metrics are never public by accident", c.HTTP)
	}
	for key, v := range map[string]string{"local_smtp": c.LocalSMTP, "local_imap": c.LocalIMAP} {
		host, _, err := net.SplitHostPort(v)
		ip := net.ParseIP(host)
		if err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			bad(key, "want a loopback host:port such as 127.0.0.1:2525 (the local mail server is for trying only), got %q", v)
		}
	}
	if c.CaptureDir == "" {
		bad("capture_dir", "want a folder")
	}
	if err := c.MemoryLimit.validate(); err != nil {
		bad("memory_limit", "%v", err)
	}
}

// IMAPMailboxes returns the mailboxes of the imap key, parsed.
func (c Config) IMAPMailboxes() ([]IMAPMailbox, error) { return ParseIMAP(c.IMAP, c.MaxMessageBytes) }

// Redacted returns the configuration as TOML with secrets hidden.
func (c Config) Redacted() string {
	if c.Secret != "" {
		c.Secret = "(redacted)"
	}
	c.DB, c.IMAP, c.SMTP = redactURLs(c.DB), redactURLs(c.IMAP), redactURLs(c.SMTP)
	c.OIDC = c.OIDC.redacted()
	c.OAuth = redactedOAuth(c.OAuth)
	var b strings.Builder
	_ = toml.NewEncoder(&b).Encode(c) // encoding a plain struct cannot fail
	return b.String()
}

// RedactURL hides the password of a URL such as a database URL.
func RedactURL(s string) string { return redactURLs(s) }

// redactURLs hides the passwords of space-separated URLs.
func redactURLs(s string) string {
	parts := strings.Fields(s)
	for i, p := range parts {
		scheme, rest, ok := strings.Cut(p, "://")
		if !ok {
			continue
		}
		at := strings.LastIndexByte(rest, '@')
		if at < 0 {
			continue
		}
		user, _, hasPass := strings.Cut(rest[:at], ":")
		if hasPass {
			parts[i] = scheme + "://" + user + ":(redacted)" + rest[at:]
		}
	}
	return strings.Join(parts, " ")
}
