package main

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServePortalSignInFromTheCapturedMail: on the zero-set-up serve the
// portal is on; asking for a sign-in link sends it through the outbox
// (here captured as .eml), and the link signs the customer in to see
// their ticket (W1, W3).
func TestServePortalSignInFromTheCapturedMail(t *testing.T) {
	p := newProc(t)
	p.start()
	// the banner may still be printing when /healthz first answers
	p.waitFor("the banner's portal line", 10*time.Second, func() bool {
		return strings.Contains(p.stdout.String(), "portal:   http://"+p.http+"/")
	})
	sendMail(t, p.smtp, "ann@example.com", "Printer on fire", "portal1@example.com")
	p.waitFor("the ticket", time.Minute, func() bool {
		return strings.Contains(p.helpdesk("ticket", "list", "--json"), "Printer on fire")
	})
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm("http://"+p.http+"/signin", url.Values{"email": {"ann@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	linkRE := regexp.MustCompile(`http://` + regexp.QuoteMeta(p.http) + `/signin/[A-Za-z0-9_-]+`)
	var link string
	p.waitFor("the sign-in mail", time.Minute, func() bool {
		for _, m := range p.captured() {
			if strings.Contains(m, "Envelope-To: <ann@example.com>") {
				if l := linkRE.FindString(strings.ReplaceAll(m, "=\r\n", "")); l != "" {
					link = l
					return true
				}
			}
		}
		return false
	})
	resp, err = c.PostForm(link, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if resp.StatusCode != 200 || !strings.Contains(b.String(), "Printer on fire") {
		t.Fatalf("W1, W3: after signing in: %d\n%s", resp.StatusCode, b.String())
	}
}

// cli.md: with HELPDESK_METRICS apart, /metrics is not on the public
// address (the portal's), and /readyz there says only whether it is ready.
func TestServeMetricsApartFromThePublicPages(t *testing.T) {
	metrics := freeAddr(t)
	p := newProc(t, "HELPDESK_METRICS="+metrics)
	p.start()
	if code, _ := p.get("/metrics"); code != 404 {
		t.Fatalf("/metrics on the public address: %d", code)
	}
	if code, body := p.get("/readyz"); code != 200 || strings.Contains(body, "mailboxes") {
		t.Fatalf("/readyz on the public address: %d %s", code, body)
	}
	resp, err := http.Get("http://" + metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics on HELPDESK_METRICS: %d", resp.StatusCode)
	}
}
