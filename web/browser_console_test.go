package web_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/web"
)

// TestBrowserConsoleDay drives the console in headless Chromium through a
// day's work (issue 18, W5): an agent takes an unassigned ticket, adds an
// internal note, answers and sets it pending; an admin previews and
// applies an organisation's change to view (A1, A5); a partner's reply,
// which may view but not comment, is held (I5) and the owner releases it
// after its preview; the owner makes the agent an admin (S1). Each step
// is checked in the store, not only on the page. With
// HELPDESK_SCREENSHOTS=DIR it saves a screenshot of each page there.
func TestBrowserConsoleDay(t *testing.T) {
	w := newPortal(t, store.SQLite)
	owner := admin.Request{As: "owner@help.example"}
	w.must(w.adm.StaffSet(w.ctx, owner, "ada@help.example", model.RoleAdmin, "staff.add"))
	w.must(w.adm.UserAdd(w.ctx, owner, "dana@printfix.example", "Dana", []string{"acme"}))
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

	c := newChrome(t, 1200, 900)
	do, text, shot := c.do, c.text, c.shot
	signIn := func(email string) { t.Helper(); c.signIn(w, base, email) }
	signOut := func() {
		t.Helper()
		do("signing out", chromedp.Click("header button"), chromedp.WaitVisible("#email"))
	}

	// The agent takes Bob's unassigned ticket, notes, answers, sets pending.
	signIn("sam@help.example")
	do("the unassigned queue", chromedp.Navigate(base+"/console"), chromedp.WaitVisible("nav.tabs"))
	shot("8-console-unassigned")
	if got := text("ul.tickets"); !strings.Contains(got, "Bob's own") {
		t.Fatalf("W5: the unassigned queue: %q", got)
	}
	do("filtering by requester", chromedp.SendKeys("#requester", "bob@acme.com"), chromedp.Submit("#requester"), chromedp.WaitVisible("ul.tickets"))
	if got := text("ul.tickets"); !strings.Contains(got, "Bob's own") || strings.Contains(got, "Printer") {
		t.Fatalf("W5: filtered by requester: %q", got)
	}
	do("taking it", chromedp.Click("#pick-2"), chromedp.SetValue("#bulk-assign", "me"), chromedp.Submit("#bulk-assign"),
		chromedp.WaitVisible("#done"))
	if v, _ := w.adm.TicketShow(w.ctx, 2); v.Assignee == nil || *v.Assignee != "sam@help.example" {
		t.Fatalf("W5: the ticket was not taken: %+v", v)
	}
	do("the ticket", chromedp.Navigate(base+"/console/t/2"), chromedp.WaitVisible("#body"))
	do("an internal note", chromedp.SendKeys("#body", "Bob called, he is in a hurry."), chromedp.Click(`input[name="internal"]`),
		chromedp.Submit("#body"), chromedp.WaitVisible("p.notice"))
	do("an answer", chromedp.Navigate(base+"/console/t/2"), chromedp.WaitVisible("#body"),
		chromedp.SendKeys("#body", "We are on it, Bob."), chromedp.Submit("#body"), chromedp.WaitVisible("p.notice"))
	do("pending", chromedp.Navigate(base+"/console/t/2"), chromedp.WaitVisible("#st"),
		chromedp.SetValue("#st", "pending"), chromedp.Submit("#st"), chromedp.WaitVisible("p.notice"))
	shot("9-console-ticket-worked")
	v, _ := w.adm.TicketShow(w.ctx, 2)
	if n := len(v.Comments); v.Status != "pending" || n < 3 || v.Comments[n-2].Visibility != "internal" || v.Comments[n-1].Body != "We are on it, Bob." {
		t.Fatalf("W5: after the agent's work: %+v", v)
	}
	signOut()

	// The admin previews and applies acme's change to view.
	signIn("ada@help.example")
	do("acme's page", chromedp.Navigate(base+"/console/orgs/acme"), chromedp.WaitVisible("#access"))
	do("previewing view", chromedp.SetValue("#access", "view"), chromedp.Submit("#access"), chromedp.WaitVisible("#preview"))
	shot("10-console-preview")
	if got := text("main"); !strings.Contains(got, "Preview, nothing changed") || !strings.Contains(got, "bob@acme.com gains view on ticket #1") {
		t.Fatalf("A5: the preview: %q", got)
	}
	if orgs, _ := w.adm.OrgList(w.ctx); orgs[0].Access != model.OrgAccessOwn {
		t.Fatal("A5: the preview changed acme")
	}
	do("confirming", chromedp.SendKeys("#reason", "asked by Acme's IT lead"), chromedp.Submit("#reason"), chromedp.WaitVisible("#done"))
	if got := text("#done"); !strings.Contains(got, "Done") {
		t.Fatalf("A5: after confirming: %q", got)
	}
	if orgs, _ := w.adm.OrgList(w.ctx); orgs[0].Access != model.OrgAccessView {
		t.Fatal("A1: acme is not view after the confirmed change")
	}
	signOut()

	// Dana, a partner who may now view acme's tickets but not comment,
	// replies: held (I5). The owner previews the release and releases it.
	annsMail := fmt.Sprintf("In-Reply-To: <%d@test>\r\n", time.Date(2026, 12, 6, 10, 1, 0, 0, time.UTC).UnixNano()) // newPortal's first
	w.mail("Dana <dana@printfix.example>", "support@help.example", annsMail, "Re: [#1] Printer", "We can send a technician tomorrow.")
	signIn("owner@help.example")
	do("the quarantine", chromedp.Navigate(base+"/console/quarantine"), chromedp.WaitVisible("h1"))
	if got := text("main"); !strings.Contains(got, "dana@printfix.example") {
		t.Fatalf("I5: the quarantine: %q", got)
	}
	held, _ := w.adm.QuarantineList(w.ctx)
	if len(held) != 1 {
		t.Fatalf("I5: held: %+v", held)
	}
	do("the held message", chromedp.Navigate(fmt.Sprintf("%s/console/quarantine/%d", base, held[0].ID)), chromedp.WaitVisible("main > pre"))
	shot("11-console-held")
	do("previewing the release", chromedp.Click(`input[name="dry_run"] + button`), chromedp.WaitVisible("#done"))
	if got := text("#done"); !strings.Contains(got, "would be released") {
		t.Fatalf("I5: the release preview: %q", got)
	}
	do("releasing", chromedp.Navigate(base+"/console/quarantine"), chromedp.WaitVisible("h1"),
		chromedp.Click(`form[action$="/release"]:not(:has(input)) button`), chromedp.WaitVisible("#done"))
	if v, _ := w.adm.TicketShow(w.ctx, 1); !strings.Contains(v.Comments[len(v.Comments)-1].Body, "technician tomorrow") {
		t.Fatalf("I5: the released message is not on the ticket: %+v", v.Comments[len(v.Comments)-1])
	}

	// The owner makes the agent an admin (S1), after its preview.
	do("the staff page", chromedp.Navigate(base+"/console/staff"), chromedp.WaitVisible("table"))
	do("sam's new role", chromedp.SetValue(`select[aria-label="role of sam@help.example"]`, "admin"),
		chromedp.Submit(`select[aria-label="role of sam@help.example"]`), chromedp.WaitVisible("#preview"))
	do("confirming", chromedp.Submit("#reason"), chromedp.WaitVisible("#done"))
	do("the staff page again", chromedp.Navigate(base+"/console/staff"), chromedp.WaitVisible("table"))
	shot("12-console-staff")
	if u, _ := w.adm.UserShow(w.ctx, "sam@help.example"); u.StaffRole == nil || *u.StaffRole != "admin" {
		t.Fatalf("S1: sam is not admin: %+v", u)
	}
	// The other administration pages, as the owner finds them.
	do("people", chromedp.Navigate(base+"/console/people"), chromedp.WaitVisible("#email"),
		chromedp.SendKeys("#email", "bob@acme.com"), chromedp.Submit("#email"), chromedp.WaitVisible("#m-org"))
	if got := text("main"); !strings.Contains(got, "bob@acme.com") || !strings.Contains(got, "acme") {
		t.Fatalf("W5: bob's page: %q", got)
	}
	do("teams", chromedp.Navigate(base+"/console/teams"), chromedp.WaitVisible("#t-slug"),
		chromedp.SendKeys("#t-slug", "billing"), chromedp.SendKeys("#t-name", "Billing"), chromedp.Submit("#t-slug"), chromedp.WaitVisible("#done"))
	if got := text("main"); !strings.Contains(got, "Billing") {
		t.Fatalf("S4: the teams page after adding one: %q", got)
	}
	msgs, _ := w.adm.TicketMessages(w.ctx, 1)
	do("a raw message", chromedp.Navigate(fmt.Sprintf("%s/console/t/1/raw/%d", base, msgs[0].ID)), chromedp.WaitVisible("pre.raw"))
	if got := text("pre.raw"); !strings.Contains(got, "Subject: Printer <b>broken</b>") {
		t.Fatalf("the raw message as text: %q", got)
	}
	do("the audit log", chromedp.Navigate(base+"/console/audit"), chromedp.WaitVisible("table"))
	shot("13-console-audit")
	if got := text("table"); !strings.Contains(got, "staff.set") || !strings.Contains(got, "asked by Acme's IT lead") {
		t.Fatalf("S3: the audit log: %q", got)
	}
}
