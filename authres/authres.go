// Package authres decides whether an inbound message's sender is proven by
// the trusted Authentication-Results header (access model P1 a, P2, I9).
//
// It owns the RFC 8601 parser and the alignment check, nothing else: it
// reads header values given to it and does no DNS, no DKIM verification and
// no I/O. It trusts exactly one header: the topmost Authentication-Results
// whose authserv-id equals the configured one. Every other such header,
// forged or from another hop, is ignored. This is sound only because the
// receiving mail server strips incoming headers that carry its own
// authserv-id (RFC 8601 section 5), which the README requires.
//
// It never fails: a header it cannot read proves nothing, so the sender is
// merely claimed (the least privileged verdict, also the zero value).
package authres

import (
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Header is the part of a message header this package reads. Values must
// return a field's values top to bottom, as go-message's
// *textproto.Header does.
type Header interface {
	Values(key string) []string
	Get(key string) string
}

// Verdict is what the trusted header says about the From address.
type Verdict int

// The verdicts. The zero value, Claimed, grants nothing.
const (
	Claimed   Verdict = iota // nothing proves the sender (P1 "otherwise")
	Proven                   // dmarc=pass or aligned dkim=pass (P1 a)
	DMARCFail                // dmarc=fail: the message must be rejected (P2)
)

// String returns "claimed", "proven" or "dmarc_fail".
func (v Verdict) String() string {
	switch v {
	case Proven:
		return "proven"
	case DMARCFail:
		return "dmarc_fail"
	}
	return "claimed"
}

// Result is the outcome of Evaluate: the verdict, the access-model rules
// that decided it and a sentence for logs and the sender's notice.
type Result struct {
	Verdict Verdict
	Rules   []string
	Reason  string
}

// Evaluate reads the topmost Authentication-Results header of h whose
// authserv-id equals trustedAuthservID (case-insensitively) and judges the
// From domain fromDomain by it:
//
//   - dmarc=fail (for any domain) gives DMARCFail (P2);
//   - dmarc=pass with header.from equal to fromDomain gives Proven (P1);
//   - dkim=pass whose header.d (or the domain of header.i) has the same
//     organisational domain as fromDomain gives Proven (P1, aligned DKIM);
//   - anything else, an empty trustedAuthservID included, gives Claimed
//     (I9: without a trusted id only reply tokens prove, elsewhere).
func Evaluate(h Header, trustedAuthservID, fromDomain string) Result {
	trusted := strings.ToLower(strings.TrimSpace(trustedAuthservID))
	if trusted == "" {
		return Result{Claimed, []string{"I9", "P1"}, "no trusted authserv-id configured"}
	}
	fromDomain = normDomain(fromDomain)
	for _, v := range h.Values("Authentication-Results") {
		f, err := Parse(v)
		if err != nil || f.AuthservID != trusted {
			continue
		}
		return judge(f, fromDomain)
	}
	return Result{Claimed, []string{"P1"}, "no Authentication-Results from " + trusted}
}

// judge applies P2 then P1 to the trusted field.
func judge(f Field, fromDomain string) Result {
	for _, r := range f.Results {
		if r.Method == "dmarc" && r.Result == "fail" {
			return Result{DMARCFail, []string{"P2"}, "dmarc=fail for " + orUnknown(r.Props["header.from"])}
		}
	}
	if fromDomain == "" {
		return Result{Claimed, []string{"P1"}, "no From domain to align with"}
	}
	for _, r := range f.Results {
		if r.Method == "dmarc" && r.Result == "pass" && normDomain(r.Props["header.from"]) == fromDomain {
			return Result{Proven, []string{"P1"}, "dmarc=pass for " + fromDomain}
		}
	}
	for _, r := range f.Results {
		if r.Method != "dkim" || r.Result != "pass" {
			continue
		}
		if d := signingDomain(r); d != "" && Aligned(d, fromDomain) {
			return Result{Proven, []string{"P1"}, "dkim=pass by " + d + ", aligned with " + fromDomain}
		}
	}
	return Result{Claimed, []string{"P1"}, "no dmarc=pass or aligned dkim=pass for " + fromDomain}
}

// signingDomain returns the DKIM signing domain: header.d, else the domain
// part of header.i.
func signingDomain(r MethodResult) string {
	if d := normDomain(r.Props["header.d"]); d != "" {
		return d
	}
	i := r.Props["header.i"]
	if at := strings.LastIndexByte(i, '@'); at >= 0 {
		return normDomain(i[at+1:])
	}
	return ""
}

// Aligned reports whether two domains have the same organisational domain
// (relaxed alignment, RFC 7489 section 3.1), using the public suffix list.
// A domain that is itself a public suffix aligns only with itself.
func Aligned(a, b string) bool {
	a, b = normDomain(a), normDomain(b)
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	oa, errA := publicsuffix.EffectiveTLDPlusOne(a)
	ob, errB := publicsuffix.EffectiveTLDPlusOne(b)
	return errA == nil && errB == nil && oa == ob
}

func normDomain(d string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
}

func orUnknown(s string) string {
	if s == "" {
		return "an unnamed domain"
	}
	return s
}
