package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// IMAP security modes.
const (
	TLSImplicit = "tls"      // imaps://: TLS from the first byte
	TLSStart    = "starttls" // imap://: STARTTLS before login
	TLSNone     = "none"     // ?tls=none: plain text, loopback test servers only
)

// Ways of marking a message processed on the server once it is recorded.
const (
	MarkMove   = "move"   // move to the processed folder
	MarkSeen   = "seen"   // flag \Seen and leave it
	MarkDelete = "delete" // flag \Deleted and expunge (the store keeps it)
)

// IMAPMailbox is one mailbox to poll, parsed from one HELPDESK_IMAP URL:
//
//	imaps://USER:PASS@HOST:993/FOLDER?processed=Done&failed=Failed&mark=move&poll=30s
type IMAPMailbox struct {
	Name     string // label in logs, metrics and the checkpoint; default USER@HOST/FOLDER
	Addr     string // host:port
	Host     string
	TLS      string // TLSImplicit, TLSStart or TLSNone
	Insecure bool   // tls=insecure: TLS without certificate checks (test servers only)
	Username string
	Password string // the password, or a fixed OAuth token when Auth is xoauth2 or oauthbearer without OAuth
	Auth     string // "" (PLAIN where offered, else LOGIN; xoauth2 with OAuth), plain, login, xoauth2, oauthbearer
	// OAuth names the [oauth.NAME] client whose tokens sign in (oauth=NAME);
	// the user name is then the mailbox's address.
	OAuth  string
	Folder string // the folder read, INBOX by default
	// Team is the slug of the team its new tickets go to (team=SLUG, I10),
	// when the message names no intake address of a team.
	Team string

	Mark         string        // MarkMove (default), MarkSeen or MarkDelete
	Processed    string        // folder for processed messages (mark=move), "Processed"
	Failed       string        // folder for messages recorded as failed, "Failed"
	PollInterval time.Duration // polling period, and re-check period under IDLE; 30s
	IDLE         bool          // use IDLE where offered; idle=off turns it off
	MaxBytes     int64         // larger messages are recorded failed, headers only; 0: config's max_message_bytes
	Timeout      time.Duration // limit on every IMAP command; 60s
	Batch        int           // messages recorded per transaction; 500 (and at most 8 MiB of them)
	// Lease is how long the mailbox's lease lasts without renewal: after a
	// crash, how long until another process reads the mailbox; 30s.
	Lease time.Duration
}

// IMAP option defaults.
const (
	DefaultPollInterval = 30 * time.Second
	DefaultIMAPTimeout  = 60 * time.Second
	DefaultIMAPBatch    = 500
	DefaultIMAPLease    = 30 * time.Second
)

// ParseIMAP parses HELPDESK_IMAP: URLs separated by spaces. maxBytes is the
// default size limit (max_message_bytes).
func ParseIMAP(s string, maxBytes int64) ([]IMAPMailbox, error) {
	var out []IMAPMailbox
	names := map[string]bool{}
	for _, raw := range strings.Fields(s) {
		m, err := parseIMAPURL(raw, maxBytes)
		if err != nil {
			return nil, fmt.Errorf("imap URL %s: %w", RedactURL(raw), err)
		}
		if names[m.Name] {
			return nil, fmt.Errorf("imap URL %s: mailbox name %q used twice (set name=…)", RedactURL(raw), m.Name)
		}
		names[m.Name] = true
		out = append(out, m)
	}
	return out, nil
}

func parseIMAPURL(raw string, maxBytes int64) (IMAPMailbox, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return IMAPMailbox{}, errors.New("not a URL")
	}
	m := IMAPMailbox{Mark: MarkMove, Processed: "Processed", Failed: "Failed", PollInterval: DefaultPollInterval,
		IDLE: true, MaxBytes: maxBytes, Timeout: DefaultIMAPTimeout, Batch: DefaultIMAPBatch,
		Lease: DefaultIMAPLease}
	port := ""
	switch u.Scheme {
	case "imaps":
		m.TLS, port = TLSImplicit, "993"
	case "imap":
		m.TLS, port = TLSStart, "143"
	default:
		return m, fmt.Errorf("want imaps:// or imap://, got %q", u.Scheme)
	}
	m.Host = u.Hostname()
	if m.Host == "" {
		return m, errors.New("no host")
	}
	if p := u.Port(); p != "" {
		port = p
	}
	m.Addr = net.JoinHostPort(m.Host, port)
	if u.User == nil || u.User.Username() == "" {
		return m, errors.New("no user name (imaps://USER:PASS@HOST/)")
	}
	m.Username = u.User.Username()
	m.Password, _ = u.User.Password()
	m.Folder = strings.TrimPrefix(u.Path, "/")
	if m.Folder == "" {
		m.Folder = "INBOX"
	}
	m.Name = m.Username + "@" + m.Host + "/" + m.Folder
	if err := m.applyQuery(u.Query()); err != nil {
		return m, err
	}
	if m.OAuth != "" && m.Auth == "" {
		m.Auth = "xoauth2"
	}
	return m, m.check()
}

