package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq" // the direct connection that reads the plans

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
	"github.com/helpdesk-gw/helpdesk/templates"
	"github.com/helpdesk-gw/helpdesk/threading"
	"github.com/helpdesk-gw/helpdesk/web"
)

// The shape of the store of issue 17's performance goal: 300,000 tickets,
// one organisation ("big", access view) holding 50,000 of them with 5,000
// members, and a partner whose domain is on 20 client organisations (O5)
// and whose user has A2 org membership in each.
const (
	benchOrgs        = 2000 // big, partner, 1,998 others; the first 20 others are the partner's clients
	benchUsers       = 60000
	benchTickets     = 300000
	benchBigMembers  = 5000
	benchBigEvery    = 6 // every 6th ticket is big's: 50,000
	benchClients     = 20
	benchPartnerUser = "pat@partner.example"
	benchMember      = "u1@big.example"
	benchTxTickets   = 50000 // tickets per seeding transaction
)

// benchStart is the first ticket's time; a ticket is opened every 200 s.
var benchStart = time.Date(2024, 1, 1, 8, 0, 0, 0, time.UTC)

// BenchmarkPortal measures the portal's server time (the handler, from the
// request read to the response written) on PostgreSQL with issue 17's
// store, through the real handler signed in by the real flow:
//
//	go test -run '^$' -bench Portal -benchtime 200x -timeout 30m ./web
//
// It seeds only when it runs (a benchmark; plain go test never runs it),
// reports p50/p95/p99 in ms per sub-benchmark, and logs the plans of the
// visible-tickets query for the member and the partner (EXPLAIN ANALYZE on
// a direct connection). ns/op is the client's round trip, plus, for
// signin_use, the untimed request for the link it uses.
func BenchmarkPortal(b *testing.B) {
	if testing.Short() {
		b.Skip("seeds 300,000 tickets")
	}
	ctx := context.Background()
	dbURL := storetest.URL(b, store.Postgres)
	st := storetest.OpenURL(b, dbURL, store.Options{})
	start := time.Now()
	w := seedPortal(b, ctx, st)
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d organisations, %d users, %d tickets (%d of big) in %v, then VACUUM ANALYZE",
		benchOrgs, benchUsers, benchTickets, benchTickets/benchBigEvery, time.Since(start).Round(time.Second))

	srv := w.serve(b, st)
	member, partner := srv.signIn(b, st, benchMember), srv.signIn(b, st, benchPartnerUser)
	w.explain(b, ctx, db, st)

	b.Run("list_member", func(b *testing.B) {
		srv.measure(b, func(int) *http.Request { return srv.get(b, member, "/") }, wantList)
	})
	b.Run("list_partner", func(b *testing.B) {
		srv.measure(b, func(int) *http.Request { return srv.get(b, partner, "/") }, wantList)
	})
	page2 := w.page2(b, srv, member)
	b.Run("list_member_page2", func(b *testing.B) {
		srv.measure(b, func(int) *http.Request { return srv.get(b, member, page2) }, wantList)
	})
	b.Run("ticket_member", func(b *testing.B) {
		srv.measure(b, func(i int) *http.Request {
			return srv.get(b, member, fmt.Sprintf("/t/%d", w.bigCommented[i%len(w.bigCommented)]))
		}, wantTicket)
	})
	next := 0 // a fresh address each time: B2 sends 5 links an address an hour
	b.Run("signin_ask", func(b *testing.B) {
		srv.measure(b, func(int) *http.Request {
			next++
			return srv.post(b, nil, "/signin", url.Values{"email": {fmt.Sprintf("u%d@big.example", next%benchBigMembers)}})
		}, wantSent)
	})
	b.Run("signin_use", func(b *testing.B) {
		srv.measure(b, func(int) *http.Request {
			next++
			email := fmt.Sprintf("u%d@big.example", next%benchBigMembers)
			srv.roundTrip(b, srv.post(b, nil, "/signin", url.Values{"email": {email}}), wantSent) // untimed
			return srv.post(b, nil, srv.lastLink(b, st, email), url.Values{})
		}, wantSignedIn)
	})
	w.explainProposed(b, ctx, db, st)
}

