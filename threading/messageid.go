package threading

import (
	"crypto/rand"
	"strings"
)

// NewMessageID returns a fresh Message-ID (without angle brackets) carrying
// the helpdesk's signed marker (N6, B2): "hd-RANDOM-MAC@domain".
func (s *Signer) NewMessageID(domain string) string {
	var r [10]byte
	_, _ = rand.Read(r[:]) // crypto/rand.Read never fails on supported platforms
	return "hd-" + s.seal(kindMsgID, r[:]) + "@" + domain
}

// IsOwnMessageID reports whether id carries the helpdesk's signed marker (B2).
func (s *Signer) IsOwnMessageID(id string) bool {
	id = strings.Trim(strings.TrimSpace(id), "<>")
	local, _, ok := strings.Cut(id, "@")
	if !ok {
		return false
	}
	rest, ok := strings.CutPrefix(strings.ToLower(local), "hd-")
	if !ok {
		return false
	}
	_, valid := s.open(kindMsgID, rest)
	return valid
}
