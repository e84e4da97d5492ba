package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserSSO drives staff single sign-on in headless Chromium (W1,
// W5): the console asks a visitor to sign in, the single sign-on button
// goes through the provider (on loopback) and back, and the staff member
// lands on the console; a customer the provider vouches for is told
// single sign-on is for staff and stays signed out. The button is a link,
// not a form: the Content-Security-Policy's form-action 'self' would stop
// a form's redirect to the provider.
func TestBrowserSSO(t *testing.T) {
	w := newSSOPortal(t)
	base := w.srv.URL

	c := newChrome(t, 420, 860)
	do, text := c.do, c.text

	// A customer first: refused, and still signed out.
	w.idp.QueueUser(idpUser{email: "ann@acme.com", verified: true})
	do("the customer's single sign-on", chromedp.Navigate(base+"/signin"), chromedp.WaitVisible("#sso"), chromedp.Click("#sso"),
		chromedp.WaitVisible("p.notice"))
	if got := text("main"); !strings.Contains(got, "not a staff member") || !strings.Contains(got, "ann@acme.com") {
		t.Fatalf("W1: the customer through SSO sees: %q", got)
	}
	do("the customer's console", chromedp.Navigate(base+"/console"), chromedp.WaitVisible("#email"))

	// Sam, staff: from the console's sign-in page through the provider to the queue.
	w.idp.QueueUser(idpUser{email: "sam@help.example", verified: true})
	do("sam's single sign-on", chromedp.Navigate(base+"/console"), chromedp.WaitVisible("#sso"), chromedp.Click("#sso"),
		chromedp.WaitVisible(`a[href="/console/t/1"]`))
	if got := text("header"); !strings.Contains(got, "sam@help.example") {
		t.Fatalf("W5: the console's header after SSO: %q", got)
	}
	do("a ticket in the console", chromedp.Navigate(base+"/console/t/1"), chromedp.WaitVisible("#body"))
	if got := text("main"); !strings.Contains(got, "The customer is difficult.") {
		t.Fatalf("W5, R1: the console's ticket after SSO: %q", got)
	}
}
