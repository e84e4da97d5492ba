package imapsource

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the poller's Prometheus collectors. Create them once with
// NewMetrics on the registry the process exposes, and share them between
// the pollers of every mailbox. A nil *Metrics records nothing.
type Metrics struct {
	messages *prometheus.CounterVec // helpdesk_ingest_messages_total{mailbox,outcome}
	lastPoll *prometheus.GaugeVec   // helpdesk_imap_last_poll_success_timestamp_seconds{mailbox}
	errors   *prometheus.CounterVec // helpdesk_imap_errors_total{mailbox,kind}
}

// NewMetrics creates the collectors and registers them on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "helpdesk_ingest_messages_total",
			Help: "Messages read from a mailbox and recorded, by outcome.",
		}, []string{"mailbox", "outcome"}),
		lastPoll: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "helpdesk_imap_last_poll_success_timestamp_seconds",
			Help: "When a mailbox was last read to its end without error (Unix time).",
		}, []string{"mailbox"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "helpdesk_imap_errors_total",
			Help: "Sessions ended by an error, by kind: connect, auth (login or OAuth token refused), token (no OAuth token from the endpoint), timeout, imap, store, lease.",
		}, []string{"mailbox", "kind"}),
	}
	for _, c := range []prometheus.Collector{m.messages, m.lastPoll, m.errors} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) message(mailbox, outcome string) {
	if m != nil {
		m.messages.WithLabelValues(mailbox, outcome).Inc()
	}
}

func (m *Metrics) polled(mailbox string, at time.Time) {
	if m != nil {
		m.lastPoll.WithLabelValues(mailbox).Set(float64(at.UnixNano()) / 1e9)
	}
}

func (m *Metrics) error(mailbox, kind string) {
	if m != nil {
		m.errors.WithLabelValues(mailbox, kind).Inc()
	}
}
