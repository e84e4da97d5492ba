package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
	"github.com/helpdesk-gw/helpdesk/templates"
	"github.com/helpdesk-gw/helpdesk/threading"
	"github.com/helpdesk-gw/helpdesk/web"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// portal is a helpdesk with the portal on: acme (acme.com, access own) with
// ann, bob and a partner's domain; ann opened ticket 1 with carl in Cc;
// sam is staff and wrote an internal note on it.
type portal struct {
	t   testing.TB
	ctx context.Context
	st  *store.Store
	p   *ingest.Pipeline
	adm *admin.Service
	srv *httptest.Server
	now time.Time
}

func newPortal(t testing.TB, b store.Backend) *portal {
	t.Helper()
	w := &portal{t: t, ctx: context.Background(), now: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return w.now }
	w.st = storetest.OpenWith(t, b, store.Options{Clock: clock})
	tmpl, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	addrs := threading.NewAddresses("support@help.example", "", threading.NewSigner([]byte("test secret, long enough")))
	w.p = ingest.New(ingest.Options{Store: w.st, Addresses: addrs, Templates: tmpl, Clock: clock, TrustedAuthservID: "mx.help.example",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	w.adm = admin.New(admin.Options{Store: w.st, Releaser: w.p, Clock: clock, IsOwn: addrs.IsOwn})
	owner := admin.Request{As: "owner@help.example"}
	w.must(w.adm.StaffSet(w.ctx, admin.Request{}, "owner@help.example", model.RoleOwner, "staff.add"))
	w.must(w.adm.StaffSet(w.ctx, owner, "sam@help.example", model.RoleAgent, "staff.add"))
	w.must(w.adm.OrgAdd(w.ctx, owner, "acme", admin.OrgSettings{Name: "Acme"}, []string{"acme.com"}, false))
	w.mail("Ann <ann@acme.com>", "support@help.example", "Cc: carl@cc.example\r\n", "Printer <b>broken</b>", "The printer is on fire.")
	w.mail("Bob <bob@acme.com>", "support@help.example", "", "Bob's own", "Hello.")
	w.mail("sam@help.example", "support@help.example",
		"Authentication-Results: mx.help.example; dkim=pass header.d=help.example; dmarc=pass header.from=help.example\r\n",
		"Re: [#1] Printer", "#note\nThe customer is difficult.")
	ws, err := web.New(web.Options{Store: w.st, Acts: w.p.Acts(), Pipeline: w.p, Admin: w.adm, BaseURL: "http://127.0.0.1:8025", Clock: clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	w.srv = httptest.NewServer(ws.Handler())
	t.Cleanup(w.srv.Close)
	return w
}

func (w *portal) must(_ any, err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *portal) mail(from, to, headers, subject, body string) {
	w.t.Helper()
	w.now = w.now.Add(time.Minute)
	raw := fmt.Sprintf("%sFrom: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%d@test>\r\n\r\n%s\r\n", headers, from, to, subject, w.now.UnixNano(),
		strings.ReplaceAll(body, "\n", "\r\n"))
	if _, err := w.p.Ingest(w.ctx, ingest.Input{Raw: []byte(raw), Mailbox: "test"}); err != nil {
		w.t.Fatal(err)
	}
}

// browser is one visitor with a cookie jar, not following redirects.
type browser struct {
	w *portal
	c *http.Client
}

func (w *portal) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{w: w, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values, headers ...string) (int, string, http.Header) {
	b.w.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.w.srv.URL+path, body)
	if err != nil {
		b.w.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.w.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out), resp.Header
}

var linkRE = regexp.MustCompile(`http://127\.0\.0\.1:8025(/signin/[A-Za-z0-9_-]+)`)

// lastLink is the sign-in link last mailed to email.
func (w *portal) lastLink(email string) string {
	w.t.Helper()
	rows, err := w.st.ListOutbox(w.ctx, store.OutboxFilter{})
	if err != nil {
		w.t.Fatal(err)
	}
	for i := len(rows) - 1; i >= 0; i-- {
		if rows[i].To == email && rows[i].Kind == model.KindSignIn {
			if m := linkRE.FindStringSubmatch(rows[i].TextBody); m != nil {
				return m[1]
			}
		}
	}
	return ""
}

// signIn asks for a link for email and uses it.
func (b *browser) signIn(email string) {
	b.w.t.Helper()
	if code, body, _ := b.do("POST", "/signin", url.Values{"email": {email}}); code != 200 || !strings.Contains(body, "on its way") {
		b.w.t.Fatalf("sign-in request: %d %s", code, body)
	}
	link := b.w.lastLink(email)
	if link == "" {
		b.w.t.Fatalf("W1: no sign-in link mailed to %s", email)
	}
	if code, body, _ := b.do("GET", link, nil); code != 200 || !strings.Contains(body, `id="signin"`) {
		b.w.t.Fatalf("W1: opening the link: %d %s", code, body)
	}
	if code, _, h := b.do("POST", link, url.Values{}); code != http.StatusSeeOther || h.Get("Set-Cookie") == "" {
		b.w.t.Fatalf("W1: signing in: %d %v", code, h)
	}
}

func TestW1_W6_SignInByEmailLink(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newPortal(t, b)
		ann := w.browser()
		// Not signed in: the list asks for an address.
		if code, body, _ := ann.do("GET", "/", nil); code != 200 || !strings.Contains(body, `name="email"`) {
			t.Fatalf("not signed in: %d %s", code, body)
		}
		ann.signIn("ann@acme.com")
		code, body, _ := ann.do("GET", "/", nil)
		if code != 200 || !strings.Contains(body, "Printer &lt;b&gt;broken&lt;/b&gt;") || strings.Contains(body, "Bob&#39;s own") {
			t.Fatalf("W3: ann's list: %d %s", code, body)
		}
		// W6 cookie flags: HttpOnly, SameSite=Lax (not Secure on loopback http).
		_, _, h := ann.do("POST", w.lastLinkAfterAsking(ann, "ann@acme.com"), url.Values{})
		if ck := h.Get("Set-Cookie"); !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") {
			t.Fatalf("W6: cookie %q", ck)
		}
		// Single use: the same link again is refused.
		link := w.lastLink("ann@acme.com")
		if code, _, _ := w.browser().do("POST", link, url.Values{}); code != http.StatusGone {
			t.Fatalf("W1: a used link signed in again: %d", code)
		}
		// Expired after 15 minutes.
		other := w.browser()
		other.do("POST", "/signin", url.Values{"email": {"bob@acme.com"}})
		link = w.lastLink("bob@acme.com")
		w.now = w.now.Add(16 * time.Minute)
		if code, _, _ := other.do("POST", link, url.Values{}); code != http.StatusGone {
			t.Fatalf("W1: an expired link signed in: %d", code)
		}
		// Sign-out ends the session: the cookie no longer works.
		if code, _, _ := ann.do("POST", "/signout", url.Values{}); code != http.StatusSeeOther {
			t.Fatalf("sign-out: %d", code)
		}
		if _, body, _ := ann.do("GET", "/", nil); !strings.Contains(body, `name="email"`) {
			t.Fatal("W6: the session outlived sign-out")
		}
	})
}

