// Package smtptest runs a real SMTP server (emersion/go-smtp) on a loopback
// port for tests: it keeps every message it accepts, can refuse chosen
// recipients with any 4xx or 5xx reply, can refuse everything with 451 for
// a while or until told to stop, can be slow or hold every DATA until
// released, can offer STARTTLS or implicit TLS with a self-signed
// certificate, and can require AUTH PLAIN, or XOAUTH2 and OAUTHBEARER with
// tokens a function checks.
//
// Tests that wait for it wait for an event (a message arrived, a DATA
// held, a connection closed), with a timeout that only guards against a
// hang: they never count what happened within a time.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options shape a Server.
type Options struct {
	TLS      *tls.Config       // offer STARTTLS with it (see SelfSigned)
	Implicit bool              // with TLS: TLS from the first byte (smtps)
	Users    map[string]string // require AUTH PLAIN with these user:password pairs
	// Bearer, when set, requires AUTH XOAUTH2 or OAUTHBEARER with a token
	// it accepts for the user.
	Bearer func(user, token string) bool
}

// Message is one accepted message.
type Message struct {
	From string // the envelope sender (MAIL FROM)
	To   []string
	Data []byte
	At   time.Time
}

// Server is a running test server.
type Server struct {
	Addr string // 127.0.0.1:PORT

	srv *smtp.Server
	ln  net.Listener

	mu       sync.Mutex
	msgs     []Message
	rcptFail map[string]*smtp.SMTPError // lower-case address
	allUntil time.Time
	allErr   *smtp.SMTPError
	refusing bool // Refuse: until StopRefusing
	delay    time.Duration
	hold     chan struct{} // HoldData: closed by ReleaseData
	holding  int           // DATA commands waiting on hold
	sessions int
	conns    map[*smtp.Conn]bool
	arrived  chan struct{}
	users    map[string]string
	bearer   func(user, token string) bool
	accepted int
	signedIn int // bearer sign-ins accepted
	refused  int // bearer sign-ins refused
}

// Start runs a server until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{rcptFail: map[string]*smtp.SMTPError{}, conns: map[*smtp.Conn]bool{}, arrived: make(chan struct{}, 1)}
	s.srv = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.srv.Domain = "mx.test"
	s.srv.AllowInsecureAuth = o.TLS == nil
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	s.srv.ErrorLog = quietLog{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln = counting{Listener: ln, s: s}
	if o.TLS != nil && o.Implicit {
		ln = tls.NewListener(ln, o.TLS)
	} else {
		s.srv.TLSConfig = o.TLS
	}
	s.ln, s.Addr = ln, ln.Addr().String()
	s.users, s.bearer = o.Users, o.Bearer
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(func() {
		s.ReleaseData()
		_ = s.srv.Close()
	})
	return s
}

// Port is the server's port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// FailRcpt makes RCPT TO addr fail with code (4xx or 5xx) and text until
// it is cleared with code 0.
func (s *Server) FailRcpt(addr string, code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	addr = strings.ToLower(addr)
	if code == 0 {
		delete(s.rcptFail, addr)
		return
	}
	s.rcptFail[addr] = replyError(code, text)
}

// RefuseAll makes every RCPT TO fail with code and text for d.
func (s *Server) RefuseAll(d time.Duration, code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.allUntil, s.allErr = time.Now().Add(d), replyError(code, text)
}

// Refuse makes every RCPT TO fail with code and text until StopRefusing:
// a refusal that lasts as long as the test needs, however slow the
// machine.
func (s *Server) Refuse(code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusing, s.allErr = true, replyError(code, text)
}

// StopRefusing ends a refusal of Refuse or RefuseAll: a RCPT TO that
// starts after it returns is accepted.
func (s *Server) StopRefusing() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refusing, s.allUntil = false, time.Time{}
}

// HoldData makes every DATA wait, once its message is read and before the
// server answers, until ReleaseData: sends in flight for as long as the
// test needs. Holding tells how many wait. The test's end releases them.
func (s *Server) HoldData() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold == nil {
		s.hold = make(chan struct{})
	}
}

// ReleaseData lets the DATA commands held by HoldData finish, and stops
// holding new ones.
func (s *Server) ReleaseData() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold != nil {
		close(s.hold)
		s.hold = nil
	}
}

// Holding counts the DATA commands that HoldData holds now.
func (s *Server) Holding() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.holding
}

// Open counts the client connections open now: one the server or the
// client closed is no longer counted once the server has noticed.
func (s *Server) Open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// SetDelay makes the server wait d before answering each DATA.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Messages returns a copy of the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Sessions counts the connections the server has accepted.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// DropConnections closes every open connection, as a relay closing idle
// clients does.
func (s *Server) DropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		_ = c.Conn().Close()
	}
}

