package outbound_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	gomailer "github.com/wneessen/go-mail"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/outbound"
	"github.com/helpdesk-gw/helpdesk/outbound/smtptest"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// throughputN is the number of notifications each measurement sends.
const throughputN = 5000

// TestThroughput measures, in one run against one loopback go-smtp server,
// the worker's messages a second (claim, send-time check, build, send,
// record) next to go-mail's raw rate (pre-built messages sent in a loop).
// It only logs figures; it runs with HELPDESK_BENCH=1:
//
//	HELPDESK_BENCH=1 go test ./outbound -run TestThroughput -v -count=1
func TestThroughput(t *testing.T) {
	if os.Getenv("HELPDESK_BENCH") != "1" {
		t.Skip("set HELPDESK_BENCH=1 to measure throughput")
	}
	srv := smtptest.Start(t, smtptest.Options{})
	msgs := sampleMessages(t, throughputN)
	raw1 := rawRate(t, srv, msgs, 1, false)
	rawLean1 := rawRate(t, srv, msgs, 1, true)
	raw := map[int]float64{1: raw1, 2: rawRate(t, srv, msgs, 2, false), 4: rawRate(t, srv, msgs, 4, false)}
	t.Logf("go-mail raw, 1 connection, Client.Send (NOOP+MAIL+RCPT+DATA+RSET): %7.0f msg/s", raw1)
	t.Logf("go-mail raw, 1 connection, WithoutNoop+WithoutRset (our dialogue):  %7.0f msg/s", rawLean1)
	t.Logf("go-mail raw, 2 connections (the relay's default pool), Client.Send: %7.0f msg/s", raw[2])
	t.Logf("go-mail raw, 4 connections, Client.Send:                          %7.0f msg/s", raw[4])
	for _, b := range storetest.Backends() {
		for _, conns := range []int{1, 2, 4} {
			rate := workerRate(t, srv, b, conns)
			base := raw[conns]
			t.Logf("worker, %-8s %d connection(s):                                %7.0f msg/s = %3.0f%% of go-mail raw with as many connections",
				b, conns, rate, 100*rate/base)
		}
	}
}

// sampleMessages builds n comment notifications of a realistic size.
func sampleMessages(t *testing.T, n int) []*gomailer.Msg {
	t.Helper()
	env := outbound.Envelope{From: "support@help.example", HelpdeskName: "Support", ReturnPath: "support+bounce-x@help.example", Date: time.Now()}
	out := make([]*gomailer.Msg, n)
	for i := range out {
		m, err := outbound.BuildMessage(sampleRow(int64(i), fmt.Sprintf("u%d@example.com", i)), env)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = m
	}
	return out
}

func sampleRow(id int64, to string) model.OutboxMessage {
	body := "##- Reply above this line -##\n\nAnn wrote on ticket #12:\n\n" + strings.Repeat("The printer on the third floor prints every page twice and then jams. ", 12) +
		"\n\n-- \nReply to this email to answer (support+t-aeaacrreeje7gvpbttclxxygr75py@help.example).\nSupport\n"
	return model.OutboxMessage{ID: id, Kind: model.KindComment, To: to, Subject: "[#12] Printer prints twice",
		MessageID: fmt.Sprintf("hd-%d@help.example", id), ReplyTo: "support+t-aeaacrreeje7gvpbttclxxygr75py@help.example",
		InReplyTo: "m2@acme.com", References: []string{"m1@acme.com", "m2@acme.com"}, TextBody: body,
		FromName: "Ann via Support", AutoSubmitted: "auto-generated"}
}

// rawRate sends msgs with plain go-mail clients, one per connection, and
// returns messages a second.
func rawRate(t *testing.T, srv *smtptest.Server, msgs []*gomailer.Msg, conns int, lean bool) float64 {
	t.Helper()
	opts := []gomailer.Option{gomailer.WithPort(srv.Port()), gomailer.WithTLSPolicy(gomailer.NoTLS)}
	if lean {
		opts = append(opts, gomailer.WithoutNoop(), gomailer.WithoutRset())
	}
	clients := make([]*gomailer.Client, conns)
	for i := range clients {
		c, err := gomailer.NewClient("127.0.0.1", opts...)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.DialWithContext(context.Background()); err != nil {
			t.Fatal(err)
		}
		clients[i] = c
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			for j := i; j < len(msgs); j += conns {
				if err := c.Send(msgs[j]); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	d := time.Since(start)
	for _, c := range clients {
		_ = c.Close()
	}
	return float64(len(msgs)) / d.Seconds()
}

// workerRate queues throughputN notifications on 50 tickets (a comment to
// five participants, twenty times over) and times a worker delivering them.
func workerRate(t *testing.T, srv *smtptest.Server, b store.Backend, conns int) float64 {
	t.Helper()
	w := newWorld(t, b)
	w.smtp = srv
	const tickets = 50
	people := []string{"ann@acme.com"}
	for i := range 4 {
		people = append(people, fmt.Sprintf("cc%d@cc.example", i))
	}
	for i := range tickets {
		w.expect(w.ingest(mail{From: "Ann <ann@acme.com>", Cc: strings.Join(people[1:], ", "), Subject: fmt.Sprint("Problem ", i),
			ID: fmt.Sprintf("p%d@acme.com", i)}), model.OutcomeCreated)
	}
	must(t, w.st.InTx(w.ctx, func(tx *store.Tx) error {
		// Rows from the pipeline above are already queued: mark them sent.
		if err := tx.MarkSentMany(w.ctx, ids(w.rows("")), time.Now()); err != nil {
			return err
		}
		for i := range throughputN {
			r := sampleRow(0, people[i%len(people)])
			r.TicketID, r.MessageID = int64(1+i/len(people)%tickets), w.addrs.Signer.NewMessageID(w.addrs.Domain)
			if err := tx.EnqueueOutbox(w.ctx, &r); err != nil {
				return err
			}
		}
		return nil
	}))
	before := len(srv.Messages())
	sender := newSender(t, srv, func(o *outbound.SenderOptions) { o.Connections = conns })
	wk := w.worker(func(o *outbound.Options) {
		o.Transport = sender
		o.MaxWait = 20 * time.Millisecond
		o.Batch = benchBatch()
	})
	start := time.Now()
	stop := running(t, wk)
	// Wait on the worker's counters first: polling the store every 10 ms
	// for the whole run would take its CPU from the worker and the relay.
	// Then wait for the store to show every row marked sent.
	deadline := start.Add(5 * time.Minute)
	for s := wk.Stats(); s.Sent+s.Failed+s.Withheld < throughputN && time.Now().Before(deadline); s = wk.Stats() {
		time.Sleep(2 * time.Millisecond)
	}
	for {
		_, queued, err := w.st.NextOutboxDue(w.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !queued {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("rows still queued after 5 minutes")
		}
		time.Sleep(time.Millisecond)
	}
	d := time.Since(start)
	stop()
	if s := wk.Stats(); s.Sent != throughputN || len(srv.Messages())-before != throughputN {
		t.Fatalf("stats %+v; relay got %d", s, len(srv.Messages())-before)
	}
	return throughputN / d.Seconds()
}

func ids(rows []model.OutboxMessage) []int64 {
	var out []int64
	for _, r := range rows {
		out = append(out, r.ID)
	}
	return out
}

func benchBatch() int {
	var n int
	fmt.Sscan(os.Getenv("HELPDESK_BENCH_BATCH"), &n)
	return n
}
