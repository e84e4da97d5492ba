package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/ticket"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configures a Server. Store, Acts and BaseURL are required.
type Options struct {
	Store *store.Store
	// Acts carries out acts on tickets and queues mail (the sign-in link
	// goes through the outbox like every notification).
	Acts *ticket.Service
	// Pipeline ingests the tickets opened on the web, as mail (W4), and
	// reads attachments back from their raw messages; nil turns both off.
	Pipeline *ingest.Pipeline
	// Admin runs the console's acts (W5) as the signed-in staff member:
	// the same service as the command line; nil turns the console off.
	Admin *admin.Service
	// BaseURL is the portal's public URL (HELPDESK_BASE_URL), used in
	// sign-in links; cookies are Secure unless it is a loopback http URL.
	BaseURL      string
	HelpdeskName string
	// UnknownSenders is O7's setting: W2 lets a person who is not a user
	// sign in when they could open a ticket.
	UnknownSenders policy.UnknownSenders
	Logger         *slog.Logger
	Clock          func() time.Time
	// SignInTTL is how long a sign-in link works (15 minutes, W1).
	SignInTTL time.Duration
	// StaffIdle and UserIdle end sessions unused for that long (W6: 8
	// hours for staff, 30 days for others).
	StaffIdle, UserIdle time.Duration
	// ClientLimit is how many sign-in links one client may ask for in
	// ClientWindow (W1's limit per client; per address, B2's ack_limit).
	ClientLimit  int
	ClientWindow time.Duration
	// NotFoundFloor is the least time a 404 takes from the request's
	// start (50 ms by default): a hidden ticket costs more work than a
	// missing one, and the difference must not tell which it is (W3).
	NotFoundFloor time.Duration
	// SSO is staff single sign-on with OpenID Connect (W1); nil: staff
	// sign in with the mail link like everyone.
	SSO *SSO
}

// Server is the portal's HTTP handler.
type Server struct {
	o      Options
	log    *slog.Logger
	pages  map[string]*template.Template
	secure bool
	base   *url.URL
	sso    *ssoClient // nil without single sign-on
}

