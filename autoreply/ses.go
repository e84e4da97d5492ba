package autoreply

import (
	"regexp"
	"strings"
)

// Amazon SES sends its bounce, complaint and delivery notifications as a
// JSON document (directly, or inside an SNS envelope where it is a JSON
// string), not as a DSN. They are read with patterns rather than a JSON
// decoder because relays fold long lines and break the JSON.
var (
	reSESType      = regexp.MustCompile(`\\?"notificationType\\?"\s*:\s*\\?"(Bounce|Complaint|Delivery|Received)\\?"`)
	reSESRecipient = regexp.MustCompile(`\\?"emailAddress\\?"\s*:\s*\\?"([^"\\\s]+@[^"\\\s]+)\\?"`)
	reSESStatus    = regexp.MustCompile(`\\?"status\\?"\s*:\s*\\?"([245]\.\d{1,3}\.\d{1,3})\\?"`)
	reSESDiag      = regexp.MustCompile(`\\?"diagnosticCode\\?"\s*:\s*\\?"([^"\\]*)`)
	reSESBounceTyp = regexp.MustCompile(`\\?"bounceType\\?"\s*:\s*\\?"(\w+)`)
)

// sesNotification reads an Amazon SES notification from text, a message
// body that is nothing but JSON. kind is "" when text is not one.
// sesMarker is in every Amazon SES notification (its JSON field).
const sesMarker = "notificationType"

func sesNotification(text string) (kind string, rs []BounceRecipient) {
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(t, "{") || !strings.Contains(t, sesMarker) {
		return "", nil
	}
	m := reSESType.FindStringSubmatch(t)
	if m == nil {
		return "", nil
	}
	if m[1] != "Bounce" {
		return m[1], nil
	}
	list := t
	if i := strings.Index(t, "bouncedRecipients"); i >= 0 {
		list = t[i:]
		if j := strings.Index(list, "]"); j >= 0 {
			list = list[:j]
		}
	}
	status := "5.0.0"
	if bt := reSESBounceTyp.FindStringSubmatch(t); bt != nil && bt[1] == "Transient" {
		status = "4.0.0"
	}
	for _, rec := range strings.Split(list, "}") {
		e := reSESRecipient.FindStringSubmatch(rec)
		if e == nil {
			continue
		}
		r := BounceRecipient{Email: strings.ToLower(e[1]), Status: status}
		if s := reSESStatus.FindStringSubmatch(rec); s != nil {
			r.Status = s[1]
		}
		if d := reSESDiag.FindStringSubmatch(rec); d != nil {
			r.Diagnostic = diagnostic(d[1])
		}
		rs = append(rs, finishRecipient(r))
	}
	return m[1], rs
}
