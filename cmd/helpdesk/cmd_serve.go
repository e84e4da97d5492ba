package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/helpdesk-gw/helpdesk/config"
	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/ingest/imapsource"
	"github.com/helpdesk-gw/helpdesk/localmail"
	"github.com/helpdesk-gw/helpdesk/outbound"
	"github.com/helpdesk-gw/helpdesk/store"
)

// cmdServe runs the gateway until SIGINT or SIGTERM (see gateway.run), or,
// with --check, validates the configuration and prints it.
func cmdServe(ctx context.Context, e *env, in *invocation) error {
	if in.on("check") {
		return e.checkServe(ctx)
	}
	e.serving = true
	if err := e.open(ctx); err != nil {
		return err
	}
	restore := e.applyMemoryLimit()
	defer restore()
	gw, err := newGateway(ctx, e)
	if err != nil {
		return err
	}
	return gw.run(ctx)
}

// gateway is serve's wiring: the parts it runs, in the order they are
// opened (the store, opened by env, comes first and closes last).
type gateway struct {
	e     *env
	log   *slog.Logger
	reg   *prometheus.Registry
	grace time.Duration

	local   *localmail.Server // the built-in mail server, when no imap is configured
	http    *httpEndpoints
	metrics *httpEndpoints   // HELPDESK_METRICS apart from http; nil when they share it
	sender  *outbound.Sender // nil: notifications are captured in captureDir
	capture string
	worker  *outbound.Worker
	pollers []*imapsource.Poller
	polls   map[string]time.Duration // mailbox name → poll interval, for /readyz
	oauth   *oauthTokens             // the [oauth.NAME] clients' token sources

	pipe     atomic.Pointer[ingest.Pipeline] // swapped by SIGHUP
	hard     context.Context                 // ends a grace period after shutdown begins
	cut      context.CancelFunc
	stopping atomic.Bool
	reloads  *prometheus.CounterVec
}

// newGateway opens every part; on error it closes what it opened.
func newGateway(ctx context.Context, e *env) (_ *gateway, err error) {
	g := &gateway{e: e, log: e.log, reg: prometheus.NewRegistry(), grace: e.cfg.ShutdownGrace, polls: map[string]time.Duration{}}
	g.hard, g.cut = context.WithCancel(context.WithoutCancel(ctx))
	g.pipe.Store(e.pipe)
	defer func() {
		if err != nil {
			g.close()
		}
	}()
	if err := g.checkRelay(); err != nil {
		return nil, err
	}
	mailboxes, err := e.cfg.IMAPMailboxes()
	if err != nil {
		return nil, err
	}
	if g.oauth, err = oauthSources(e.cfg); err != nil {
		return nil, err
	}
	if len(mailboxes) == 0 {
		if err := g.openLocal(ctx); err != nil {
			return nil, err
		}
	}
	if g.http, err = listenHTTP(e.cfg.HTTP, g); err != nil {
		return nil, err
	}
	if g.metrics, err = listenMetrics(g); err != nil {
		return nil, err
	}
	if err := g.openOutbound(); err != nil {
		return nil, err
	}
	if err := g.openPollers(mailboxes); err != nil {
		return nil, err
	}
	g.checkMailboxTeams(ctx, mailboxes)
	return g, g.registerMetrics()
}

// checkRelay validates the smtp key before anything opens.
func (g *gateway) checkRelay() error {
	if g.e.cfg.SMTP == "" {
		return nil
	}
	if _, err := outbound.ParseRelayURL(g.e.cfg.SMTP); err != nil {
		return fmt.Errorf("config key smtp: %w", err)
	}
	return nil
}

// localMailboxName labels the built-in mailbox in logs, metrics, its lease
// and its checkpoint; the host name keeps processes on other machines
// sharing one database from taking each other's lease.
func localMailboxName() string {
	host, _ := os.Hostname()
	return "local@" + host
}

// openLocal starts the built-in mail server and points a poller at it. The
// server's mailbox is new at each start, with the same UIDVALIDITY, so the
// checkpoint of an earlier run is reset first.
func (g *gateway) openLocal(ctx context.Context) error {
	addrs := g.e.addrs
	local, err := localmail.New(localmail.Options{SMTPAddr: g.e.cfg.LocalSMTP, IMAPAddr: g.e.cfg.LocalIMAP,
		Accept: addrs.IsOwn, MaxBytes: g.e.cfg.MaxMessageBytes, Logger: g.log.With("component", "localmail")})
	if err != nil {
		return err
	}
	g.local = local
	name := localMailboxName()
	if err := g.e.st.SetCheckpoint(ctx, store.MailboxCheckpoint{Mailbox: name, UIDValidity: local.UIDValidity()}); err != nil {
		return fmt.Errorf("reset the local mailbox's checkpoint: %w", err)
	}
	g.e.cfg.IMAP = "" // the poller is added by openPollers
	return nil
}

// openOutbound builds the transport (the relay, or the capture folder) and
// the worker.
func (g *gateway) openOutbound() error {
	cfg := g.e.cfg
	var tr outbound.Transport
	if cfg.SMTP != "" {
		ro, err := outbound.ParseRelayURL(cfg.SMTP)
		if err != nil {
			return fmt.Errorf("config key smtp: %w", err)
		}
		src, err := g.oauth.source(ro.OAuth, ro.Username)
		if err != nil {
			return err
		}
		if src != nil {
			ro.Token = src
		}
		snd, err := outbound.NewSender(ro, g.log.With("component", "smtp"))
		if err != nil {
			return fmt.Errorf("config key smtp: %w", err)
		}
		g.sender, tr = snd, snd
	} else {
		abs, err := filepath.Abs(cfg.CaptureDir)
		if err != nil {
			return fmt.Errorf("config key capture_dir: %w", err)
		}
		if err := os.MkdirAll(abs, 0o750); err != nil {
			return fmt.Errorf("config key capture_dir: %w", err)
		}
		g.capture, tr = abs, outbound.Dir{Path: abs}
	}
	wk, err := outbound.New(outbound.Options{Store: g.e.st, Transport: tr, Addresses: g.e.addrs,
		HelpdeskName: cfg.HelpdeskName, Grace: g.workerGrace(), Lease: cfg.OutboxLease, Logger: g.log.With("component", "outbound")})
	if err != nil {
		return err
	}
	g.worker = wk
	return nil
}