// benchWorld is what the seeding made that the requests need.
type benchWorld struct {
	orgs         []model.Organisation
	owner        model.User
	users        []model.User
	orgUsers     [][]int // indexes into users, by organisation index
	member       model.User
	partner      model.User
	bigCommented []int64 // big's tickets that have comments and a CC
}

// seedPortal fills st through the store's own code: the organisations in
// one transaction, the users and memberships in one deferred transaction
// (store.Tx.Defer), the tickets with their CCs and comments in deferred
// transactions of benchTxTickets. Everything comes from a fixed seed.
func seedPortal(b *testing.B, ctx context.Context, st *store.Store) *benchWorld {
	b.Helper()
	w := &benchWorld{}
	if err := st.InTx(ctx, func(tx *store.Tx) error { return w.seedOrgs(ctx, tx) }); err != nil {
		b.Fatalf("seed organisations: %v", err)
	}
	if err := st.InTx(ctx, func(tx *store.Tx) error { return w.seedUsers(ctx, tx) }); err != nil {
		b.Fatalf("seed users: %v", err)
	}
	for first := 0; first < benchTickets; first += benchTxTickets {
		kept := len(w.bigCommented)
		err := st.InTx(ctx, func(tx *store.Tx) error { // run again on a retry: the same rows
			w.bigCommented = w.bigCommented[:kept]
			rnd := rand.New(rand.NewPCG(17, uint64(first)))
			return w.seedTickets(ctx, tx, rnd, first, min(first+benchTxTickets, benchTickets))
		})
		if err != nil {
			b.Fatalf("seed tickets from %d: %v", first, err)
		}
	}
	return w
}

func (w *benchWorld) seedOrgs(ctx context.Context, tx *store.Tx) error {
	w.orgs = make([]model.Organisation, benchOrgs)
	for i := range w.orgs {
		slug, access := fmt.Sprintf("org%d", i), model.OrgAccessOwn
		switch {
		case i == 0:
			slug, access = "big", model.OrgAccessView
		case i == 1:
			slug = "partner"
		case i%10 == 0:
			access = model.OrgAccessView
		}
		o := model.Organisation{Slug: slug, Name: strings.ToUpper(slug[:1]) + slug[1:], Access: access,
			Domains: []model.Domain{{Name: slug + ".example", AddedAt: benchStart.Add(-time.Hour)}}, CreatedAt: benchStart.Add(-time.Hour)}
		if err := tx.CreateOrg(ctx, &o); err != nil {
			return err
		}
		w.orgs[i] = o
	}
	for i := 2; i < 2+benchClients; i++ { // O5: the partner's domain on its clients
		d := model.Domain{Name: "partner.example", AddedAt: benchStart.Add(-time.Hour)}
		if err := tx.AddOrgDomain(ctx, w.orgs[i].ID, d); err != nil {
			return err
		}
		w.orgs[i].Domains = append(w.orgs[i].Domains, d)
	}
	return nil
}

