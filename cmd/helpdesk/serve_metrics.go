package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/helpdesk-gw/helpdesk/outbound"
	"github.com/helpdesk-gw/helpdesk/store"
)

// outboundCollector exposes the worker's Stats.
type outboundCollector struct{ w *outbound.Worker }

var outboundDescs = struct {
	claimed, sent, retried, failed, withheld, released, storeErrors, inFlight *prometheus.Desc
}{
	claimed:     prometheus.NewDesc("helpdesk_outbound_claimed_total", "Outbox rows claimed (attempts started).", nil, nil),
	sent:        prometheus.NewDesc("helpdesk_outbound_sent_total", "Notifications accepted by the relay (or captured).", nil, nil),
	retried:     prometheus.NewDesc("helpdesk_outbound_retried_total", "Temporary failures, rescheduled.", nil, nil),
	failed:      prometheus.NewDesc("helpdesk_outbound_failed_total", "Permanent failures, and rows given up.", nil, nil),
	withheld:    prometheus.NewDesc("helpdesk_outbound_withheld_total", "Rows stopped by the send-time check (B2, B3, N1, N2, R7).", nil, nil),
	released:    prometheus.NewDesc("helpdesk_outbound_released_total", "Rows claimed but given back at shutdown.", nil, nil),
	storeErrors: prometheus.NewDesc("helpdesk_outbound_store_errors_total", "Store calls of the worker that failed.", nil, nil),
	inFlight:    prometheus.NewDesc("helpdesk_outbound_in_flight", "Sends in progress.", nil, nil),
}

func (c outboundCollector) Describe(ch chan<- *prometheus.Desc) {
	d := outboundDescs
	for _, x := range []*prometheus.Desc{d.claimed, d.sent, d.retried, d.failed, d.withheld, d.released, d.storeErrors, d.inFlight} {
		ch <- x
	}
}

func (c outboundCollector) Collect(ch chan<- prometheus.Metric) {
	s, d := c.w.Stats(), outboundDescs
	for desc, v := range map[*prometheus.Desc]uint64{d.claimed: s.Claimed, d.sent: s.Sent, d.retried: s.Retried,
		d.failed: s.Failed, d.withheld: s.Withheld, d.released: s.Released, d.storeErrors: s.StoreErrors} {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(v))
	}
	ch <- prometheus.MustNewConstMetric(d.inFlight, prometheus.GaugeValue, float64(s.InFlight))
}

// outboxAgeCollector asks the store, at each scrape, how long the oldest
// queued row has been due: the one number that says mail is stuck.
type outboxAgeCollector struct{ st *store.Store }

var outboxAgeDesc = prometheus.NewDesc("helpdesk_outbox_oldest_due_age_seconds",
	"How long the oldest queued outbox row has been due and not sent (0: none waits). Shared by every process on the database.", nil, nil)

func (c outboxAgeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- outboxAgeDesc }

func (c outboxAgeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	due, ok, err := c.st.NextOutboxDue(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxAgeDesc, err)
		return
	}
	age := 0.0
	if now := time.Now(); ok && due.Before(now) {
		age = now.Sub(due).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(outboxAgeDesc, prometheus.GaugeValue, age)
}