// workerGrace is the sends' share of the grace period: with the local mail
// server, the first third goes to reading what it was given.
func (g *gateway) workerGrace() time.Duration {
	if g.local != nil {
		return g.grace - g.grace/3
	}
	return g.grace
}

// openPollers builds a poller for each mailbox, or for the local one.
func (g *gateway) openPollers(mailboxes []config.IMAPMailbox) error {
	metrics, err := imapsource.NewMetrics(g.reg)
	if err != nil {
		return err
	}
	ms := make([]imapsource.Mailbox, 0, len(mailboxes)+1)
	leases := map[string]time.Duration{}
	for _, m := range mailboxes {
		if m.Insecure {
			g.log.Warn("IMAP certificate checks are off for this mailbox (tls=insecure): for test servers only", "mailbox", m.Name)
		}
		mb := imapMailbox(m)
		src, err := g.oauth.source(m.OAuth, m.Username)
		if err != nil {
			return err
		}
		if src != nil {
			mb.Token = src
		}
		ms = append(ms, mb)
		leases[m.Name] = m.Lease
	}
	if g.local != nil {
		ms = append(ms, imapsource.Mailbox{Name: localMailboxName(), Addr: g.local.IMAPAddr(), Security: imapsource.SecurityNone,
			Username: localmail.Username, Password: g.local.Password(), Folder: localmail.Inbox,
			Processed: localmail.Processed, Failed: localmail.Failed, IDLE: true, PollInterval: 5 * time.Second,
			MaxBytes: g.e.cfg.MaxMessageBytes})
		leases[localMailboxName()] = 6 * time.Second // a restart after a crash waits for the old lease
	}
	for _, m := range ms {
		p, err := imapsource.New(imapsource.Options{Mailbox: m, Ingester: ingester{g}, Store: g.e.st,
			Metrics: metrics, Logger: g.log.With("component", "imap"), LeaseTTL: leases[m.Name]})
		if err != nil {
			return err
		}
		g.pollers = append(g.pollers, p)
		g.polls[p.Name()] = m.PollInterval
	}
	return nil
}

// imapMailbox translates one configured mailbox for the poller.
func imapMailbox(m config.IMAPMailbox) imapsource.Mailbox {
	out := imapsource.Mailbox{Name: m.Name, Addr: m.Addr, Security: imapsource.SecurityTLS, Username: m.Username,
		Password: m.Password, Auth: m.Auth, Folder: m.Folder, Mark: m.Mark, Processed: m.Processed, Failed: m.Failed,
		PollInterval: m.PollInterval, IDLE: m.IDLE, MaxBytes: m.MaxBytes, Timeout: m.Timeout, Batch: m.Batch, Team: m.Team}
	switch m.TLS {
	case config.TLSStart:
		out.Security = imapsource.SecurityStartTLS
	case config.TLSNone:
		out.Security = imapsource.SecurityNone
	}
	if m.Insecure {
		out.TLSConfig = &tls.Config{ServerName: m.Host, InsecureSkipVerify: true} //nolint:gosec // asked for by tls=insecure
	}
	return out
}

// ingester hands the pollers' batches to the current pipeline. A batch
// already begun is finished when the poller stops (its context ends), until
// the grace period ends; the worker is woken when notifications were queued.
type ingester struct{ g *gateway }

func (in ingester) IngestBatch(ctx context.Context, ins []ingest.Input, also func(ctx context.Context, tx *store.Tx) error) ([]ingest.Result, error) {
	ictx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	defer context.AfterFunc(in.g.hard, cancel)()
	res, err := in.g.pipe.Load().IngestBatch(ictx, ins, also)
	for _, r := range res {
		if len(r.Notified) > 0 {
			in.g.worker.Wake()
			break
		}
	}
	return res, err
}

// registerMetrics adds the outbound worker's counters, the outbox's age,
// template reloads, and the Go runtime's and process's collectors.
func (g *gateway) registerMetrics() error {
	g.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "helpdesk_template_reloads_total",
		Help: "Template reloads asked for by SIGHUP, by result (ok, error)."}, []string{"result"})
	if g.sender != nil {
		if err := g.reg.Register(smtpSignInCollector{g.sender}); err != nil {
			return err
		}
	}
	return errors.Join(
		g.reg.Register(outboundCollector{g.worker}),
		g.reg.Register(outboxAgeCollector{g.e.st}),
		g.reg.Register(g.reloads),
		g.reg.Register(collectors.NewGoCollector()),
		g.reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})),
	)
}

// close closes what is open, in reverse order of opening; the store is
// closed by env, last.
func (g *gateway) close() {
	if g.sender != nil {
		if err := g.sender.Close(); err != nil {
			g.log.Warn("closing the SMTP connections", "err", err)
		}
	}
	if g.http != nil {
		g.http.close()
	}
	if g.metrics != nil {
		g.metrics.close()
	}
	if g.local != nil {
		g.local.Close()
	}
	g.cut()
}