// lastLinkAfterAsking asks for a new link and returns it.
func (w *portal) lastLinkAfterAsking(b *browser, email string) string {
	w.t.Helper()
	w.now = w.now.Add(time.Second)
	b.do("POST", "/signin", url.Values{"email": {email}})
	return w.lastLink(email)
}

func TestW1_W2_SameAnswerWhetherOrNotKnown(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newPortal(t, b)
		_, known, _ := w.browser().do("POST", "/signin", url.Values{"email": {"ann@acme.com"}})
		_, unknown, _ := w.browser().do("POST", "/signin", url.Values{"email": {"nobody@elsewhere.example"}})
		if known != unknown {
			t.Fatal("W1: the answer tells whether an address is known")
		}
		// W2: the helpdesk's own address never gets a link (B2); a new
		// address that may open tickets (O7 accept) does, and becomes a user.
		w.browser().do("POST", "/signin", url.Values{"email": {"support@help.example"}})
		if w.lastLink("support@help.example") != "" {
			t.Fatal("B2: a sign-in link to the helpdesk itself")
		}
		newcomer := w.browser()
		newcomer.signIn("nobody@elsewhere.example")
		if _, err := w.st.UserByEmail(w.ctx, "nobody@elsewhere.example"); err != nil {
			t.Fatalf("W2, O3: the newcomer is not a user after signing in: %v", err)
		}
		// B2's ack_limit caps links per address and hour.
		for i := 0; i < 8; i++ {
			w.browser().do("POST", "/signin", url.Values{"email": {"dan@acme.com"}})
		}
		rows, _ := w.st.ListOutbox(w.ctx, store.OutboxFilter{})
		n := 0
		for _, r := range rows {
			if r.To == "dan@acme.com" && r.Kind == model.KindSignIn {
				n++
			}
		}
		if n != 5 {
			t.Fatalf("W1/B2: %d sign-in links to dan in an hour, want ack_limit (5)", n)
		}
	})
}

