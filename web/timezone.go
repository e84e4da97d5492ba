package web

import (
	"net/http"
	"strings"
	"time"
	_ "time/tzdata" // the zones, whatever the machine has installed
)

// tzCookie keeps the viewer's time zone (an IANA name such as
// Europe/Oslo): times are shown in it; UTC until the viewer chooses.
const tzCookie = "hd_tz"

// zoneOf is the viewer's time zone.
func zoneOf(r *http.Request) *time.Location {
	if c, err := r.Cookie(tzCookie); err == nil && c.Value != "" {
		if loc, err := time.LoadLocation(c.Value); err == nil {
			return loc
		}
	}
	return time.UTC
}

// when formats t in the viewer's zone, naming the zone.
func when(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// setZone keeps the zone the viewer chose (no script can read the
// browser's), and goes back to where they were.
func (s *Server) setZone(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("tz"))
	if _, err := time.LoadLocation(name); err != nil || name == "" || name == "Local" {
		http.Error(w, "unknown time zone: use a name such as Europe/Oslo or America/New_York", http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: tzCookie, Value: name, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}
