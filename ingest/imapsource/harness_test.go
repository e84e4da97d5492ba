package imapsource

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/internal/dovecottest"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
	"github.com/helpdesk-gw/helpdesk/templates"
	"github.com/helpdesk-gw/helpdesk/threading"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const (
	testUser = "support"
	testPass = dovecottest.Password
)

// memServer is go-imap's in-memory server on a loopback port.
type memServer struct {
	addr  string
	user  *imapmemserver.User
	conns atomic.Int64 // connections accepted
}

func startMemServer(t testing.TB) *memServer {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(testUser, testPass)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		Logger:       quietLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &memServer{addr: ln.Addr().String(), user: user}
	go srv.Serve(countingListener{ln, &s.conns})
	t.Cleanup(func() { srv.Close() })
	return s
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// patience is how long a test waits for an event (a message recorded, a
// pass, a retry) before it fails: a guard against a hang, never a
// measure. A busy machine is slow, not broken.
const patience = 2 * time.Minute

// mailboxAt is a test mailbox on addr, plain text, polled often. Its
// command timeout is long: only the tests of a slow server make one that
// ends (faults_test.go), and they wait for the poller to say so.
func mailboxAt(addr, user string) Mailbox {
	return Mailbox{Addr: addr, Security: SecurityNone, Username: user, Password: testPass, Name: "support",
		PollInterval: 200 * time.Millisecond, IDLE: true, Timeout: 30 * time.Second}
}

// newPipeline is an ingest pipeline on st for the helpdesk support@help.example.
func newPipeline(t testing.TB, st *store.Store) *ingest.Pipeline {
	t.Helper()
	tmpl, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	addrs := threading.NewAddresses("support@help.example", "", threading.NewSigner([]byte("test secret, long enough")))
	return ingest.New(ingest.Options{Store: st, Addresses: addrs, Templates: tmpl, Logger: discard()})
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// logBuffer collects log lines for assertions.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// testMail is message i from a distinct sender: each opens a ticket.
func testMail(i int) []byte {
	return []byte(fmt.Sprintf("From: User %d <user%d@example.com>\r\nTo: support@help.example\r\n"+
		"Subject: Question %d\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <%d.q@example.com>\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\nHello, question number %d.\r\n", i, i, i, i, i))
}

// mailClient is a second IMAP client, the test's view of the server.
type mailClient struct {
	t testing.TB
	c *imapclient.Client
}

func openClient(t testing.TB, addr, user string) *mailClient {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(user, testPass).Wait(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &mailClient{t: t, c: c}
}

func (m *mailClient) append(folder string, raws ...[]byte) {
	m.t.Helper()
	for _, raw := range raws {
		cmd := m.c.Append(folder, int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			m.t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			m.t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			m.t.Fatal(err)
		}
	}
}

// count is the number of messages in folder (-1 if it does not exist).
func (m *mailClient) count(folder string) int {
	m.t.Helper()
	st, err := m.c.Status(folder, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		return -1
	}
	return int(*st.NumMessages)
}

func (m *mailClient) create(folder string) {
	m.t.Helper()
	if err := m.c.Create(folder, nil).Wait(); err != nil {
		m.t.Fatal(err)
	}
}

// events records what a poller reports through Options.Passed and
// Options.Retrying, so that a test waits for the n-th pass or retry
// instead of sleeping and counting.
type events struct {
	conns *atomic.Int64 // when set, read at each retry

	mu      sync.Mutex
	changed chan struct{} // closed at each event
	passes  int
	retries []retry
}

// retry is one Options.Retrying call.
type retry struct {
	err      error
	failures int
	delay    time.Duration
	at       time.Time
	conns    int64 // connections the server had accepted by then
}

// hook makes o report to e.
func (e *events) hook(o *Options) {
	o.Passed = func() { e.add(func() { e.passes++ }) }
	o.Retrying = func(err error, failures int, delay time.Duration) {
		r := retry{err: err, failures: failures, delay: delay, at: time.Now()}
		if e.conns != nil {
			r.conns = e.conns.Load()
		}
		e.add(func() { e.retries = append(e.retries, r) })
	}
}

func (e *events) add(record func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	record()
	if e.changed != nil {
		close(e.changed)
		e.changed = nil
	}
}

// passCount is the number of passes so far.
func (e *events) passCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.passes
}

// retriesSoFar is a copy of the retries so far.
func (e *events) retriesSoFar() []retry {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]retry(nil), e.retries...)
}

// waitPasses waits until the poller has made n passes.
func (e *events) waitPasses(t testing.TB, n int) {
	t.Helper()
	e.wait(t, fmt.Sprintf("pass %d", n), func() bool { return e.passes >= n })
}

// waitRetries waits until the poller has retried n times, and returns the
// retries.
func (e *events) waitRetries(t testing.TB, n int) []retry {
	t.Helper()
	e.wait(t, fmt.Sprintf("retry %d", n), func() bool { return len(e.retries) >= n })
	return e.retriesSoFar()
}

// waitRetry waits for a retry after the first from whose error is kind.
func (e *events) waitRetry(t testing.TB, from int, kind error) retry {
	t.Helper()
	var got retry
	e.wait(t, fmt.Sprintf("a retry after %v", kind), func() bool {
		for _, r := range e.retries[min(from, len(e.retries)):] {
			if errors.Is(r.err, kind) {
				got = r
				return true
			}
		}
		return false
	})
	return got
}

// wait waits until cond, called with e locked, holds; it fails the test
// after patience.
func (e *events) wait(t testing.TB, what string, cond func() bool) {
	t.Helper()
	guard := time.NewTimer(patience)
	defer guard.Stop()
	for {
		e.mu.Lock()
		if cond() {
			e.mu.Unlock()
			return
		}
		if e.changed == nil {
			e.changed = make(chan struct{})
		}
		changed := e.changed
		e.mu.Unlock()
		select {
		case <-changed:
		case <-guard.C:
			t.Fatalf("not within %v: %s", patience, what)
		}
	}
}

// eventually polls cond until it holds or d passes; d is a guard
// (patience), not a measure.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runPoller runs a poller until the test ends (or stop is called).
func runPoller(t testing.TB, opts Options) (stop func()) {
	t.Helper()
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(patience):
				t.Errorf("poller did not stop within %v of its context ending", patience)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// outcomes counts the recorded messages by outcome.
func outcomes(t testing.TB, st *store.Store) map[model.Outcome]int {
	t.Helper()
	raws, err := st.ListRaw(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[model.Outcome]int{}
	for _, r := range raws {
		out[r.Outcome]++
	}
	return out
}

func ticketCount(t testing.TB, st *store.Store) int {
	t.Helper()
	ts, err := st.ListTickets(context.Background(), store.TicketFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(ts)
}

var _ = io.Discard
var _ = strings.Contains