func TestW3_R5_R7_WhatAPersonSees(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newPortal(t, b)
		ann, bob, eve, sam := w.browser(), w.browser(), w.browser(), w.browser()
		ann.signIn("ann@acme.com")
		bob.signIn("bob@acme.com")
		eve.signIn("eve@elsewhere.example")
		sam.signIn("sam@help.example")
		// R7: the requester never sees the note; staff do.
		_, body, _ := ann.do("GET", "/t/1", nil)
		if !strings.Contains(body, "The printer is on fire.") || strings.Contains(body, "difficult") {
			t.Fatalf("R7: ann's page: %s", body)
		}
		if _, body, _ := sam.do("GET", "/t/1", nil); !strings.Contains(body, "difficult") {
			t.Fatalf("R1: staff do not see the note: %s", body)
		}
		// R5: a stranger and a member of an `own` organisation get the
		// same 404 as a ticket that does not exist.
		for name, br := range map[string]*browser{"eve": eve, "bob": bob} {
			_, missing, _ := br.do("GET", "/t/999999", nil)
			code, body, _ := br.do("GET", "/t/1", nil)
			if code != 404 || body != missing {
				t.Fatalf("R5: %s sees ticket 1 or learns it exists: %d", name, code)
			}
			if code, _, _ := br.do("POST", "/t/1/comment", url.Values{"body": {"hi"}}); code != 404 {
				t.Fatalf("R5: %s's comment on ticket 1: %d", name, code)
			}
		}
		// A1 view: bob now sees ann's ticket, but may not comment (R4, I5).
		w.must(w.adm.OrgSet(w.ctx, admin.Request{As: "owner@help.example"}, "acme", admin.OrgSettings{Access: model.OrgAccessView}))
		if code, body, _ := bob.do("GET", "/t/1", nil); code != 200 || strings.Contains(body, `name="body"`) {
			t.Fatalf("R4: bob with view: %d, comment form shown: %v", code, strings.Contains(body, `name="body"`))
		}
		if code, _, _ := bob.do("POST", "/t/1/comment", url.Values{"body": {"hi"}}); code != 403 {
			t.Fatalf("R4: bob's comment with view only: %d", code)
		}
		if _, body, _ := bob.do("GET", "/?q=printer", nil); !strings.Contains(body, "/t/1") {
			t.Fatalf("R4: bob's search for printer: %s", body)
		}
	})
}

func TestW4_N1_CommentFromTheWebIsAComment(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newPortal(t, b)
		ann := w.browser()
		ann.signIn("ann@acme.com")
		if code, _, h := ann.do("POST", "/t/1/comment", url.Values{"body": {"Still <i>broken</i>."}}); code != http.StatusSeeOther || h.Get("Location") != "/t/1?sent=1" {
			t.Fatalf("comment: %d %v", code, h)
		}
		cs, _ := w.st.Comments(w.ctx, 1)
		last := cs[len(cs)-1]
		if last.Body != "Still <i>broken</i>." || last.Visibility != model.VisibilityPublic {
			t.Fatalf("W4: comment stored as %+v", last)
		}
		rows, _ := w.st.ListOutbox(w.ctx, store.OutboxFilter{TicketID: 1})
		told := false
		for _, r := range rows {
			told = told || (r.To == "carl@cc.example" && r.Kind == model.KindComment && strings.Contains(r.TextBody, "Still <i>broken</i>."))
		}
		if !told {
			t.Fatal("N1: the CC was not told of the web comment")
		}
		es, _ := w.st.Events(w.ctx, 1)
		if e := es[len(es)-1]; e.Kind != model.EventWeb || !strings.Contains(e.Detail, "made on the web") {
			t.Fatalf("W4: not recorded as made on the web: %+v", e)
		}
		if _, body, _ := ann.do("GET", "/t/1", nil); !strings.Contains(body, "Still &lt;i&gt;broken&lt;/i&gt;.") {
			t.Fatal("the comment is not shown escaped")
		}
	})
}

