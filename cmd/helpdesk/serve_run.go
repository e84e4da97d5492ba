package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/helpdesk-gw/helpdesk/config"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/templates"
)

// run runs the gateway until ctx ends (SIGINT or SIGTERM) or a part fails,
// then shuts down in two phases:
//
//  1. stop taking work: /readyz answers 503, the local SMTP port closes
//     and the poller reads what it was given, the pollers stop reading
//     and the worker stops claiming;
//  2. work in flight (an ingest batch, sends) finishes within the grace
//     period, then is cut: a cut batch is rolled back and read again later,
//     a cut send's row is given back.
//
// Then the parts close in reverse order of opening, the store last. SIGHUP
// reloads the templates. A second SIGINT or SIGTERM exits at once (main).
func (g *gateway) run(ctx context.Context) error {
	defer g.close()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	failed := make(chan error, len(g.pollers)+3)
	go func() {
		if err := g.http.serve(); err != nil {
			failed <- fmt.Errorf("HTTP %s: %w", g.e.cfg.HTTP, err)
		}
	}()
	if g.metrics != nil {
		go func() {
			if err := g.metrics.serve(); err != nil {
				failed <- fmt.Errorf("metrics %s: %w", g.e.cfg.Metrics, err)
			}
		}()
	}
	localCtx, stopLocal := context.WithCancel(context.WithoutCancel(ctx))
	defer stopLocal()
	localDone := make(chan struct{})
	go func() {
		defer close(localDone)
		if g.local != nil {
			if err := g.local.Run(localCtx); err != nil {
				failed <- err
			}
		}
	}()
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	var work sync.WaitGroup
	work.Go(func() { _ = g.worker.Run(workCtx) })
	for _, p := range g.pollers {
		work.Go(func() { _ = p.Run(workCtx) })
	}
	g.banner()

	var first error
	for first == nil && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case first = <-failed:
			g.log.Error("a part of the gateway failed; stopping", "err", first)
		case <-hup:
			g.reloadTemplates()
		}
	}
	if err := g.shutdown(stopWork, &work); err != nil && first == nil {
		first = err
	}
	stopLocal()
	<-localDone
	return first
}

// shutdown runs the two phases; it fails when work in flight outlasts the
// grace period (with a few seconds for the worker's last marks).
func (g *gateway) shutdown(stopWork context.CancelFunc, work *sync.WaitGroup) error {
	start := time.Now()
	g.stopping.Store(true)
	g.log.Info("stopping: no new work is taken; work in flight has the grace period to finish", "grace", g.grace)
	cutTimer := time.AfterFunc(g.grace, g.cut)
	defer cutTimer.Stop()
	if g.local != nil {
		g.local.StopSMTP(context.Background(), g.grace/6)
		g.drainLocal(start.Add(g.grace / 3))
	}
	stopWork()
	done := make(chan struct{})
	go func() { work.Wait(); close(done) }()
	select {
	case <-done:
		g.log.Info("stopped cleanly", "took", time.Since(start).Round(time.Millisecond))
		return nil
	case <-time.After(time.Until(start.Add(g.grace + 5*time.Second))):
		return fmt.Errorf("work in flight did not stop within the grace period (%s)", g.grace)
	}
}

// drainLocal lets the poller read what the local mail server accepted
// before its SMTP port closed (it keeps mail in memory only), until the
// deadline.
func (g *gateway) drainLocal(deadline time.Time) {
	for g.local.Pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := g.local.Pending(); n > 0 {
		g.log.Warn("local mail server: messages not read before the stop are lost (it keeps mail in memory)", "messages", n)
	}
}