// seedUsers makes the owner, big's 5,000 members, 10 partner users (pat
// first) and the rest spread over the other organisations, each with the
// membership of their domain (O3); the partner users have A2 org in each
// client.
func (w *benchWorld) seedUsers(ctx context.Context, tx *store.Tx) error {
	tx.Defer()
	emails := make([]string, benchUsers)
	orgOf := make([]int, benchUsers)
	for i := range emails {
		switch {
		case i < benchBigMembers:
			emails[i], orgOf[i] = fmt.Sprintf("u%d@big.example", i), 0
		case i == benchBigMembers:
			emails[i], orgOf[i] = benchPartnerUser, 1
		case i < benchBigMembers+10:
			emails[i], orgOf[i] = fmt.Sprintf("p%d@partner.example", i-benchBigMembers), 1
		default:
			k := 2 + i%(benchOrgs-2)
			emails[i], orgOf[i] = fmt.Sprintf("c%d@%s", i, w.orgs[k].Domains[0].Name), k
		}
	}
	if err := tx.Prefetch(ctx, store.Prefetch{Messages: 256, Emails: append(emails, "owner@help.example")}); err != nil {
		return err
	}
	w.owner = model.User{Email: "owner@help.example", Name: "Olivia Owner", StaffRole: model.RoleOwner, CreatedAt: benchStart.Add(-2 * time.Hour)}
	if err := tx.CreateUser(ctx, &w.owner); err != nil {
		return err
	}
	w.users = make([]model.User, benchUsers)
	w.orgUsers = make([][]int, benchOrgs)
	for i, e := range emails {
		u := model.User{Email: e, Name: fmt.Sprintf("User %d", i), CreatedAt: benchStart.Add(-time.Hour)}
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		w.users[i] = u
		w.orgUsers[orgOf[i]] = append(w.orgUsers[orgOf[i]], i)
		m := model.Membership{UserID: u.ID, OrgID: w.orgs[orgOf[i]].ID, Access: model.MemberAccessOwn, Source: model.SourceDomain, CreatedAt: u.CreatedAt}
		if err := tx.UpsertMembership(ctx, m); err != nil {
			return err
		}
		if orgOf[i] != 1 {
			continue
		}
		for k := 2; k < 2+benchClients; k++ {
			m := model.Membership{UserID: u.ID, OrgID: w.orgs[k].ID, Access: model.MemberAccessOrg, Source: model.SourceAdmin, CreatedAt: u.CreatedAt}
			if err := tx.UpsertMembership(ctx, m); err != nil {
				return err
			}
		}
	}
	w.member, w.partner = w.users[1], w.users[benchBigMembers]
	return nil
}