func TestW6_CrossSiteAndRoleChangeAndHeaders(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newPortal(t, b)
		ann := w.browser()
		ann.signIn("ann@acme.com")
		// A forged cross-site POST is refused before it acts.
		code, _, _ := ann.do("POST", "/t/1/comment", url.Values{"body": {"forged"}}, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
		if code != http.StatusForbidden {
			t.Fatalf("W6: cross-site POST: %d", code)
		}
		if cs, _ := w.st.Comments(w.ctx, 1); strings.Contains(cs[len(cs)-1].Body, "forged") {
			t.Fatal("W6: the forged comment was added")
		}
		// Strict CSP: no scripts at all.
		_, _, h := ann.do("GET", "/", nil)
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
			t.Fatalf("CSP %q", csp)
		}
		// A staff role change ends the session (W6).
		w.must(w.adm.StaffSet(w.ctx, admin.Request{As: "owner@help.example"}, "ann@acme.com", model.RoleAgent, "staff.add"))
		if _, body, _ := ann.do("GET", "/", nil); !strings.Contains(body, `name="email"`) {
			t.Fatal("W6: the session survived a staff role change")
		}
		// Idle: a session unused for longer than its idle time ends.
		bob := w.browser()
		bob.signIn("bob@acme.com")
		w.now = w.now.Add(31 * 24 * time.Hour)
		if _, body, _ := bob.do("GET", "/", nil); !strings.Contains(body, `name="email"`) {
			t.Fatal("W6: an idle session lived on")
		}
	})
}

// postMultipart sends a multipart form with one file.
func (b *browser) postMultipart(path string, fields map[string]string, fileName, fileBody string) (int, http.Header) {
	b.w.t.Helper()
	var buf strings.Builder
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("files", fileName)
	io.WriteString(fw, fileBody)
	mw.Close()
	req, _ := http.NewRequest("POST", b.w.srv.URL+path, strings.NewReader(buf.String()))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := b.c.Do(req)
	if err != nil {
		b.w.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

// W3, W4: a ticket opened on the web goes through the pipeline as mail:
// organisation chosen among the person's (I3), CCs (C1, N3), a file; the
// file is served to who may see it only, as a download.
func TestW3_W4_I3_C1_OpenATicketOnTheWeb(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newPortal(t, b)
		w.must(w.adm.OrgAdd(w.ctx, admin.Request{As: "owner@help.example"}, "acme-eu", admin.OrgSettings{Name: "Acme EU"}, []string{"acme.com"}, false))
		w.must(w.adm.MemberSet(w.ctx, admin.Request{As: "owner@help.example"}, "ann@acme.com", "acme-eu", model.MemberAccessOwn, nil))
		ann, eve := w.browser(), w.browser()
		ann.signIn("ann@acme.com")
		eve.signIn("eve@elsewhere.example")
		if _, body, _ := ann.do("GET", "/new", nil); !strings.Contains(body, `value="acme-eu"`) {
			t.Fatalf("the form does not offer ann's second organisation: %s", body)
		}
		code, h := ann.postMultipart("/new", map[string]string{"subject": "Scanner <jammed>", "body": "It beeps.", "org": "acme-eu", "cc": "dana@partner.example"},
			"report <1>.txt", "the scanner's log")
		if code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/t/") {
			t.Fatalf("open: %d %v", code, h)
		}
		id, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(h.Get("Location"), "/t/"), "?opened=1"), 10, 64)
		v, err := w.adm.TicketShow(w.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if v.Organisation == nil || *v.Organisation != "acme-eu" || v.Requester != "ann@acme.com" || len(v.Participants) != 1 || v.Participants[0].Email != "dana@partner.example" {
			t.Fatalf("I3, C1: %+v", v)
		}
		if len(v.Comments) != 1 || len(v.Comments[0].Attachments) != 1 || v.Comments[0].Attachments[0].Filename != "report _1_.txt" {
			t.Fatalf("the file: %+v", v.Comments)
		}
		path := fmt.Sprintf("/t/%d/files/0/0", id)
		code, body, hd := ann.do("GET", path, nil)
		if code != 200 || body != "the scanner's log" || !strings.HasPrefix(hd.Get("Content-Disposition"), "attachment") || hd.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("download: %d %q %v", code, body, hd)
		}
		if code, _, _ := eve.do("GET", path, nil); code != 404 {
			t.Fatalf("R5: a stranger downloaded the file: %d", code)
		}
		if _, page, _ := ann.do("GET", fmt.Sprintf("/t/%d", id), nil); !strings.Contains(page, "Scanner &lt;jammed&gt;") || !strings.Contains(page, "report _1_.txt") {
			t.Fatalf("not escaped: %s", page)
		}
	})
}