// reloadTemplates loads the templates again (SIGHUP) and swaps in a
// pipeline that uses them; a broken template keeps the ones in use. The
// outbound worker uses no templates: rows are rendered when queued.
func (g *gateway) reloadTemplates() {
	tmpl, err := templates.Load(g.e.cfg.Templates)
	if err != nil {
		g.reloads.WithLabelValues("error").Inc()
		g.log.Error("SIGHUP: templates not reloaded; the ones in use stay", "err", err)
		return
	}
	g.pipe.Store(g.e.newPipeline(tmpl))
	g.reloads.WithLabelValues("ok").Inc()
	g.log.Info("SIGHUP: templates reloaded", "folder", g.e.cfg.Templates)
}

// banner tells a person what runs where and how to try it.
func (g *gateway) banner() {
	w, cfg := g.e.stdout, g.e.cfg
	fmt.Fprintf(w, "helpdesk serve: running on %s; stop with Ctrl-C.\n", redactedDB(cfg))
	if g.local != nil {
		fmt.Fprintf(w, "  mail in:  built-in local mail server, FOR TRYING AND TESTING ONLY (loopback, in memory):\n")
		fmt.Fprintf(w, "            SMTP %s delivers to %s; the poller reads it over IMAP %s.\n", g.local.SMTPAddr(), g.e.addrs.Support(), g.local.IMAPAddr())
		fmt.Fprintf(w, "            try:  swaks --server %s --from ann@example.com --to %s\n", g.local.SMTPAddr(), g.e.addrs.Support())
		fmt.Fprintf(w, "            or:   curl smtp://%s --mail-from ann@example.com --mail-rcpt %s -T message.eml\n", g.local.SMTPAddr(), g.e.addrs.Support())
		fmt.Fprintf(w, "            real mailboxes: set HELPDESK_IMAP (imaps://USER:PASS@HOST/INBOX ...).\n")
	} else {
		fmt.Fprintf(w, "  mail in:  %d IMAP mailbox(es) polled.\n", len(g.pollers))
	}
	if g.capture != "" {
		fmt.Fprintf(w, "  mail out: captured, nothing leaves this machine: each notification is a .eml file in %s\n", g.capture)
		fmt.Fprintf(w, "            real relay: set HELPDESK_SMTP (smtps://USER:PASS@HOST:465 or smtp://...:587).\n")
	} else {
		fmt.Fprintf(w, "  mail out: relay %s\n", config.RedactURL(cfg.SMTP))
	}
	fmt.Fprintf(w, "  staff:    %s\n", staffProof(cfg.AuthservID))
	fmt.Fprintf(w, "  tickets:  helpdesk ticket list   (another terminal; same folder or HELPDESK_DB)\n")
	if g.metrics != nil {
		fmt.Fprintf(w, "  status:   http://%s/healthz  /readyz  /metrics   (public pages on http://%s)\n", g.metrics.addr(), g.http.addr())
	} else {
		fmt.Fprintf(w, "  status:   http://%s/healthz  /readyz  /metrics\n", g.http.addr())
	}
	if g.http.portal != "" {
		how := "sign in with a link sent by mail"
		if cfg.OIDC.Enabled() {
			how += "; staff with single sign-on at " + cfg.OIDC.Issuer + " (W1)"
		}
		fmt.Fprintf(w, "  portal:   %s   (%s)\n", g.http.portal, how)
	}
	if g.e.st.Backend() != store.Postgres {
		fmt.Fprintf(w, "  database: SQLite; for production and several processes set HELPDESK_DB=postgres://... (docs/operations.md)\n")
	}
}

// staffProof says how staff prove who they are in this configuration (I9,
// P1): with a trusted authserv-id only its Authentication-Results count;
// without one only a reply to a notification they were sent.
func staffProof(authservID string) string {
	if authservID != "" {
		return "staff mail counts only with DMARC or aligned DKIM passing in the Authentication-Results of " + authservID +
			" (HELPDESK_AUTHSERV_ID; I9, P1 a); other staff mail is held in quarantine"
	}
	return "staff mail counts only as a reply to a notification they were sent (its Reply-To is theirs alone; I9, P1 b); " +
		"other staff mail is held in quarantine. Set HELPDESK_AUTHSERV_ID to trust your receiving server instead"
}
