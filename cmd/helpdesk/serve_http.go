package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// httpEndpoints serves /healthz (the process answers), /readyz (the store
// answers; each mailbox's last successful poll and the outbox's age, for a
// person) and /metrics (Prometheus).
type httpEndpoints struct {
	ln  net.Listener
	srv *http.Server
	// portal is the web portal's URL, "" when the web is off.
	portal string
}

// listenHTTP opens the port at once, so that a taken port stops serve
// before anything runs.
func listenHTTP(addr string, g *gateway) (*httpEndpoints, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("config key http: cannot listen on %s (is the port taken? choose another with HELPDESK_HTTP): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	if m := g.e.cfg.Metrics; m == "" || m == addr {
		mux.HandleFunc("GET /readyz", g.readyz)
		mux.Handle("GET /metrics", promhttp.HandlerFor(g.reg, promhttp.HandlerOpts{}))
	} else {
		mux.HandleFunc("GET /readyz", g.readyzStatus) // details on the metrics address
	}
	h := &httpEndpoints{ln: ln, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: time.Minute}}
	if err := h.mountPortal(mux, g); err != nil {
		ln.Close()
		return nil, err
	}
	return h, nil
}

// listenMetrics opens HELPDESK_METRICS apart from the public pages:
// /metrics, /readyz with its details, /healthz. nil when metrics share http.
func listenMetrics(g *gateway) (*httpEndpoints, error) {
	addr := g.e.cfg.Metrics
	if addr == "" || addr == g.e.cfg.HTTP {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("config key metrics: cannot listen on %s (is the port taken? choose another with HELPDESK_METRICS): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", g.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(g.reg, promhttp.HandlerOpts{}))
	return &httpEndpoints{ln: ln, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}}, nil
}

// readyzStatus answers /readyz on the public address: the status code and
// word only, no mailbox names or errors.
func (g *gateway) readyzStatus(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{header: http.Header{}}
	g.readyz(rec, r)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rec.code)
	status := "ready"
	if rec.code != http.StatusOK {
		status = "not ready"
	}
	fmt.Fprintf(w, "{\"status\": %q}\n", status)
}

// statusRecorder keeps the status code of a handler's answer.
type statusRecorder struct {
	header http.Header
	code   int
}

func (s *statusRecorder) Header() http.Header         { return s.header }
func (s *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusRecorder) WriteHeader(code int)        { s.code = code }

// mountPortal serves the web portal on the same port when the web is on:
// HELPDESK_BASE_URL is set, or this is the zero-set-up local run (then at
// this port's own URL).
func (h *httpEndpoints) mountPortal(mux *http.ServeMux, g *gateway) error {
	cfg := g.e.cfg
	base := cfg.BaseURL
	if base == "" && g.local != nil {
		base = "http://" + h.ln.Addr().String()
	}
	if base == "" {
		return nil
	}
	ws, err := web.New(web.Options{Store: g.e.st, Acts: g.e.pipe.Acts(), Pipeline: g.e.pipe, Admin: g.e.admin, BaseURL: base, HelpdeskName: cfg.HelpdeskName,
		UnknownSenders: policy.UnknownSenders(cfg.UnknownSenders), Logger: g.log, SSO: ssoOptions(cfg)})
	if err != nil {
		return err
	}
	mux.Handle("/", ws.Handler())
	h.portal = strings.TrimSuffix(base, "/") + "/"
	return nil
}

func (h *httpEndpoints) addr() string { return h.ln.Addr().String() }

// serve serves until close.
func (h *httpEndpoints) serve() error {
	if err := h.srv.Serve(h.ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// close lets requests in progress finish for a moment.
func (h *httpEndpoints) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := h.srv.Shutdown(ctx); err != nil {
		h.srv.Close()
	}
	h.ln.Close()
}

// readiness is /readyz's answer.
type readiness struct {
	Status    string          `json:"status"` // ready, stopping, store_unavailable
	Store     string          `json:"store"`  // ok, or the error
	Mailboxes []mailboxStatus `json:"mailboxes"`
	Outbox    outboxStatus    `json:"outbox"`
}

type mailboxStatus struct {
	Name string `json:"name"`
	// LastPoll is when this process last read the mailbox to its end
	// without error; null when it has not (yet), for example while another
	// process holds the mailbox's lease.
	LastPoll   *time.Time `json:"last_poll"`
	AgeSeconds *float64   `json:"age_seconds"`
}

type outboxStatus struct {
	// OldestDueSeconds is how long the oldest queued row has been due and
	// not sent: 0 when nothing waits.
	OldestDueSeconds float64 `json:"oldest_due_seconds"`
}

// readyz answers 200 while the store answers and the gateway is not
// stopping, 503 otherwise; the body says why, and how each mailbox and the
// outbox are doing (those inform, they do not fail the check: a standby
// process polls nothing).
func (g *gateway) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	now := time.Now()
	rd := readiness{Status: "ready", Store: "ok", Mailboxes: g.mailboxStatuses(now)}
	due, ok, err := g.e.st.NextOutboxDue(ctx)
	switch {
	case err != nil:
		rd.Status, rd.Store = "store_unavailable", err.Error()
	case ok && due.Before(now):
		rd.Outbox.OldestDueSeconds = now.Sub(due).Seconds()
	}
	code := http.StatusOK
	if g.stopping.Load() {
		rd.Status = "stopping"
	}
	if rd.Status != "ready" {
		code = http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(rd)
}

// mailboxStatuses reads the pollers' last-poll gauge from the registry.
func (g *gateway) mailboxStatuses(now time.Time) []mailboxStatus {
	last := map[string]float64{}
	if mfs, err := g.reg.Gather(); err == nil {
		for _, mf := range mfs {
			if mf.GetName() != "helpdesk_imap_last_poll_success_timestamp_seconds" {
				continue
			}
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "mailbox" {
						last[l.GetValue()] = m.GetGauge().GetValue()
					}
				}
			}
		}
	}
	out := []mailboxStatus{}
	for name := range g.polls {
		st := mailboxStatus{Name: name}
		if v, ok := last[name]; ok && v > 0 {
			t := time.Unix(0, int64(v*1e9)).UTC()
			age := now.Sub(t).Seconds()
			st.LastPoll, st.AgeSeconds = &t, &age
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

var _ prometheus.Gatherer = (*prometheus.Registry)(nil)
