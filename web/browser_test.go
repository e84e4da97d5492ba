package web_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"io"
	"log/slog"

	"github.com/chromedp/chromedp"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/web"
)

// TestBrowserStory drives the portal in headless Chromium as a customer
// would: the sign-in link from the mail, the list, the ticket, a comment,
// sign-out (W1, W3, W4, W6). With HELPDESK_SCREENSHOTS=DIR it saves a
// screenshot of each page there.
func TestBrowserStory(t *testing.T) {
	w := newPortal(t, store.SQLite)
	w.must(w.adm.OrgAdd(w.ctx, admin.Request{As: "owner@help.example"}, "acme-eu", admin.OrgSettings{Name: "Acme EU"}, []string{"acme.com"}, false))
	w.must(w.adm.MemberSet(w.ctx, admin.Request{As: "owner@help.example"}, "ann@acme.com", "acme-eu", model.MemberAccessOwn, nil))
	file := filepath.Join(t.TempDir(), "scanner-log.txt")
	if err := os.WriteFile(file, []byte("E42 paper jam"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	ws, err := web.New(web.Options{Store: w.st, Acts: w.p.Acts(), Pipeline: w.p, Admin: w.adm, BaseURL: base, Clock: func() time.Time { return w.now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = ws.Handler()
	srv.Start()
	t.Cleanup(srv.Close)

	c := newChrome(t, 420, 860) // a phone's width
	do, text, shot := c.do, c.text, c.shot
	// Ask for a link.
	do("the sign-in page", chromedp.Navigate(base+"/"), chromedp.WaitVisible("#email"))
	shot("1-sign-in")
	do("asking for a link", chromedp.SendKeys("#email", "ann@acme.com"), chromedp.Submit("#email"), chromedp.WaitVisible("p.notice"))
	if got := text("main"); !strings.Contains(got, "on its way") {
		t.Fatalf("after asking: %q", got)
	}
	link := w.mailedLink(base, "ann@acme.com")
	if link == "" {
		t.Fatal("W1: no sign-in link in Ann's mail")
	}
	// Open the mailed link, click, see the list, open the ticket, comment.
	do("opening the link", chromedp.Navigate(link), chromedp.WaitVisible("#signin"), chromedp.Click("#signin"), chromedp.WaitVisible("ul.tickets"))
	shot("2-tickets")
	if got := text("ul.tickets"); !strings.Contains(got, "Printer <b>broken</b>") || strings.Contains(got, "Bob's own") {
		t.Fatalf("W3: Ann's list: %q", got)
	}
	do("commenting", chromedp.Click("ul.tickets a"), chromedp.WaitVisible("#body"),
		chromedp.SendKeys("#body", "Thanks, it smokes less now."), chromedp.Submit("#body"), chromedp.WaitVisible("p.notice"))
	shot("3-ticket")
	if got := text("main"); !strings.Contains(got, "Thanks, it smokes less now.") || strings.Contains(got, "difficult") {
		t.Fatalf("W4, R7: the ticket page after commenting: %q", got)
	}
	// Open a ticket for the second organisation, with a CC and a file.
	do("opening a ticket", chromedp.Navigate(base+"/new"), chromedp.WaitVisible("#subject"),
		chromedp.SendKeys("#subject", "Scanner jammed"), chromedp.SendKeys("#body", "It beeps twice."),
		chromedp.SetValue("#org", "acme-eu"), chromedp.SendKeys("#cc", "dana@partner.example"),
		chromedp.SetUploadFiles("#files", []string{file}))
	shot("4-new-ticket")
	do("sending it", chromedp.Submit("#subject"), chromedp.WaitVisible("p.notice"))
	shot("5-opened")
	if got := text("main"); !strings.Contains(got, "Scanner jammed") || !strings.Contains(got, "scanner-log.txt") || !strings.Contains(got, "Acme EU") {
		t.Fatalf("W3: the new ticket's page: %q", got)
	}
	// Sign out: the ticket's page asks for an address again.
	do("signing out", chromedp.Click("header button"), chromedp.WaitVisible("#email"),
		chromedp.Navigate(base+"/t/1"), chromedp.WaitVisible("#email"))
	// Staff: Sam signs in from his own mailed link and works the console.
	c.signIn(w, base, "sam@help.example")
	do("the console", chromedp.Navigate(base+"/console?view=all"), chromedp.WaitVisible("nav.tabs"))
	shot("6-console-queue")
	do("a ticket in the console", chromedp.Navigate(base+"/console/t/1"), chromedp.WaitVisible("#body"))
	if got := text("main"); !strings.Contains(got, "The customer is difficult.") || !strings.Contains(got, "Who can see it") {
		t.Fatalf("W5, R1: the console's ticket: %q", got)
	}
	do("answering from the console", chromedp.SendKeys("#body", "A technician comes at 3."), chromedp.Submit("#body"),
		chromedp.WaitVisible("p.notice"))
	shot("7-console-ticket")
	if got := text("p.notice"); !strings.Contains(got, "ann@acme.com") {
		t.Fatalf("W5, N1: after answering: %q", got)
	}
	do("the console's outbox", chromedp.Navigate(base+"/console/outbox"), chromedp.WaitVisible("h1"))
	do("the console's quarantine", chromedp.Navigate(base+"/console/quarantine"), chromedp.WaitVisible("h1"))
	do("the console's organisations", chromedp.Navigate(base+"/console/orgs"), chromedp.WaitVisible("h1"))
}
