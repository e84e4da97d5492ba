package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/helpdesk-gw/helpdesk/config"
	"github.com/helpdesk-gw/helpdesk/ingest/imapsource"
	"github.com/helpdesk-gw/helpdesk/store"
)

// component is one long-running part of the gateway: a mailbox poller, the
// HTTP endpoints (and, next, the SMTP sender). Run returns nil when ctx
// ends, an error when the component cannot go on.
type component interface {
	Name() string
	Run(ctx context.Context) error
}

// cmdServe runs the gateway until SIGINT or SIGTERM: every component in its
// goroutine; the first that fails stops the others. On a signal each
// component stops taking work and returns; the store closes last.
func cmdServe(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		return usagef("serve takes no arguments")
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	reg := prometheus.NewRegistry()
	comps, err := e.serveComponents(log, reg)
	if err != nil {
		return err
	}
	log.Info("helpdesk serve starting", "components", len(comps), "db", redactedDB(e.cfg))
	return runComponents(ctx, log, comps)
}

// serveComponents builds the components from the configuration.
func (e *env) serveComponents(log *slog.Logger, reg *prometheus.Registry) ([]component, error) {
	mailboxes, err := e.cfg.IMAPMailboxes()
	if err != nil {
		return nil, err
	}
	comps := []component{&httpEndpoints{addr: e.cfg.HTTP, reg: reg, st: e.st, log: log}}
	if len(mailboxes) == 0 {
		log.Warn("HELPDESK_IMAP is not set: no mailbox is read (feed mail with 'helpdesk ingest')")
		return comps, nil
	}
	metrics, err := imapsource.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	for _, m := range mailboxes {
		if m.Insecure {
			log.Warn("IMAP certificate checks are off for this mailbox (tls=insecure): for test servers only", "mailbox", m.Name)
		}
		p, err := imapsource.New(imapsource.Options{Mailbox: imapMailbox(m), Ingester: e.pipe, Store: e.st,
			Metrics: metrics, Logger: log})
		if err != nil {
			return nil, err
		}
		comps = append(comps, poller{p})
	}
	return comps, nil
}

// imapMailbox translates one configured mailbox for the poller.
func imapMailbox(m config.IMAPMailbox) imapsource.Mailbox {
	out := imapsource.Mailbox{Name: m.Name, Addr: m.Addr, Security: imapsource.SecurityTLS, Username: m.Username,
		Password: m.Password, Auth: m.Auth, Folder: m.Folder, Mark: m.Mark, Processed: m.Processed, Failed: m.Failed,
		PollInterval: m.PollInterval, IDLE: m.IDLE, MaxBytes: m.MaxBytes, Timeout: m.Timeout, Batch: m.Batch}
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

type poller struct{ *imapsource.Poller }

func (p poller) Name() string { return "imap " + p.Poller.Name() }

// runComponents runs every component until ctx ends or one fails.
func runComponents(ctx context.Context, log *slog.Logger, comps []component) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(comps))
	for _, c := range comps {
		go func() {
			err := c.Run(ctx)
			if err != nil {
				err = fmt.Errorf("%s: %w", c.Name(), err)
			}
			errs <- err
		}()
	}
	var first error
	for range comps {
		if err := <-errs; err != nil && first == nil {
			log.Error("component failed; stopping", "err", err)
			first = err
			cancel()
		}
	}
	log.Info("helpdesk serve stopped")
	return first
}

// httpEndpoints serves /healthz, /readyz (the database answers) and
// /metrics.
type httpEndpoints struct {
	addr string
	reg  *prometheus.Registry
	st   *store.Store
	log  *slog.Logger
}

func (h *httpEndpoints) Name() string { return "http " + h.addr }

func (h *httpEndpoints) Run(ctx context.Context) error {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		cctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if _, err := h.st.Checkpoint(cctx, "readyz probe"); err != nil && !errors.Is(err, store.ErrNotFound) {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("/metrics", promhttp.HandlerFor(h.reg, promhttp.HandlerOpts{}))
	ln, err := net.Listen("tcp", h.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	h.log.Info("HTTP endpoints listening", "addr", ln.Addr().String())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