// W3, N5, C2: follow and unfollow a ticket one may see; the requester adds
// a CC (told, N3); another CC may not when the organisation says
// requester (C2); a stranger gets 404 for every act.
func TestW3_N5_C2_FollowAndCCsOnTheWeb(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newPortal(t, b)
		ann, carl, eve := w.browser(), w.browser(), w.browser()
		ann.signIn("ann@acme.com")
		carl.signIn("carl@cc.example")
		eve.signIn("eve@elsewhere.example")
		if code, _, _ := carl.do("POST", "/t/1/follow", url.Values{}); code != http.StatusSeeOther {
			t.Fatalf("N5: follow: %d", code)
		}
		v, _ := w.adm.TicketShow(w.ctx, 1)
		if !hasParticipant(v, "carl@cc.example", "follower") {
			t.Fatalf("N5: carl does not follow: %+v", v.Participants)
		}
		carl.do("POST", "/t/1/unfollow", url.Values{})
		if v, _ = w.adm.TicketShow(w.ctx, 1); hasParticipant(v, "carl@cc.example", "follower") {
			t.Fatal("N5: carl still follows")
		}
		if code, _, _ := ann.do("POST", "/t/1/cc", url.Values{"cc": {"dana@partner.example, noreply@vendor.example"}}); code != http.StatusSeeOther {
			t.Fatalf("C2: the requester adding a CC: %d", code)
		}
		if v, _ = w.adm.TicketShow(w.ctx, 1); !hasParticipant(v, "dana@partner.example", "cc") || hasParticipant(v, "noreply@vendor.example", "cc") {
			t.Fatalf("C2, C3: %+v", v.Participants)
		}
		rows, _ := w.st.ListOutbox(w.ctx, store.OutboxFilter{TicketID: 1})
		told := false
		for _, r := range rows {
			told = told || (r.To == "dana@partner.example" && r.Kind == model.KindCCAdded)
		}
		if !told {
			t.Fatal("N3: the new CC was not told")
		}
		if code, _, _ := carl.do("POST", "/t/1/cc", url.Values{"cc": {"x@cc.example"}}); code != http.StatusForbidden {
			t.Fatalf("C2: a CC adding CCs under cc_adders=requester: %d", code)
		}
		for _, path := range []string{"/t/1/follow", "/t/1/unfollow", "/t/1/cc"} {
			if code, _, _ := eve.do("POST", path, url.Values{"cc": {"x@evil.example"}}); code != 404 {
				t.Fatalf("R5: a stranger's %s: %d", path, code)
			}
		}
	})
}

func hasParticipant(v admin.TicketView, email, role string) bool {
	for _, p := range v.Participants {
		if p.Email == email && p.Role == role {
			return true
		}
	}
	return false
}

// W5: the console is for staff only; a staff member sees the queue, the
// ticket with its internal note and who can see it and why, answers and
// changes it through the same acts as the command line (audited, N1), and
// works the quarantine with a preview.
func TestW5_R1_ConsoleForStaff(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newPortal(t, b)
		ann, sam := w.browser(), w.browser()
		ann.signIn("ann@acme.com")
		sam.signIn("sam@help.example")
		_, missing, _ := ann.do("GET", "/nothing-here", nil)
		for _, path := range []string{"/console", "/console/t/1", "/console/quarantine"} {
			if code, body, _ := ann.do("GET", path, nil); code != 404 || body != missing {
				t.Fatalf("W5: an end-user reached %s: %d", path, code)
			}
		}
		if code, _, _ := ann.do("POST", "/console/t/1/reply", url.Values{"body": {"x"}}); code != 404 {
			t.Fatalf("W5: an end-user answered from the console: %d", code)
		}
		if _, body, _ := sam.do("GET", "/console?view=all", nil); !strings.Contains(body, "/console/t/1") {
			t.Fatalf("W5: the queue: %s", body)
		}
		_, body, _ := sam.do("GET", "/console/t/1", nil)
		for _, want := range []string{"The customer is difficult.", "Internal note", "carl@cc.example: view and comment (R3 cc"} {
			if !strings.Contains(body, want) {
				t.Fatalf("W5: the console's ticket lacks %q:\n%s", want, body)
			}
		}
		code, _, h := sam.do("POST", "/console/t/1/reply", url.Values{"body": {"A technician comes at 3."}})
		if code != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "ann%40acme.com") {
			t.Fatalf("W5, N1: the answer: %d %v", code, h)
		}
		sam.do("POST", "/console/t/1/set", url.Values{"status": {"pending"}, "assign": {"me"}})
		v, _ := w.adm.TicketShow(w.ctx, 1)
		if v.Status != "pending" || v.Assignee == nil || *v.Assignee != "sam@help.example" || v.Comments[len(v.Comments)-1].Body != "A technician comes at 3." {
			t.Fatalf("W5: after the console's acts: %+v", v)
		}
		audit, _ := w.adm.Audit(w.ctx)
		if last := audit[len(audit)-1]; last.Action != "ticket.set" || last.Actor != "sam@help.example" {
			t.Fatalf("S3: %+v", last)
		}
		// Unproven staff mail is held; the console previews and releases it.
		w.mail("sam@help.example", "support@help.example", "", "Re: [#1] Printer", "Forged or not?")
		_, body, _ = sam.do("GET", "/console/quarantine", nil)
		if !strings.Contains(body, "unproven staff sender") || !strings.Contains(body, "Forged or not?") {
			t.Fatalf("I9: the quarantine page: %s", body)
		}
		code, _, h = sam.do("POST", "/console/quarantine/1/release", url.Values{"dry_run": {"1"}})
		if code != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "would+be+released") {
			t.Fatalf("W5: preview: %d %v", code, h)
		}
		if v, _ := w.adm.TicketShow(w.ctx, 1); strings.Contains(v.Comments[len(v.Comments)-1].Body, "Forged") {
			t.Fatal("W5: the preview released the message")
		}
	})
}