// New returns a Server.
func New(o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.HelpdeskName == "" {
		o.HelpdeskName = "Support"
	}
	if o.UnknownSenders == "" {
		o.UnknownSenders = policy.UnknownAccept
	}
	if o.SignInTTL <= 0 {
		o.SignInTTL = 15 * time.Minute
	}
	if o.StaffIdle <= 0 {
		o.StaffIdle = 8 * time.Hour
	}
	if o.UserIdle <= 0 {
		o.UserIdle = 30 * 24 * time.Hour
	}
	if o.ClientLimit <= 0 {
		o.ClientLimit = 20
	}
	if o.ClientWindow <= 0 {
		o.ClientWindow = 10 * time.Minute
	}
	if o.NotFoundFloor <= 0 {
		o.NotFoundFloor = 50 * time.Millisecond
	}
	base, err := url.Parse(strings.TrimSuffix(o.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("web: base URL %q: want http(s)://HOST[:PORT]", o.BaseURL)
	}
	s := &Server{o: o, log: o.Logger, base: base, secure: !(base.Scheme == "http" && isLoopbackHost(base.Hostname()))}
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	s.sso = newSSOClient(o.SSO, base.String(), o.Clock)
	return s, nil
}

func isLoopbackHost(h string) bool {
	return h == "localhost" || h == "127.0.0.1" || h == "::1" || strings.HasPrefix(h, "127.")
}

// parsePages parses each page with the layout.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("web template %s: %w", n, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// Handler returns the portal's routes, behind the cross-origin check and
// the security headers.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", s.withViewer(s.list))
	mux.HandleFunc("GET /signin", s.signInForm)
	mux.HandleFunc("POST /signin", s.askSignIn)
	mux.HandleFunc("GET /signin/{token}", s.confirmSignIn)
	mux.HandleFunc("POST /signin/{token}", s.signIn)
	mux.HandleFunc("GET /signin/sso", s.ssoStart)
	mux.HandleFunc("GET "+SSOCallbackPath, s.ssoCallback)
	mux.HandleFunc("POST /signout", s.signOut)
	mux.HandleFunc("POST /zone", s.setZone)
	mux.HandleFunc("GET /t/{id}", s.withViewer(s.ticketPage))
	mux.HandleFunc("POST /t/{id}/comment", s.withViewer(s.comment))
	mux.HandleFunc("GET /t/{id}/files/{c}/{f}", s.withViewer(s.attachment))
	mux.HandleFunc("POST /t/{id}/follow", s.withViewer(s.follow))
	mux.HandleFunc("POST /t/{id}/unfollow", s.withViewer(s.unfollow))
	mux.HandleFunc("POST /t/{id}/cc", s.withViewer(s.addCCs))
	mux.HandleFunc("GET /new", s.withViewer(s.newTicketForm))
	mux.HandleFunc("GET /console", s.staffOnly(s.queue))
	mux.HandleFunc("GET /console/t/{id}", s.staffOnly(s.consoleTicket))
	mux.HandleFunc("POST /console/t/{id}/reply", s.staffOnly(s.consoleReply))
	mux.HandleFunc("POST /console/t/{id}/set", s.staffOnly(s.consoleSet))
	mux.HandleFunc("GET /console/quarantine", s.staffOnly(s.quarantine))
	mux.HandleFunc("GET /console/orgs", s.staffOnly(s.orgs))
	mux.HandleFunc("GET /console/outbox", s.staffOnly(s.outbox))
	mux.HandleFunc("POST /console/bulk", s.staffOnly(s.bulk))
	mux.HandleFunc("POST /console/outbox/{id}/retry", s.staffOnly(s.retry))
	mux.HandleFunc("POST /console/bouncing", s.staffOnly(s.clearBouncing))
	mux.HandleFunc("POST /console/orgs/{slug}/access", s.staffOnly(s.orgAccess))
	mux.HandleFunc("POST /console/orgs", s.staffOnly(s.orgAdd))
	mux.HandleFunc("GET /console/orgs/{slug}", s.staffOnly(s.orgPage))
	mux.HandleFunc("POST /console/orgs/{slug}", s.staffOnly(s.orgSet))
	mux.HandleFunc("POST /console/orgs/{slug}/domains", s.staffOnly(s.orgDomain))
	mux.HandleFunc("GET /console/people", s.staffOnly(s.people))
	mux.HandleFunc("POST /console/people", s.staffOnly(s.personAdd))
	mux.HandleFunc("GET /console/people/{email}", s.staffOnly(s.person))
	mux.HandleFunc("POST /console/people/{email}", s.staffOnly(s.personSet))
	mux.HandleFunc("POST /console/people/{email}/membership", s.staffOnly(s.membership))
	mux.HandleFunc("GET /console/staff", s.staffOnly(s.staff))
	mux.HandleFunc("POST /console/staff", s.staffOnly(s.staffSet))
	mux.HandleFunc("GET /console/teams", s.staffOnly(s.teams))
	mux.HandleFunc("POST /console/teams", s.staffOnly(s.teamAdd))
	mux.HandleFunc("POST /console/teams/{slug}", s.staffOnly(s.teamSet))
	mux.HandleFunc("GET /console/audit", s.staffOnly(s.audit))
	mux.HandleFunc("GET /console/quarantine/{id}", s.staffOnly(s.quarantineOne))
	mux.HandleFunc("GET /console/t/{id}/raw/{raw}", s.staffOnly(s.consoleRaw))
	mux.HandleFunc("POST /console/t/{id}/cc", s.staffOnly(s.consoleCC))
	mux.HandleFunc("POST /console/quarantine/{id}/release", s.staffOnly(s.settle(true)))
	mux.HandleFunc("POST /console/quarantine/{id}/discard", s.staffOnly(s.settle(false)))
	mux.HandleFunc("POST /new", s.withViewer(s.openTicket))
	mux.HandleFunc("/", s.maybeViewer(s.notFound))
	cop := http.NewCrossOriginProtection()
	return securityHeaders(cop.Handler(started(mux)))
}

type startKey struct{}

// started records when the request began, for notFound's floor.
func started(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), startKey{}, time.Now())))
	})
}

// securityHeaders sets a strict Content Security Policy (no scripts, no
// remote images: W6) and the usual hardening headers.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// render writes page with data, in the visitor's language.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data map[string]any) {
	t, ok := s.pages[page]
	if !ok {
		http.Error(w, "no such page", http.StatusInternalServerError)
		return
	}
	if data == nil {
		data = map[string]any{}
	}
	data["L"] = lang(r)
	data["Helpdesk"] = s.o.HelpdeskName
	data["Console"] = strings.HasPrefix(page, "console_")
	if v, ok := r.Context().Value(viewerKey{}).(*viewer); ok {
		data["Viewer"] = v
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		s.log.Error("web: render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, b.String())
}

// notFound is the one answer for what does not exist and what the viewer
// may not see: the same status, page and words (W3).
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if t0, ok := r.Context().Value(startKey{}).(time.Time); ok {
		if wait := s.o.NotFoundFloor - time.Since(t0); wait > 0 {
			select { // the same time for what is hidden and what is missing
			case <-time.After(wait):
			case <-r.Context().Done():
			}
		}
	}
	s.render(w, r, http.StatusNotFound, "notfound", nil)
}

// fail logs an internal error and answers 500.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	s.log.Error("web: request failed", "path", r.URL.Path, "err", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}
