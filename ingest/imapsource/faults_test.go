package imapsource

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// proxy forwards loopback connections to a server; it can stall them (a
// slow server) or cut them (a lost connection or a restart), and tells
// what the clients sent.
type proxy struct {
	addr    string
	stalled atomic.Bool
	// poison, when set, cuts every connection whose server sends it: a
	// message the server cannot deliver (a broken file, a crashing FETCH).
	poison atomic.Pointer[string]
	mu     sync.Mutex
	conns  []net.Conn
	sent   []byte // the last bytes the clients sent (proxySentMax)
}

// proxySentMax bounds what a proxy keeps of the clients' words.
const proxySentMax = 64 << 10

func startProxy(t testing.TB, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &proxy{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go p.pipe(c, s, false)
			go p.pipe(s, c, true)
		}
	}()
	return p
}

func (p *proxy) pipe(dst, src net.Conn, fromClient bool) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if fromClient && n > 0 {
			p.mu.Lock()
			p.sent = append(p.sent, buf[:n]...)
			if len(p.sent) > proxySentMax {
				p.sent = append(p.sent[:0], p.sent[len(p.sent)-proxySentMax/2:]...)
			}
			p.mu.Unlock()
		}
		for p.stalled.Load() {
			time.Sleep(10 * time.Millisecond)
		}
		if pill := p.poison.Load(); pill != nil && bytes.Contains(buf[:n], []byte(*pill)) {
			dst.Close()
			src.Close()
			return
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				dst.Close()
			}
			dst.Close()
			return
		}
	}
}

// clientSent reports whether a client has sent s (lately: the proxy keeps
// the last proxySentMax/2 bytes at least).
func (p *proxy) clientSent(s string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Contains(p.sent, []byte(s))
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// gate holds every batch until released, to cut or stall in the middle.
type gate struct {
	Ingester
	calls atomic.Int32
	first chan struct{}
}

func (g *gate) IngestBatch(ctx context.Context, ins []ingest.Input, also func(context.Context, *store.Tx) error) ([]ingest.Result, error) {
	if g.calls.Add(1) == 1 {
		<-g.first
	}
	return g.Ingester.IngestBatch(ctx, ins, also)
}

func TestConnectionLossAndSlowServer(t *testing.T) {
	srv := startMemServer(t)
	px := startProxy(t, srv.addr)
	st := storetest.Open(t, store.SQLite)
	mc := openClient(t, srv.addr, testUser)
	mc.append("INBOX", testMail(1), testMail(2), testMail(3))
	g := &gate{Ingester: newPipeline(t, st), first: make(chan struct{})}
	m := mailboxAt(px.addr, testUser)
	// The timeout is what the slow server below must outlast; the server
	// stays stalled until the poller reports the timeout, however long the
	// machine takes to get there. It is long enough that no command
	// outside the stall times out on a busy machine.
	m.Batch, m.Timeout = 1, 2*time.Second
	var logs logBuffer
	opts := Options{Mailbox: m, Ingester: g, Store: st, Logger: logs.logger(),
		Backoff: Backoff{Base: 50 * time.Millisecond, Max: 50 * time.Millisecond}}
	var ev events
	ev.hook(&opts)
	runPoller(t, opts)
	eventually(t, patience, "the first batch", func() bool { return g.calls.Load() == 1 })
	px.cut() // the connection drops while the first message is being recorded
	close(g.first)
	eventually(t, patience, "INBOX emptied after the cut", func() bool { return mc.count("INBOX") == 0 })
	// a slow server: answers stop; the command times out and the poller reconnects
	retried := len(ev.retriesSoFar())
	px.stalled.Store(true)
	mc.append("INBOX", testMail(4))
	ev.waitRetry(t, retried, errTimeout)
	px.stalled.Store(false)
	px.cut()
	eventually(t, patience, "the fourth ticket", func() bool { return ticketCount(t, st) == 4 })
	got := outcomes(t, st)
	// The cut may fall while one batch is being marked and the next
	// committed (pass): both are read again after reconnecting, as
	// duplicates, never as second tickets.
	if got[model.OutcomeCreated] != 4 || got[model.OutcomeDuplicate] > 2 {
		t.Fatalf("outcomes %v\n%s", got, logs.String())
	}
	if !strings.Contains(logs.String(), "reconnecting") || !strings.Contains(logs.String(), "too slow") {
		t.Errorf("no reconnection logged:\n%s", logs.String())
	}
}

// exclusive records which pollers are inside IngestBatch at once.
type exclusive struct {
	Ingester
	name    string
	active  *atomic.Int32
	overlap *atomic.Bool
	batches atomic.Int32
}

func (e *exclusive) IngestBatch(ctx context.Context, ins []ingest.Input, also func(context.Context, *store.Tx) error) ([]ingest.Result, error) {
	if e.active.Add(1) > 1 {
		e.overlap.Store(true)
	}
	defer e.active.Add(-1)
	e.batches.Add(1)
	time.Sleep(5 * time.Millisecond)
	return e.Ingester.IngestBatch(ctx, ins, also)
}

func TestTwoPollersNeverShareAMailboxAndOneTakesOver(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		srv := startMemServer(t)
		url := storetest.URL(t, b)
		// The stores stamp leases by a clock that stands still until the
		// test moves it: a lease is only lost when the test means it to be.
		var clock fakeClock
		clock.Set(time.Now())
		stA, stB := storetest.OpenURL(t, url, store.Options{Clock: clock.Now}), storetest.OpenURL(t, url, store.Options{Clock: clock.Now})
		mc := openClient(t, srv.addr, testUser)
		var active atomic.Int32
		var overlap atomic.Bool
		a := &exclusive{Ingester: newPipeline(t, stA), name: "a", active: &active, overlap: &overlap}
		bb := &exclusive{Ingester: newPipeline(t, stB), name: "b", active: &active, overlap: &overlap}
		m := mailboxAt(srv.addr, testUser)
		m.Batch = 2
		ttl := 300 * time.Millisecond
		optsA := Options{Mailbox: m, Ingester: a, Store: stA, Holder: "a", LeaseTTL: ttl, Logger: discard()}
		optsA.noRelease = true // dies without giving the lease back
		stopA := runPoller(t, optsA)
		eventually(t, patience, "a holds the lease", func() bool { return stA.CheckLease(context.Background(), "support", "a") == nil })
		runPoller(t, Options{Mailbox: m, Ingester: bb, Store: stB, Holder: "b", LeaseTTL: ttl, Logger: discard()})
		for i := 1; i <= 10; i++ {
			mc.append("INBOX", testMail(i))
		}
		// a dies once it has marked what it recorded: a death between a
		// commit and its marking would leave duplicates for b (another test's
		// matter), and the tenth ticket shows the commit, not the marking.
		eventually(t, patience, "ten tickets, INBOX emptied", func() bool { return ticketCount(t, stA) == 10 && mc.count("INBOX") == 0 })
		if bb.batches.Load() != 0 {
			t.Errorf("b ingested %d batches while a held the lease", bb.batches.Load())
		}
		stopA()
		// a's lease runs out when the stores' clock says so, not when a
		// busy machine is late renewing it.
		clock.Add(time.Hour)
		for i := 11; i <= 14; i++ {
			mc.append("INBOX", testMail(i))
		}
		eventually(t, patience, "b takes over", func() bool { return ticketCount(t, stB) == 14 })
		if overlap.Load() {
			t.Error("two pollers ingested the mailbox at once")
		}
		if got := outcomes(t, stA); got[model.OutcomeCreated] != 14 || len(got) != 1 {
			t.Errorf("outcomes %v", got)
		}
	})
}

