package outbound

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TLSMode is how a Sender protects its connection to the relay.
type TLSMode int

// The TLS modes. The zero value is STARTTLS, required.
const (
	TLSStartTLS TLSMode = iota // smtp://: STARTTLS is required, default port 587
	TLSImplicit                // smtps://: TLS from the first byte, default port 465
	TLSNone                    // ?tls=none: plain text, for a loopback test server
)

func (m TLSMode) String() string {
	switch m {
	case TLSImplicit:
		return "implicit"
	case TLSNone:
		return "none"
	}
	return "starttls"
}

// SenderOptions configure a Sender: one relay, its credentials, and how
// hard to use it.
type SenderOptions struct {
	Host string
	Port int // default 587, 465 with TLSImplicit, 25 with TLSNone
	TLS  TLSMode
	// TLSConfig verifies the relay; nil uses the system's roots and Host.
	TLSConfig *tls.Config
	// Username and Password log in (SMTP AUTH) when Username is set; Auth
	// names the mechanism ("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256",
	// …), "" picks the strongest the relay offers.
	Username, Password, Auth string
	// OAuth names the OAuth 2.0 client (oauth=NAME) whose tokens sign in,
	// as Username, by Auth XOAUTH2 (the default) or OAUTHBEARER; Token is
	// its source, set by the caller. A connection is not reused once its
	// token expired; a refused token is renewed once, on a new connection.
	OAuth string
	Token TokenSource
	// AuthPause is how long, after an OAuth sign-in failed, sends fail at
	// once (temporarily) without trying the relay (default 30 s).
	AuthPause time.Duration
	HELO      string // default: this machine's host name
	// Connections is how many connections are kept open and used at once
	// (default 2).
	Connections int
	// Rate limits submissions to this relay, in messages a second (0: no
	// limit); Burst is how many may go at once after a quiet spell
	// (default 1).
	Rate  float64
	Burst int
	// Timeout bounds connecting and each SMTP command (default 30 s).
	Timeout time.Duration
	// IdleTimeout closes a connection unused this long; the next message
	// opens a new one (default 30 s, below the five minutes RFC 5321 lets a
	// server wait).
	IdleTimeout time.Duration
}

func (o SenderOptions) withDefaults() SenderOptions {
	if o.Port == 0 {
		o.Port = map[TLSMode]int{TLSStartTLS: 587, TLSImplicit: 465, TLSNone: 25}[o.TLS]
	}
	if o.Connections <= 0 {
		o.Connections = 2
	}
	if o.Burst <= 0 {
		o.Burst = 1
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 30 * time.Second
	}
	if o.AuthPause <= 0 {
		o.AuthPause = 30 * time.Second
	}
	if o.OAuth != "" && o.Auth == "" {
		o.Auth = "XOAUTH2"
	}
	return o
}

// String describes the relay without its password.
func (o SenderOptions) String() string {
	user := ""
	if o.Username != "" {
		user = o.Username + ":xxxxx@"
	}
	oauth := ""
	if o.OAuth != "" {
		user = o.Username + "@"
		oauth = fmt.Sprintf(", OAuth %s by %s", o.OAuth, o.Auth)
	}
	return fmt.Sprintf("smtp relay %s%s (tls %s%s, %d connections, rate %g/s)",
		user, net.JoinHostPort(o.Host, strconv.Itoa(o.Port)), o.TLS, oauth, o.Connections, o.Rate)
}