// Review fixes: a staff member's #note typed in the portal never goes out
// (R7, I8); the sign-in link's next cannot leave the portal; a display
// name cannot add an address to a ticket opened on the web; a web ticket
// never lands on another ticket (I1).
func TestR7_I8_I1_PortalHardening(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newPortal(t, b)
		sam, ann := w.browser(), w.browser()
		sam.signIn("sam@help.example")
		ann.signIn("ann@acme.com")
		before, _ := w.st.ListOutbox(w.ctx, store.OutboxFilter{})
		if code, _, _ := sam.do("POST", "/t/1/comment", url.Values{"body": {"#note\nThe customer is an idiot.\n#status solved"}}); code != http.StatusUnprocessableEntity {
			t.Fatalf("R7: a staff #note in the portal: %d", code)
		}
		after, _ := w.st.ListOutbox(w.ctx, store.OutboxFilter{})
		if len(after) != len(before) {
			t.Fatal("R7: the portal queued mail for a staff #note")
		}
		// next: tabs, backslashes and schemes stay home.
		for _, next := range []string{"/\t/evil.example/x", "/\\evil.example", "//evil.example", "https://evil.example", "/\u2028/evil.example"} {
			w.now = w.now.Add(time.Second)
			w.browser().do("POST", "/signin", url.Values{"email": {"bob@acme.com"}, "next": {next}})
			link := w.lastLink("bob@acme.com")
			rows, _ := w.st.ListOutbox(w.ctx, store.OutboxFilter{})
			for _, r := range rows {
				if r.To == "bob@acme.com" && strings.Contains(r.TextBody, link) && strings.Contains(r.TextBody, "next=") {
					t.Fatalf("next %q kept in the link: %s", next, r.TextBody)
				}
			}
		}
		// A display name that reads like an address adds nothing.
		w.mail(`"bob@acme.com," <mallory@evil.example>`, "support@help.example", "", "hello", "hi")
		mallory := w.browser()
		mallory.signIn("mallory@evil.example")
		code, h := mallory.postMultipart("/new", map[string]string{"subject": "Spoof", "body": "x"}, "", "")
		if code != http.StatusSeeOther {
			t.Fatalf("mallory's ticket: %d", code)
		}
		id, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(h.Get("Location"), "/t/"), "?opened=1"), 10, 64)
		if v, err := w.adm.TicketShow(w.ctx, id); err != nil || v.Requester != "mallory@evil.example" {
			t.Fatalf("the display name took over the sender: %+v %v", v, err)
		}
		// A subject naming ticket 1 still opens a new ticket.
		n1, _ := w.st.Comments(w.ctx, 1)
		code, h = ann.postMultipart("/new", map[string]string{"subject": "[#1] another thing", "body": "New problem."}, "", "")
		if code != http.StatusSeeOther || strings.HasPrefix(h.Get("Location"), "/t/1?") {
			t.Fatalf("I1: a web ticket threaded onto ticket 1: %d %v", code, h)
		}
		if n2, _ := w.st.Comments(w.ctx, 1); len(n2) != len(n1) {
			t.Fatal("I1: the web ticket became a comment on ticket 1")
		}
	})
}

