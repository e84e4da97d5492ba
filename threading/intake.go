package threading

import (
	"strings"
	"sync"

	"github.com/helpdesk-gw/helpdesk/model"
)

// IntakeSet is the set of intake addresses besides the support address
// (I10: billing@… routed to a team). It is safe for concurrent use and is
// replaced whole (Set) when the teams' addresses change.
type IntakeSet struct {
	mu    sync.RWMutex
	addrs map[string]bool // lower-case local@domain, without sub-address
}

// NewIntakeSet returns an empty set.
func NewIntakeSet() *IntakeSet { return &IntakeSet{addrs: map[string]bool{}} }

// Set replaces the set's addresses.
func (s *IntakeSet) Set(addrs []string) {
	if s == nil {
		return
	}
	m := make(map[string]bool, len(addrs))
	for _, a := range addrs {
		m[model.NormalizeEmail(a)] = true
	}
	s.mu.Lock()
	s.addrs = m
	s.mu.Unlock()
}

// List returns the set's addresses.
func (s *IntakeSet) List() []string {
	if s == nil {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.addrs))
	for a := range s.addrs {
		out = append(out, a)
	}
	return out
}

// match reports whether email (lower-case) is an intake address or one of
// its "+" sub-addresses, and returns the intake address and the detail.
func (s *IntakeSet) match(email string) (intake, detail string, ok bool) {
	if s == nil {
		return "", "", false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.addrs) == 0 {
		return "", "", false
	}
	if s.addrs[email] {
		return email, "", true
	}
	local, domain := model.LocalPart(email), model.EmailDomain(email)
	if base, d, found := strings.Cut(local, "+"); found {
		if a := base + "@" + domain; s.addrs[a] {
			return a, d, true
		}
	}
	return "", "", false
}
