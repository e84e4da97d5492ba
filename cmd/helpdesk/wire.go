package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/config"
	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/message"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/templates"
	"github.com/helpdesk-gw/helpdesk/threading"
)

// env is one command's wiring: configuration, store, pipeline, admin.
type env struct {
	g              global
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string

	cfg   config.Config
	st    *store.Store
	pipe  *ingest.Pipeline
	admin *admin.Service
	log   *slog.Logger
	addrs threading.Addresses

	// serving: serve logs at the configured level; other commands log
	// warnings and errors only.
	serving bool
	// mayCreate: this command creates the store when it does not exist
	// (cli.md: serve, ingest, the first owner's staff add).
	mayCreate bool
	// scratch is the folder of a dry run's throwaway store, removed on close.
	scratch string
}

func (e *env) close() {
	if e.st != nil {
		e.st.Close()
	}
	if e.scratch != "" {
		os.RemoveAll(e.scratch)
	}
}

// open loads the configuration and opens the store (applying migrations)
// and the services built on it. A store that does not exist is created
// only by the commands that may (mayCreate); see storeURL.
func (e *env) open(ctx context.Context) error {
	if e.st != nil {
		return nil
	}
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	e.cfg = cfg
	level := "warn"
	if e.serving {
		level = cfg.LogLevel
	}
	e.log = newLogger(e.stderr, cfg.LogFormat, level)
	url, err := e.storeURL()
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, url, store.Options{Logger: e.log})
	if err != nil {
		return fmt.Errorf("open store %s: %w", redactedDB(cfg), err)
	}
	e.st = st
	secret, err := tokenSecret(ctx, st, cfg.Secret)
	if err != nil {
		return err
	}
	tmpl, err := templates.Load(cfg.Templates)
	if err != nil {
		return err
	}
	e.addrs = threading.NewAddresses(cfg.Address, cfg.NoteWord, threading.NewSigner(secret))
	e.pipe = e.newPipeline(tmpl)
	e.admin = admin.New(admin.Options{Store: st, Releaser: e.pipe, ConfirmOver: cfg.ConfirmOver,
		IsOwn: e.addrs.IsOwn, CCBlocklist: cfg.CCBlocklist})
	return nil
}

// newPipeline builds the ingest pipeline with a set of templates; serve
// builds a new one when SIGHUP reloads them (a Pipeline holds no state of
// its own between messages).
func (e *env) newPipeline(tmpl *templates.Set) *ingest.Pipeline {
	cfg := e.cfg
	return ingest.New(ingest.Options{
		Store: e.st, Addresses: e.addrs, Templates: tmpl, TrustedAuthservID: cfg.AuthservID,
		UnknownSenders: policy.UnknownSenders(cfg.UnknownSenders), MaxNewCCs: cfg.MaxNewCCs, CCBlocklist: cfg.CCBlocklist,
		AckLimit: cfg.AckLimit, LoopLimit: cfg.LoopLimit, HelpdeskName: cfg.HelpdeskName, Logger: e.log,
		Parse:    message.Options{MaxAttachmentSize: cfg.MaxAttachmentBytes},
		MaxBytes: cfg.MaxMessageBytes,
		WebURL:   webURL(cfg),
	})
}

// webURL is the portal's URL: HELPDESK_BASE_URL, or in the zero-set-up
// local run (no mailboxes configured) the HTTP port's own URL; "" when the
// web is off. serve and the other commands agree on it, so that a reply
// from the command line links to the same pages.
func webURL(cfg config.Config) string {
	if cfg.BaseURL != "" {
		return strings.TrimSuffix(cfg.BaseURL, "/")
	}
	if strings.TrimSpace(cfg.IMAP) == "" {
		return "http://" + cfg.HTTP
	}
	return ""
}

// newLogger is the process's structured log: text or JSON on w.
func newLogger(w io.Writer, format, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // validated by config; unknown stays info
	opts := &slog.HandlerOptions{Level: l, ReplaceAttr: readableDurations}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// loadConfig reads the configuration: defaults, file, environment, then
// the --db flag.
func (e *env) loadConfig() (config.Config, error) {
	cfg, err := config.Load(e.g.config, e.getenv)
	if err != nil {
		return cfg, err
	}
	if e.g.db != "" {
		cfg.DB = e.g.db
	}
	return cfg, nil
}

// redactedDB is the database URL with any password hidden.
func redactedDB(c config.Config) string {
	return config.RedactURL(c.DB)
}

// tokenSecret is HELPDESK_SECRET, or a secret generated once and kept in
// the store, shared by every process on it (T1).
func tokenSecret(ctx context.Context, st *store.Store, configured string) ([]byte, error) {
	if configured != "" {
		return []byte(configured), nil
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("generate token secret: %w", err)
	}
	kept, err := st.SetSettingIfAbsent(ctx, "token_secret", hex.EncodeToString(b[:]))
	if err != nil {
		return nil, fmt.Errorf("keep token secret: %w", err)
	}
	return []byte(kept), nil
}

// request is the admin request of this command line.
func (e *env) request() admin.Request {
	return admin.Request{As: e.g.as, Reason: e.g.reason, DryRun: e.g.dryRun, Yes: e.g.yes}
}

// printJSON writes v as indented JSON, its empty lists as [] (cli.md).
func (e *env) printJSON(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(withEmptyLists(v))
}

// jsonMarshal is v as JSON on one line, its empty lists as [].
func jsonMarshal(v any) ([]byte, error) { return json.Marshal(withEmptyLists(v)) }