// W5, A1, A5, S3: an admin changes an organisation's access from the
// console: first the preview (nothing changes), then the change on
// confirmation, audited with the admin as actor; an agent is refused (S1).
func TestW5_A1_A5_OrgAccessWithPreview(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newPortal(t, b)
		owner, sam := w.browser(), w.browser()
		owner.signIn("owner@help.example")
		sam.signIn("sam@help.example")
		if code, _, _ := sam.do("POST", "/console/orgs/acme/access", url.Values{"access": {"view"}}); code != http.StatusUnprocessableEntity {
			t.Fatalf("S1: an agent changed access: %d", code)
		}
		code, body, _ := owner.do("POST", "/console/orgs/acme/access", url.Values{"access": {"view"}})
		if code != 200 || !strings.Contains(body, "Preview, nothing changed") || !strings.Contains(body, "bob@acme.com gains view on ticket #1") {
			t.Fatalf("W5: the preview: %d %s", code, body)
		}
		orgs, _ := w.adm.OrgList(w.ctx)
		if orgs[0].Access != model.OrgAccessOwn {
			t.Fatal("W5: the preview changed the organisation")
		}
		code, body, _ = owner.do("POST", "/console/orgs/acme/access", url.Values{"access": {"view"}, "confirm": {"1"}})
		if code != 200 || !strings.Contains(body, "Done") {
			t.Fatalf("W5: the change: %d %s", code, body)
		}
		if orgs, _ = w.adm.OrgList(w.ctx); orgs[0].Access != model.OrgAccessView {
			t.Fatal("W5: the confirmed change did not happen")
		}
		audit, _ := w.adm.Audit(w.ctx)
		if last := audit[len(audit)-1]; last.Action != "org.set" || last.Actor != "owner@help.example" {
			t.Fatalf("S3: %+v", last)
		}
	})
}

// W3 ("times in the viewer's time zone"): the viewer chooses a zone; the
// list and the ticket show times in it.
func TestW3_TimesInTheViewersZone(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newPortal(t, b)
		ann := w.browser()
		ann.signIn("ann@acme.com")
		if _, body, _ := ann.do("GET", "/t/1", nil); !strings.Contains(body, "2026-12-06 10:01 UTC") {
			t.Fatalf("UTC by default: %s", body)
		}
		if code, _, _ := ann.do("POST", "/zone", url.Values{"tz": {"Nowhere/Atlantis"}}); code != 400 {
			t.Fatalf("an unknown zone: %d", code)
		}
		ann.do("POST", "/zone", url.Values{"tz": {"Europe/Oslo"}})
		if _, body, _ := ann.do("GET", "/t/1", nil); !strings.Contains(body, "2026-12-06 11:01 CET") {
			t.Fatalf("in Europe/Oslo: %s", body)
		}
	})
}

// W5, B3: the console's outbox shows a failed notification with the
// relay's answer and sends it again; bouncing addresses are listed and the
// mark cleared; both audited.
func TestW5_B3_OutboxAndBouncing(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newPortal(t, b)
		rows, _ := w.st.ListOutbox(w.ctx, store.OutboxFilter{})
		var carl int64
		for _, r := range rows {
			if r.To == "carl@cc.example" {
				carl = r.ID
			}
		}
		if err := w.st.MarkFailed(w.ctx, carl, "RCPT TO: 550 5.1.1 No such user"); err != nil {
			t.Fatal(err)
		}
		if err := w.st.SetBouncing(w.ctx, "carl@cc.example", true); err != nil {
			t.Fatal(err)
		}
		sam := w.browser()
		sam.signIn("sam@help.example")
		_, body, _ := sam.do("GET", "/console/outbox", nil)
		if !strings.Contains(body, "550 5.1.1 No such user") || !strings.Contains(body, `value="carl@cc.example"`) {
			t.Fatalf("the outbox page: %s", body)
		}
		if code, _, _ := sam.do("POST", fmt.Sprintf("/console/outbox/%d/retry", carl), url.Values{}); code != http.StatusSeeOther {
			t.Fatalf("retry: %d", code)
		}
		if row, _ := w.st.OutboxByID(w.ctx, carl); row.Status != model.OutboxQueued {
			t.Fatalf("retry left the row %s", row.Status)
		}
		if code, _, _ := sam.do("POST", "/console/bouncing", url.Values{"email": {"carl@cc.example"}}); code != http.StatusSeeOther {
			t.Fatalf("clear bouncing: %d", code)
		}
		if u, _ := w.st.UserByEmail(w.ctx, "carl@cc.example"); u.Bouncing {
			t.Fatal("B3: the mark was not cleared")
		}
		audit, _ := w.adm.Audit(w.ctx)
		if n := len(audit); n < 2 || audit[n-2].Action != "outbox.retry" || audit[n-1].Action != "user.bouncing.clear" {
			t.Fatalf("S3: %+v", audit[len(audit)-2:])
		}
	})
}