// WaitFor waits until at least n messages have arrived or timeout passes,
// and returns the messages.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msgs := s.Messages()
		if len(msgs) >= n {
			return msgs
		}
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("%d messages arrived in %v, want %d", len(msgs), timeout, n)
		}
		select {
		case <-s.arrived:
		case <-time.After(min(left, 50*time.Millisecond)):
		}
	}
}

// replyError is the reply code text; an enhanced status code at the start
// of text ("5.1.1 No such user") is used as such, else X.0.0.
func replyError(code int, text string) *smtp.SMTPError {
	e := &smtp.SMTPError{Code: code, Message: text, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}}
	var a, b, c int
	if first, rest, ok := strings.Cut(text, " "); ok {
		if n, _ := fmt.Sscanf(first, "%d.%d.%d", &a, &b, &c); n == 3 {
			e.EnhancedCode, e.Message = smtp.EnhancedCode{a, b, c}, rest
		}
	}
	return e
}

// counting counts the connections a listener accepts.
type counting struct {
	net.Listener
	s *Server
}

func (l counting) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.s.mu.Lock()
		l.s.accepted++
		l.s.mu.Unlock()
	}
	return c, err
}

// Connections counts the TCP connections the server has accepted (a
// STARTTLS starts a new session on the same connection).
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

type quietLog struct{}

func (quietLog) Printf(string, ...any) {}
func (quietLog) Println(...any)        {}

// SelfSigned returns a server TLS configuration for 127.0.0.1 and
// localhost, and a client one that trusts it.
func SelfSigned(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mx.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}
	client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	return server, client
}

// session is one client connection.
type session struct {
	s      *Server
	c      *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.sessions++
	s.conns[c] = true
	s.mu.Unlock()
	return &session{s: s, c: c}, nil
}

func (x *session) AuthMechanisms() []string {
	if x.s.bearer != nil {
		return []string{"XOAUTH2", sasl.OAuthBearer}
	}
	if x.s.users == nil {
		return nil
	}
	return []string{sasl.Plain}
}

// BearerSignIns counts the bearer sign-ins accepted and refused.
func (s *Server) BearerSignIns() (accepted, refused int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signedIn, s.refused
}

// checkBearer records and answers one bearer sign-in.
func (x *session) checkBearer(user, token string) bool {
	ok := x.s.bearer(user, token)
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if ok {
		x.s.signedIn++
		x.authed = true
	} else {
		x.s.refused++
	}
	return ok
}

func (x *session) Auth(mech string) (sasl.Server, error) {
	if x.s.bearer != nil {
		if mech == sasl.OAuthBearer {
			return sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
				if !x.checkBearer(o.Username, o.Token) {
					return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
				}
				return nil
			}), nil
		}
		return &xoauth2Server{check: x.checkBearer}, nil
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if want, ok := x.s.users[user]; ok && want == pass {
			x.authed = true
			return nil
		}
		return errors.New("invalid credentials")
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if (x.s.users != nil || x.s.bearer != nil) && !x.authed {
		return smtp.ErrAuthRequired
	}
	x.from, x.to = from, nil
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.refusing || time.Now().Before(x.s.allUntil) {
		return x.s.allErr
	}
	if e, ok := x.s.rcptFail[strings.ToLower(to)]; ok {
		return e
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	var b bytes.Buffer
	if _, err := io.Copy(&b, r); err != nil {
		return err
	}
	x.s.mu.Lock()
	delay, hold := x.s.delay, x.s.hold
	if hold != nil {
		x.s.holding++
	}
	x.s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	if hold != nil {
		<-hold
		x.s.mu.Lock()
		x.s.holding--
		x.s.mu.Unlock()
	}
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, Message{From: x.from, To: x.to, Data: b.Bytes(), At: time.Now()})
	x.s.mu.Unlock()
	select {
	case x.s.arrived <- struct{}{}:
	default:
	}
	return nil
}

func (x *session) Reset() { x.from, x.to = "", nil }

func (x *session) Logout() error {
	x.s.mu.Lock()
	delete(x.s.conns, x.c)
	x.s.mu.Unlock()
	return nil
}

// xoauth2Server is the server side of SASL XOAUTH2: a refused token gets
// an error challenge, then the exchange fails.
type xoauth2Server struct {
	check  func(user, token string) bool
	failed bool
}

func (x *xoauth2Server) Next(response []byte) ([]byte, bool, error) {
	if x.failed {
		return nil, true, errors.New("invalid token")
	}
	if response == nil {
		return []byte{}, false, nil
	}
	var user, token string
	for _, part := range strings.Split(string(response), "\x01") {
		if v, ok := strings.CutPrefix(part, "user="); ok {
			user = v
		}
		if v, ok := strings.CutPrefix(part, "auth=Bearer "); ok {
			token = v
		}
	}
	if x.check(user, token) {
		return nil, true, nil
	}
	x.failed = true
	return []byte(`{"status":"401","schemes":"bearer","scope":"https://outlook.office365.com/.default"}`), false, nil
}