// A message the server cannot deliver (every FETCH of its body breaks the
// connection) must not stall the mailbox: after a few tries alone it is
// recorded as failed with its header, moved to the failure folder, and the
// messages after it are read.
func TestUnfetchableMessageDoesNotStallTheMailbox(t *testing.T) {
	srv := startMemServer(t)
	px := startProxy(t, srv.addr)
	pill := "POISON-PILL-UNREADABLE"
	px.poison.Store(&pill)
	st := storetest.Open(t, store.SQLite)
	mc := openClient(t, srv.addr, testUser)
	poisoned := []byte("From: eve@example.com\r\nTo: support@help.example\r\nSubject: broken on the server\r\n" +
		"Message-ID: <poison@example.com>\r\n\r\n" + strings.Repeat(pill+"\r\n", 200))
	mc.append("INBOX", testMail(1), testMail(2), poisoned, testMail(4), testMail(5))
	m := mailboxAt(px.addr, testUser)
	var logs logBuffer
	runPoller(t, Options{Mailbox: m, Ingester: newPipeline(t, st), Store: st, Logger: logs.logger(),
		Backoff: Backoff{Base: 20 * time.Millisecond, Max: 20 * time.Millisecond}})
	eventually(t, patience, "INBOX emptied past the unfetchable message", func() bool { return mc.count("INBOX") == 0 })
	got := outcomes(t, st)
	if got[model.OutcomeCreated] != 4 || got[model.OutcomeFailed] != 1 {
		t.Fatalf("outcomes %v, want 4 created and 1 failed", got)
	}
	failed, err := st.ListRaw(context.Background(), model.OutcomeFailed)
	if err != nil || len(failed) != 1 || !strings.Contains(failed[0].Reason, "could not be fetched") || failed[0].Subject != "broken on the server" {
		t.Fatalf("failed record %+v %v", failed, err)
	}
	if n := mc.count("Failed"); n != 1 {
		t.Fatalf("%d messages in the failure folder, want 1", n)
	}
}

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// Now is the clock's time: give it as a Clock option.
func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set puts the clock at t.
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Add moves the clock on by d.
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
