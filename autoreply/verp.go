package autoreply

import (
	"strings"
)

// VERPToken reports whether addr is a VERP return path of the form
// local+<tag>-<token>@domain (case-insensitive tag, as the helpdesk's
// sub-addresses are written) and returns the token. Checking the token's
// signature is the caller's business.
func VERPToken(addr, tag string) (token string, ok bool) {
	addr = strings.Trim(strings.TrimSpace(addr), "<>")
	local, _, found := strings.Cut(addr, "@")
	if !found || tag == "" {
		return "", false
	}
	_, sub, found := strings.Cut(local, "+")
	if !found {
		return "", false
	}
	prefix := strings.ToLower(tag) + "-"
	if len(sub) <= len(prefix) || !strings.EqualFold(sub[:len(prefix)], prefix) {
		return "", false
	}
	return sub[len(prefix):], true
}

// FindVERP looks for a VERP return path among the addresses a bounce was
// delivered to (Delivered-To, X-Original-To, Envelope-To, To, topmost
// first) and returns the first one with its token.
func FindVERP(h Header, tag string) (addr, token string, ok bool) {
	for _, k := range []string{"Delivered-To", "X-Original-To", "Envelope-To", "To"} {
		for _, v := range h.Values(k) {
			for _, a := range reAddr.FindAllString(v, -1) {
				if t, ok := VERPToken(a, tag); ok {
					return strings.ToLower(a), t, true
				}
			}
		}
	}
	return "", "", false
}