// W5: bulk status and assignment from the queue, each ticket's change
// checked and audited as one ticket set.
func TestW5_BulkAssignAndStatus(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newPortal(t, b)
		sam := w.browser()
		sam.signIn("sam@help.example")
		if code, _, _ := sam.do("POST", "/console/bulk", url.Values{"id": {"1", "2"}, "status": {"pending"}, "assign": {"me"}}); code != http.StatusSeeOther {
			t.Fatalf("bulk: %d", code)
		}
		for _, id := range []int64{1, 2} {
			v, _ := w.adm.TicketShow(w.ctx, id)
			if v.Status != "pending" || v.Assignee == nil || *v.Assignee != "sam@help.example" {
				t.Fatalf("ticket %d after bulk: %+v", id, v)
			}
		}
		audit, _ := w.adm.Audit(w.ctx)
		if n := len(audit); audit[n-1].Action != "ticket.set" || audit[n-2].Action != "ticket.set" {
			t.Fatal("S3: each bulk change is not audited")
		}
	})
}

// W3, W5, R5: every URL of the portal that names a ticket, a file or a
// held message, and every console URL, tried by a person who may not see
// it, answers exactly as a page that does not exist.
func TestR5_W5_EveryURLRefusedAlike(t *testing.T) {
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		w := newPortal(t, b)
		eve, ann := w.browser(), w.browser()
		eve.signIn("eve@elsewhere.example")
		ann.signIn("ann@acme.com")
		for name, br := range map[string]*browser{"stranger": eve, "end-user": ann} {
			_, missing, _ := br.do("GET", "/no/such/page", nil)
			urls := []struct{ method, path string }{
				{"GET", "/console"}, {"GET", "/console/t/1"}, {"GET", "/console/quarantine"}, {"GET", "/console/orgs"},
				{"GET", "/console/outbox"}, {"POST", "/console/t/1/reply"}, {"POST", "/console/t/1/set"},
				{"POST", "/console/quarantine/1/release"}, {"POST", "/console/quarantine/1/discard"},
				{"POST", "/console/orgs/acme/access"}, {"POST", "/console/outbox/1/retry"}, {"POST", "/console/bouncing"},
				{"POST", "/console/bulk"}, {"POST", "/console/orgs"}, {"GET", "/console/orgs/acme"}, {"POST", "/console/orgs/acme"},
				{"POST", "/console/orgs/acme/domains"}, {"GET", "/console/people"}, {"POST", "/console/people"},
				{"GET", "/console/people/ann@acme.com"}, {"POST", "/console/people/ann@acme.com"},
				{"POST", "/console/people/ann@acme.com/membership"}, {"GET", "/console/staff"}, {"POST", "/console/staff"},
				{"GET", "/console/teams"}, {"POST", "/console/teams"}, {"POST", "/console/teams/billing"}, {"GET", "/console/audit"},
				{"GET", "/console/quarantine/1"}, {"GET", "/console/t/1/raw/1"}, {"POST", "/console/t/1/cc"},
			}
			if name == "stranger" {
				urls = append(urls, []struct{ method, path string }{
					{"GET", "/t/1"}, {"GET", "/t/1/files/0/0"}, {"POST", "/t/1/comment"}, {"POST", "/t/1/follow"},
					{"POST", "/t/1/unfollow"}, {"POST", "/t/1/cc"},
				}...)
			}
			for _, u := range urls {
				code, body, _ := br.do(u.method, u.path, url.Values{"body": {"x"}, "cc": {"x@evil.example"}, "id": {"1"}, "status": {"open"}})
				if code != 404 || body != missing {
					t.Errorf("%s: %s %s answered %d, not the 404 of a missing page", name, u.method, u.path, code)
				}
			}
		}
	})
}