// ParseRelayURL reads HELPDESK_SMTP:
//
//	smtps://USER:PASS@HOST:465          implicit TLS
//	smtp://USER:PASS@HOST:587           STARTTLS, required
//	smtp://127.0.0.1:2525?tls=none      plain text, for a loopback test server
//
// User and password are percent-decoded. Query parameters: tls
// (starttls|implicit|none), auth (a mechanism name), helo, pool
// (connections), rate (messages a second), burst, timeout and idle (Go
// durations: "30s"). Plain text with a password is refused unless the host
// is a loopback address: credentials never cross a network in the clear.
func ParseRelayURL(raw string) (SenderOptions, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return SenderOptions{}, fmt.Errorf("smtp relay URL: %w", redactURLError(err))
	}
	var o SenderOptions
	switch u.Scheme {
	case "smtp":
		o.TLS = TLSStartTLS
	case "smtps":
		o.TLS = TLSImplicit
	default:
		return SenderOptions{}, fmt.Errorf("smtp relay URL: scheme %q: want smtp:// or smtps://", u.Scheme)
	}
	o.Host = u.Hostname()
	if o.Host == "" {
		return SenderOptions{}, fmt.Errorf("smtp relay URL: no host")
	}
	if p := u.Port(); p != "" {
		if o.Port, err = strconv.Atoi(p); err != nil || o.Port < 1 || o.Port > 65535 {
			return SenderOptions{}, fmt.Errorf("smtp relay URL: port %q", p)
		}
	}
	if u.User != nil {
		o.Username = u.User.Username()
		o.Password, _ = u.User.Password()
	}
	if err := o.setQuery(u.Query()); err != nil {
		return SenderOptions{}, fmt.Errorf("smtp relay URL: %w", err)
	}
	if o.OAuth != "" && (o.Username == "" || o.Password != "") {
		return SenderOptions{}, fmt.Errorf("smtp relay URL: oauth=%s signs in with tokens as the mailbox's address: give the user (smtp://ADDRESS@HOST) and no password", o.OAuth)
	}
	if o.OAuth != "" && o.Auth != "" && o.Auth != "XOAUTH2" && o.Auth != "OAUTHBEARER" {
		return SenderOptions{}, fmt.Errorf("smtp relay URL: oauth=%s: want auth=xoauth2 or auth=oauthbearer, not %s", o.OAuth, strings.ToLower(o.Auth))
	}
	if o.TLS == TLSNone && o.Username != "" && !isLoopback(o.Host) {
		return SenderOptions{}, fmt.Errorf("smtp relay URL: tls=none with a password to %s, which is not a loopback address: use smtp:// (STARTTLS) or smtps://", o.Host)
	}
	return o.withDefaults(), nil
}

func (o *SenderOptions) setQuery(q url.Values) error {
	var err error
	for key, vals := range q {
		v := vals[len(vals)-1]
		switch key {
		case "tls":
			switch v {
			case "none":
				o.TLS = TLSNone
			case "starttls":
				o.TLS = TLSStartTLS
			case "implicit":
				o.TLS = TLSImplicit
			default:
				return fmt.Errorf("tls=%q: want starttls, implicit or none", v)
			}
		case "auth":
			o.Auth = strings.ToUpper(v)
		case "oauth":
			o.OAuth = v
		case "helo":
			o.HELO = v
		case "pool":
			if o.Connections, err = strconv.Atoi(v); err != nil || o.Connections < 1 {
				return fmt.Errorf("pool=%q: want a number of connections, at least 1", v)
			}
		case "rate":
			if o.Rate, err = strconv.ParseFloat(v, 64); err != nil || o.Rate < 0 {
				return fmt.Errorf("rate=%q: want messages a second, 0 for no limit", v)
			}
		case "burst":
			if o.Burst, err = strconv.Atoi(v); err != nil || o.Burst < 1 {
				return fmt.Errorf("burst=%q: want a number, at least 1", v)
			}
		case "timeout", "idle":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("%s=%q: want a duration such as 30s", key, v)
			}
			if key == "timeout" {
				o.Timeout = d
			} else {
				o.IdleTimeout = d
			}
		default:
			return fmt.Errorf("unknown parameter %q (known: tls, auth, oauth, helo, pool, rate, burst, timeout, idle)", key)
		}
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redactURLError keeps a password out of a URL parse error.
func redactURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