// seedTickets makes tickets [first, end): every benchBigEvery-th is big's,
// the others go round the other organisations (the partner's own
// included); one in ten has a CC from anywhere, one in fifty two public
// comments, one in a hundred an internal note as well.
func (w *benchWorld) seedTickets(ctx context.Context, tx *store.Tx, rnd *rand.Rand, first, end int) error {
	tx.Defer()
	statuses := []model.Status{model.StatusOpen, model.StatusPending, model.StatusSolved, model.StatusClosed}
	for i := first; i < end; i++ {
		k := 1 + (i-i/benchBigEvery)%(benchOrgs-1)
		if i%benchBigEvery == 0 {
			k = 0
		}
		requester := w.users[w.orgUsers[k][rnd.IntN(len(w.orgUsers[k]))]]
		created := benchStart.Add(time.Duration(i) * 200 * time.Second)
		t := model.Ticket{Subject: fmt.Sprintf("Ticket %d: %s", i, benchSubjects[rnd.IntN(len(benchSubjects))]),
			Status: statuses[rnd.IntN(len(statuses))], OrgID: w.orgs[k].ID, RequesterID: requester.ID,
			CreatedAt: created, UpdatedAt: created.Add(time.Duration(rnd.IntN(14*24*3600)) * time.Second)}
		if err := tx.CreateTicket(ctx, &t); err != nil {
			return err
		}
		if i%10 == 0 || i%10 == 3 {
			cc := w.users[rnd.IntN(len(w.users))]
			if _, err := tx.AddParticipant(ctx, model.Participant{TicketID: t.ID, UserID: cc.ID, Role: model.ParticipantCC,
				AddedBy: requester.ID, AddedAt: created}); err != nil {
				return err
			}
		}
		if i%50 == 0 {
			if err := w.seedComments(ctx, tx, t, requester, i%100 == 0); err != nil {
				return err
			}
			if k == 0 && t.RequesterID != w.member.ID {
				w.bigCommented = append(w.bigCommented, t.ID)
			}
		}
		if i%5000 == 4999 {
			if err := tx.Flush(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

var benchSubjects = []string{"printer on fire", "VPN drops every hour", "invoice 2024-118 is wrong",
	"cannot sign in", "new laptop for Kari", "mailbox full", "scanner jammed", "license renewal"}

func (w *benchWorld) seedComments(ctx context.Context, tx *store.Tx, t model.Ticket, requester model.User, note bool) error {
	cs := []model.Comment{
		{TicketID: t.ID, AuthorID: requester.ID, Visibility: model.VisibilityPublic, CreatedAt: t.CreatedAt,
			Body: "Hello,\n\nit happened again this morning. " + strings.Repeat("Details of what I tried. ", 20)},
		{TicketID: t.ID, AuthorID: w.owner.ID, Visibility: model.VisibilityPublic, CreatedAt: t.CreatedAt.Add(time.Hour),
			Body: "Thanks, we are looking at it.\n\n" + strings.Repeat("Steps to try meanwhile. ", 10)},
	}
	if note {
		cs = append(cs, model.Comment{TicketID: t.ID, AuthorID: w.owner.ID, Visibility: model.VisibilityInternal,
			CreatedAt: t.CreatedAt.Add(2 * time.Hour), Body: "Internal: escalate if it happens again."})
	}
	for i := range cs {
		if err := tx.AddComment(ctx, &cs[i]); err != nil {
			return err
		}
	}
	return nil
}

// benchServer is the portal on a loopback httptest server, behind a
// wrapper that hands each request's server time to the benchmark.
type benchServer struct {
	srv  *httptest.Server
	took chan time.Duration
}

// serve starts the portal as web_test's newPortal does, with the client
// limit off (every sign-in request comes from 127.0.0.1).
func (w *benchWorld) serve(b *testing.B, st *store.Store) *benchServer {
	b.Helper()
	tmpl, err := templates.Load("")
	if err != nil {
		b.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	addrs := threading.NewAddresses("support@help.example", "", threading.NewSigner([]byte("bench secret, long enough")))
	p := ingest.New(ingest.Options{Store: st, Addresses: addrs, Templates: tmpl, TrustedAuthservID: "mx.help.example", Logger: quiet})
	adm := admin.New(admin.Options{Store: st, Releaser: p, IsOwn: addrs.IsOwn})
	ws, err := web.New(web.Options{Store: st, Acts: p.Acts(), Pipeline: p, Admin: adm, BaseURL: "http://127.0.0.1:8025",
		Logger: quiet, ClientLimit: math.MaxInt32})
	if err != nil {
		b.Fatal(err)
	}
	s := &benchServer{took: make(chan time.Duration, 1)}
	h := ws.Handler()
	s.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		h.ServeHTTP(rw, r)
		s.took <- time.Since(t0)
	}))
	b.Cleanup(s.srv.Close)
	return s
}

// client is one browser: a cookie jar, redirects not followed.
func (s *benchServer) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signIn signs email in by the mailed link and returns its browser.
func (s *benchServer) signIn(b *testing.B, st *store.Store, email string) *http.Client {
	b.Helper()
	c := s.client()
	s.roundTripWith(b, c, s.post(b, nil, "/signin", url.Values{"email": {email}}), wantSent)
	s.roundTripWith(b, c, s.post(b, nil, s.lastLink(b, st, email), url.Values{}), wantSignedIn)
	return c
}

// lastLink is the path of the sign-in link last queued to email.
func (s *benchServer) lastLink(b *testing.B, st *store.Store, email string) string {
	b.Helper()
	rows, err := st.ListOutbox(context.Background(), store.OutboxFilter{})
	if err != nil {
		b.Fatal(err)
	}
	for i := len(rows) - 1; i >= 0; i-- {
		if rows[i].To == email && rows[i].Kind == model.KindSignIn {
			if m := linkRE.FindStringSubmatch(rows[i].TextBody); m != nil {
				return m[1]
			}
		}
	}
	b.Fatalf("no sign-in link queued to %s", email)
	return ""
}

func (s *benchServer) get(b *testing.B, c *http.Client, path string) *http.Request {
	b.Helper()
	req, err := http.NewRequest("GET", s.srv.URL+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	return s.with(req, c)
}

func (s *benchServer) post(b *testing.B, c *http.Client, path string, form url.Values) *http.Request {
	b.Helper()
	req, err := http.NewRequest("POST", s.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.with(req, c)
}

type clientKey struct{}

// with notes the browser a request goes with (nil: a new one).
func (s *benchServer) with(req *http.Request, c *http.Client) *http.Request {
	if c == nil {
		c = s.client()
	}
	return req.WithContext(context.WithValue(req.Context(), clientKey{}, c))
}

// check judges a response: status and body.
type check func(code int, body string, h http.Header) error

func wantList(code int, body string, _ http.Header) error {
	if n := strings.Count(body, `href="/t/`); code != 200 || n < 25 {
		return fmt.Errorf("list: %d with %d ticket links, want 200 and a full page", code, n)
	}
	return nil
}

func wantTicket(code int, body string, _ http.Header) error {
	if code != 200 || !strings.Contains(body, "we are looking at it") {
		return fmt.Errorf("ticket page: %d", code)
	}
	return nil
}

func wantSent(code int, body string, _ http.Header) error {
	if code != 200 || !strings.Contains(body, "on its way") {
		return fmt.Errorf("sign-in request: %d", code)
	}
	return nil
}

func wantSignedIn(code int, _ string, h http.Header) error {
	if code != http.StatusSeeOther || !strings.Contains(h.Get("Set-Cookie"), "hd_session=") {
		return fmt.Errorf("sign-in: %d", code)
	}
	return nil
}

// roundTrip sends req with its browser and returns the server time.
func (s *benchServer) roundTrip(b *testing.B, req *http.Request, ok check) time.Duration {
	b.Helper()
	return s.roundTripWith(b, req.Context().Value(clientKey{}).(*http.Client), req, ok)
}

// patience bounds a wait for the server; it is never a measure.
const patience = 2 * time.Minute

func (s *benchServer) roundTripWith(b *testing.B, c *http.Client, req *http.Request, ok check) time.Duration {
	b.Helper()
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		b.Fatal(err)
	}
	var took time.Duration
	select {
	case took = <-s.took:
	case <-time.After(patience):
		b.Fatalf("%s %s: the handler did not finish", req.Method, req.URL.Path)
	}
	if err := ok(resp.StatusCode, string(body), resp.Header); err != nil {
		b.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	return took
}

// measure sends b.N requests made by next and reports the percentiles of
// their server times.
func (s *benchServer) measure(b *testing.B, next func(i int) *http.Request, ok check) {
	b.Helper()
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		times = append(times, s.roundTrip(b, next(i), ok))
	}
	b.StopTimer()
	slices.Sort(times)
	for _, p := range []struct {
		q    float64
		name string
	}{{0.50, "p50_ms"}, {0.95, "p95_ms"}, {0.99, "p99_ms"}} {
		i := max(int(math.Ceil(p.q*float64(len(times))))-1, 0)
		b.ReportMetric(float64(times[i].Microseconds())/1000, p.name)
	}
}

// page2 is the path of the member's second page, read once.
func (w *benchWorld) page2(b *testing.B, s *benchServer, c *http.Client) string {
	b.Helper()
	resp, err := c.Get(s.srv.URL + "/")
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	<-s.took
	_, rest, ok := strings.Cut(string(body), `href="/?after=`)
	if !ok {
		b.Fatal("the member's list has no next page")
	}
	after, _, _ := strings.Cut(rest, `"`)
	return "/?after=" + strings.ReplaceAll(after, "&amp;", "&")
}

// visibleQuery is the first page of store.VisibleTicketKeys for an
// end-user as the list asks for it (25 rows and one more, newest change
// first), copied from store/visible.go (visibleScope) with PostgreSQL's
// placeholders; explain checks that it returns what the store does.
const visibleQuery = `SELECT t.id, t.updated_at FROM tickets t WHERE t.id IN (
	SELECT r.id FROM tickets r WHERE r.requester_id = $1
	UNION
	SELECT c.ticket_id FROM participants c WHERE c.user_id = $2 AND c.role = 'cc'
	UNION
	SELECT o.id FROM memberships m
		JOIN organisations g ON g.id = m.org_id
		JOIN tickets o ON o.org_id = m.org_id
		WHERE m.user_id = $3 AND (g.access IN ('view', 'comment') OR m.access = 'org')) ORDER BY t.updated_at DESC, t.id DESC LIMIT $4`

// explain logs EXPLAIN (ANALYZE, BUFFERS) of the visible-tickets query for
// the member and the partner, after checking the copy against the store.
func (w *benchWorld) explain(b *testing.B, ctx context.Context, db *sql.DB, st *store.Store) {
	b.Helper()
	const limit = 26
	for _, u := range []model.User{w.member, w.partner} {
		keys, err := st.VisibleTicketKeys(ctx, u.ID, store.VisibleFilter{}, store.TicketPage{Order: store.OrderByUpdated, Desc: true, Limit: limit})
		if err != nil {
			b.Fatal(err)
		}
		var want []int64
		for _, k := range keys {
			want = append(want, k.ID)
		}
		got := queryIDs(b, ctx, db, visibleQuery, u.ID, u.ID, u.ID, limit)
		if !slices.Equal(got, want) {
			b.Fatalf("the copied query disagrees with the store for %s: %v, want %v", u.Email, got, want)
		}
		explainQuery(b, ctx, db, visibleQuery, u.ID, limit) // warm
		b.Logf("plan of the visible-tickets query for %s (user %d):\n%s", u.Email, u.ID, explainQuery(b, ctx, db, visibleQuery, u.ID, limit))
	}
}

// explainQuery returns EXPLAIN (ANALYZE, BUFFERS) of query for viewer id.
func explainQuery(b *testing.B, ctx context.Context, db *sql.DB, query string, id int64, limit int) string {
	b.Helper()
	rows, err := db.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+query, id, id, id, limit)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			b.Fatal(err)
		}
		plan.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return plan.String()
}

// proposedQuery is a change this benchmark suggests for store/visible.go
// (not made: it is only explained, after the measurements): each branch
// reads its own newest rows in the list's order through an index that
// ends on (updated_at, id), at most one page of them, organisation by
// organisation, so that the cost follows the page size and the number of
// the viewer's organisations, not the size of the largest one.
const proposedQuery = `WITH orgs AS (
	SELECT m.org_id FROM memberships m JOIN organisations g ON g.id = m.org_id
	WHERE m.user_id = $3 AND (g.access IN ('view', 'comment') OR m.access = 'org'))
SELECT id, updated_at FROM (
	(SELECT r.id, r.updated_at FROM tickets r WHERE r.requester_id = $1 ORDER BY r.updated_at DESC, r.id DESC LIMIT $4)
	UNION
	(SELECT t.id, t.updated_at FROM participants c JOIN tickets t ON t.id = c.ticket_id
		WHERE c.user_id = $2 AND c.role = 'cc' ORDER BY t.updated_at DESC, t.id DESC LIMIT $4)
	UNION
	SELECT x.id, x.updated_at FROM orgs, LATERAL (SELECT o.id, o.updated_at FROM tickets o
		WHERE o.org_id = orgs.org_id ORDER BY o.updated_at DESC, o.id DESC LIMIT $4) x
) v ORDER BY updated_at DESC, id DESC LIMIT $4`

// proposedIndexes go with proposedQuery.
var proposedIndexes = []string{
	`CREATE INDEX IF NOT EXISTS tickets_org_updated ON tickets(org_id, updated_at, id)`,
	`CREATE INDEX IF NOT EXISTS tickets_requester_updated ON tickets(requester_id, updated_at, id)`,
}

// explainProposed adds proposedIndexes to the throwaway database, checks
// that proposedQuery returns what the store does, and logs its plans.
func (w *benchWorld) explainProposed(b *testing.B, ctx context.Context, db *sql.DB, st *store.Store) {
	b.Helper()
	const limit = 26
	for _, q := range append(proposedIndexes, "ANALYZE tickets") {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	for _, u := range []model.User{w.member, w.partner, w.users[benchBigMembers+20]} {
		got := queryIDs(b, ctx, db, proposedQuery, u.ID, u.ID, u.ID, limit)
		want := queryIDs(b, ctx, db, visibleQuery, u.ID, u.ID, u.ID, limit)
		if !slices.Equal(got, want) {
			b.Fatalf("the proposed query disagrees with the store's for %s: %v, want %v", u.Email, got, want)
		}
		explainQuery(b, ctx, db, proposedQuery, u.ID, limit) // warm
		b.Logf("plan of the PROPOSED visible-tickets query for %s (user %d):\n%s", u.Email, u.ID, explainQuery(b, ctx, db, proposedQuery, u.ID, limit))
	}
}

func queryIDs(b *testing.B, ctx context.Context, db *sql.DB, query string, args ...any) []int64 {
	b.Helper()
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		var at time.Time
		if err := rows.Scan(&id, &at); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return ids
}
