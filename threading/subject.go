package threading

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

var (
	subjectToken = regexp.MustCompile(`\[#(\d{1,18})\]`)
	orgTag       = regexp.MustCompile(`(?i)\[org:([a-z0-9-]{1,63})\]`)
)

// SubjectTicket returns the ticket named by a "[#123]" token in subject (I1 3).
func SubjectTicket(subject string) (int64, bool) {
	m := subjectToken.FindStringSubmatch(subject)
	if m == nil {
		return 0, false
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// SubjectOrg returns the organisation slug named by "[org:acme]" (I3).
func SubjectOrg(subject string) string {
	m := orgTag.FindStringSubmatch(subject)
	if m == nil {
		return ""
	}
	return strings.ToLower(m[1])
}

// WithTicketToken puts the ticket token into a notification subject (N6),
// once.
func WithTicketToken(subject string, ticketID int64) string {
	tok := fmt.Sprintf("[#%d]", ticketID)
	if strings.Contains(subject, tok) {
		return subject
	}
	return strings.TrimSpace(subject + " " + tok)
}