// applyQuery reads the options given as query parameters.
func (m *IMAPMailbox) applyQuery(q url.Values) error {
	for key, vals := range q {
		v := vals[len(vals)-1]
		var err error
		switch key {
		case "name":
			m.Name = v
		case "tls":
			err = m.setTLS(v)
		case "auth":
			m.Auth = strings.ToLower(v)
		case "oauth":
			m.OAuth = v
		case "team":
			m.Team = strings.ToLower(v)
		case "mark":
			m.Mark = strings.ToLower(v)
		case "processed":
			m.Processed = v
		case "failed":
			m.Failed = v
		case "poll":
			m.PollInterval, err = time.ParseDuration(v)
		case "timeout":
			m.Timeout, err = time.ParseDuration(v)
		case "idle":
			m.IDLE, err = parseOnOff(v)
		case "max_size":
			m.MaxBytes, err = ParseBytes(v)
		case "batch":
			m.Batch, err = strconv.Atoi(v)
		case "lease":
			m.Lease, err = time.ParseDuration(v)
		default:
			return fmt.Errorf("unknown option %q (name, tls, auth, oauth, team, mark, processed, failed, poll, idle, timeout, max_size, batch, lease)", key)
		}
		if err != nil {
			return fmt.Errorf("option %s=%q: %w", key, v, err)
		}
	}
	return nil
}

func (m *IMAPMailbox) setTLS(v string) error {
	switch v {
	case "none":
		m.TLS = TLSNone
	case "insecure":
		m.Insecure = true
	case "tls", "starttls":
		m.TLS = v
	default:
		return errors.New("want tls, starttls, insecure or none")
	}
	return nil
}

// check validates the combination of options.
func (m IMAPMailbox) check() error {
	switch {
	case m.TLS == TLSNone && !isLoopback(m.Host):
		return fmt.Errorf("tls=none sends the password in clear: only for a loopback test server, not %s", m.Host)
	case m.Mark != MarkMove && m.Mark != MarkSeen && m.Mark != MarkDelete:
		return fmt.Errorf("mark=%q: want move, seen or delete", m.Mark)
	case m.Mark == MarkMove && (m.Processed == "" || m.Processed == m.Folder):
		return errors.New("mark=move needs a processed folder other than the folder read")
	case m.Failed == "" || m.Failed == m.Folder:
		return errors.New("the failed folder must differ from the folder read")
	case m.Auth != "" && m.Auth != "plain" && m.Auth != "login" && m.Auth != "xoauth2" && m.Auth != "oauthbearer":
		return fmt.Errorf("auth=%q: want plain, login, xoauth2 or oauthbearer", m.Auth)
	case m.OAuth != "" && m.Auth != "xoauth2" && m.Auth != "oauthbearer":
		return fmt.Errorf("oauth=%s signs in with tokens: want auth=xoauth2 or auth=oauthbearer, not %s", m.OAuth, m.Auth)
	case m.OAuth != "" && m.Password != "":
		return fmt.Errorf("oauth=%s signs in with tokens: leave the password out of the URL", m.OAuth)
	case m.OAuth == "" && (m.Auth == "xoauth2" || m.Auth == "oauthbearer") && m.Password == "":
		return fmt.Errorf("auth=%s needs oauth=NAME (an [oauth.NAME] table), or a fixed token as the password", m.Auth)
	case m.Team != "" && !teamSlug(m.Team):
		return fmt.Errorf("team=%q: want a team's slug (lower-case letters, digits and -)", m.Team)
	case m.PollInterval < 100*time.Millisecond:
		return errors.New("poll interval below 100ms")
	case m.Timeout < 100*time.Millisecond:
		return errors.New("timeout below 100ms")
	case m.MaxBytes <= 0:
		return errors.New("max_size must be positive")
	case m.Batch < 1 || m.Batch > 10000:
		return errors.New("batch must be between 1 and 10000")
	case m.Lease < 3*time.Second:
		return errors.New("lease below 3s")
	}
	return nil
}

// teamSlug reports whether s can be a team's slug.
func teamSlug(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return s != "" && s[0] != '-'
}

func parseOnOff(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "on", "true", "1", "yes":
		return true, nil
	case "off", "false", "0", "no":
		return false, nil
	}
	return false, errors.New("want on or off")
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ParseBytes reads a byte count: 1048576, 512KB, 25MB, 1GB (powers of 1024).
func ParseBytes(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.m
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("want a byte count such as 25MB, got %q", s)
	}
	return n * mult, nil
}
