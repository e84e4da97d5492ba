package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/helpdesk-gw/helpdesk/store"
)

// chromium finds Debian's Chromium (installed by .ci/run); without it the
// browser tests skip, or fail under HELPDESK_TEST_STRICT=1.
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

// chrome is one headless Chromium window driven by a browser test: each
// step that fails ends the test naming what it was doing.
type chrome struct {
	t   *testing.T
	ctx context.Context
}

// newChrome starts headless Chromium with a window of width × height
// (a phone's 420 × 860, or a desktop's), closed when the test ends.
func newChrome(t *testing.T, width, height int) *chrome {
	t.Helper()
	bin := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox,
		chromedp.Flag("headless", "new"), chromedp.WindowSize(width, height))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute) // a guard against a hang, not a measure
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return &chrome{t: t, ctx: ctx}
}

// do runs steps, failing the test with what they were for.
func (c *chrome) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	if err := chromedp.Do(c.ctx, steps...); err != nil {
		c.t.Fatalf("%s: %v", what, err)
	}
}

// text is the visible text of the first element sel selects.
func (c *chrome) text(sel string) string {
	c.t.Helper()
	s, err := chromedp.Run(c.ctx, chromedp.Text(sel))
	if err != nil {
		c.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// shot saves a screenshot of the page as name.png in the folder
// HELPDESK_SCREENSHOTS names; without it, nothing.
func (c *chrome) shot(name string) {
	c.t.Helper()
	dir := os.Getenv("HELPDESK_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(c.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// mailedLink is the last sign-in link at base mailed to email ("" if none).
func (w *portal) mailedLink(base, email string) string {
	link := ""
	rows, _ := w.st.ListOutbox(w.ctx, store.OutboxFilter{})
	for _, r := range rows {
		if r.To == email && strings.Contains(r.TextBody, base+"/signin/") {
			i := strings.Index(r.TextBody, base+"/signin/")
			link = strings.Fields(r.TextBody[i:])[0]
		}
	}
	return link
}

// signIn asks for a link for email on the sign-in page, opens the mailed
// link and signs in (W1).
func (c *chrome) signIn(w *portal, base, email string) {
	c.t.Helper()
	c.do(email+" asks for a link", chromedp.Navigate(base+"/signin"), chromedp.WaitVisible("#email"),
		chromedp.SendKeys("#email", email), chromedp.Submit("#email"), chromedp.WaitVisible("p.notice"))
	link := w.mailedLink(base, email)
	if link == "" {
		c.t.Fatalf("W1: no sign-in link in %s's mail", email)
	}
	c.do(email+" signs in", chromedp.Navigate(link), chromedp.WaitVisible("#signin"), chromedp.Click("#signin"), chromedp.WaitNotPresent("#signin"))
}
