package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/config"
	"github.com/helpdesk-gw/helpdesk/outbound"
	"github.com/helpdesk-gw/helpdesk/templates"
)

// checkServe is serve --check: it validates what serve would use without
// opening anything (no database, no port, no mail server; but it signs in
// once to the mailboxes and relay that use OAuth, checkOAuth), says what
// would run, and prints the configuration with its secrets redacted. A
// wrong value is an error naming its key.
func (e *env) checkServe(ctx context.Context) error {
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	var errs []error
	mailboxes, err := cfg.IMAPMailboxes()
	if err != nil {
		errs = append(errs, fmt.Errorf("config key imap: %w", err))
	}
	var relay outbound.SenderOptions
	if cfg.SMTP != "" {
		if relay, err = outbound.ParseRelayURL(cfg.SMTP); err != nil {
			errs = append(errs, fmt.Errorf("config key smtp: %w", err))
		}
	}
	if _, err := templates.Load(cfg.Templates); err != nil {
		errs = append(errs, fmt.Errorf("config key templates: %w", err))
	}
	signIn, err := checkSSO(cfg)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	signedIn, err := checkOAuth(ctx, cfg, mailboxes, relay)
	if err != nil {
		return err
	}
	w := e.stdout
	if len(signedIn) == 0 {
		fmt.Fprintln(w, "# helpdesk serve --check: the configuration is valid (the database and servers were not contacted).")
	} else {
		fmt.Fprintln(w, "# helpdesk serve --check: the configuration is valid (the database was not contacted; the mail servers using OAuth were signed in to once).")
	}
	fmt.Fprintf(w, "# database: %s\n", config.RedactURL(cfg.DB))
	if len(mailboxes) == 0 {
		fmt.Fprintf(w, "# mail in:  the built-in local mail server (trying and testing only): SMTP %s, IMAP %s\n", cfg.LocalSMTP, cfg.LocalIMAP)
	}
	for _, m := range mailboxes {
		fmt.Fprintf(w, "# mail in:  mailbox %s: %s as %s, folder %s, tls %s, mark %s, poll %s\n",
			m.Name, m.Addr, m.Username, m.Folder, m.TLS, m.Mark, m.PollInterval)
	}
	if cfg.SMTP == "" {
		fmt.Fprintf(w, "# mail out: captured in the folder %s (nothing is sent)\n", cfg.CaptureDir)
	} else {
		fmt.Fprintf(w, "# mail out: relay %s\n", relay)
	}
	for _, l := range signedIn {
		fmt.Fprintf(w, "# OAuth:    %s\n", l)
	}
	fmt.Fprintf(w, "# staff:    %s\n", staffProof(cfg.AuthservID))
	if webURL(cfg) != "" {
		fmt.Fprintf(w, "# sign-in:  %s\n", signIn)
	}
	fmt.Fprintf(w, "# HTTP:     %s (/healthz, /readyz, /metrics)\n", cfg.HTTP)
	if v := e.getenv("GOMEMLIMIT"); v != "" {
		fmt.Fprintf(w, "# memory:   GOMEMLIMIT=%s from the environment (it wins over memory_limit)\n", v)
	} else {
		fmt.Fprintf(w, "# memory:   soft limit %s (memory_limit)\n", cfg.MemoryLimit)
	}
	fmt.Fprint(w, cfg.Redacted())
	return nil
}
