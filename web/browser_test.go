package web_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
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

// chromium finds Debian's Chromium (installed by .ci/run); without it the
// browser test skips, or fails under HELPDESK_TEST_STRICT=1.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("HELPDESK_TEST_STRICT") == "1" {
		t.Fatal("HELPDESK_TEST_STRICT=1 and no chromium on PATH: install Debian's chromium (.ci/run does)")
	}
	t.Skip("no chromium on PATH: the browser test needs Debian's chromium (apt-get install chromium)")
	return ""
}

// TestBrowserStory drives the portal in headless Chromium as a customer
// would: the sign-in link from the mail, the list, the ticket, a comment,
// sign-out (W1, W3, W4, W6). With HELPDESK_SCREENSHOTS=DIR it saves a
// screenshot of each page there.
func TestBrowserStory(t *testing.T) {
	bin := chromium(t)
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

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.Flag("headless", "new"), chromedp.WindowSize(420, 860)) // a phone's width
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 2*time.Minute) // a guard against a hang, not a measure
	defer cancel()

	shots := os.Getenv("HELPDESK_SCREENSHOTS")
	shot := func(name string) {
		t.Helper()
		if shots == "" {
			return
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	// Ask for a link.
	do("the sign-in page", chromedp.Navigate(base+"/"), chromedp.WaitVisible("#email"))
	shot("1-sign-in")
	do("asking for a link", chromedp.SendKeys("#email", "ann@acme.com"), chromedp.Submit("#email"), chromedp.WaitVisible("p.notice"))
	if got := text("main"); !strings.Contains(got, "on its way") {
		t.Fatalf("after asking: %q", got)
	}
	link := ""
	rows, _ := w.st.ListOutbox(w.ctx, store.OutboxFilter{})
	for _, r := range rows {
		if r.To == "ann@acme.com" && strings.Contains(r.TextBody, base+"/signin/") {
			i := strings.Index(r.TextBody, base+"/signin/")
			link = strings.Fields(r.TextBody[i:])[0]
		}
	}
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
	do("staff asks for a link", chromedp.Navigate(base+"/signin"), chromedp.WaitVisible("#email"),
		chromedp.SendKeys("#email", "sam@help.example"), chromedp.Submit("#email"), chromedp.WaitVisible("p.notice"))
	link = ""
	rows, _ = w.st.ListOutbox(w.ctx, store.OutboxFilter{})
	for _, r := range rows {
		if r.To == "sam@help.example" && strings.Contains(r.TextBody, base+"/signin/") {
			i := strings.Index(r.TextBody, base+"/signin/")
			link = strings.Fields(r.TextBody[i:])[0]
		}
	}
	if link == "" {
		t.Fatal("W1: no sign-in link in Sam's mail")
	}
	do("sam signs in", chromedp.Navigate(link), chromedp.WaitVisible("#signin"), chromedp.Click("#signin"), chromedp.WaitNotPresent("#signin"))
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
