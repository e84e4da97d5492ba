package policy

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"

	"github.com/helpdesk-gw/helpdesk/model"
)

// ReservedSlugs are words of the sub-address scheme that may not be
// organisation slugs (O1).
var reservedSlugs = map[string]bool{
	"note": true, "follow": true, "bounce": true, "t": true, "org": true,
	"reply": true, "notes": true, "support": true,
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,62})$`)

// ValidateSlug checks an organisation slug (O1): lower-case letters, digits
// and '-', not a reserved word of the sub-address scheme.
func ValidateSlug(slug string) error {
	if !slugPattern.MatchString(slug) {
		return fmt.Errorf("O1: slug %q must be lower-case letters, digits and '-' (starting with a letter or digit, at most 63)", slug)
	}
	if reservedSlugs[slug] || strings.HasPrefix(slug, "t-") || strings.HasPrefix(slug, "follow-") || strings.HasPrefix(slug, "bounce-") {
		return fmt.Errorf("O1: slug %q is reserved by the reply-address scheme", slug)
	}
	return nil
}

// FreeMailDomains is the built-in list of free-mail domains refused as
// organisation domains unless forced (O2).
var freeMailDomains = []string{
	"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk",
	"live.com", "msn.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "aol.com",
	"icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com", "pm.me",
	"gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "mail.ru", "yandex.ru",
	"yandex.com", "zoho.com", "fastmail.com", "hey.com", "tutanota.com", "qq.com",
	"163.com", "126.com", "online.no", "live.no", "hotmail.no",
}

// IsFreeMail reports whether domain is a known free-mail domain (O2).
func IsFreeMail(domain string) bool {
	for _, d := range freeMailDomains {
		if d == domain {
			return true
		}
	}
	return false
}

// ErrNeedsForce marks a domain O2 refuses unless the admin forces it.
var ErrNeedsForce = errors.New("refused unless forced (--force)")

// domainNames checks and maps organisation domains (O1, O2): the IDNA
// lookup mapping (case, width), letters, digits and '-' only (STD3), no
// '-' at either end of a label, the joiner and Bidi rules, labels of 1 to
// 63 octets and names of at most 253 once in ASCII. A Profile is safe for
// concurrent use and never changes.
var domainNames = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.CheckHyphens(true),
	idna.CheckJoiners(true), idna.VerifyDNSLength(true), idna.Transitional(false))

// ValidDomain checks that d is a domain name, as IDNA defines one, and
// returns it in the form organisations keep: lower-case ASCII, an
// internationalised label as its A-label (bücher.example is
// xn--bcher-kva.example). Spaces, control characters (CR, LF, TAB), '@',
// '_', '*' and empty labels are refused, and so is a name whose last label
// is all digits (an IP address). The error says "O2: … is not a domain
// name", with the name quoted so that it stays on one line.
func ValidDomain(d string) (string, error) {
	ascii, err := domainNames.ToASCII(d)
	if err != nil || ascii == "" || strings.Trim(ascii[strings.LastIndexByte(ascii, '.')+1:], "0123456789") == "" {
		return "", fmt.Errorf("O2: %q is not a domain name", d)
	}
	return ascii, nil
}

// NormalizeDomain validates an organisation domain (O2) and returns the
// form it is kept in: ValidDomain's, after an optional "*." (every
// subdomain) and without a final dot. Public suffixes, wildcards over them
// and free-mail domains are refused with an error wrapping ErrNeedsForce
// unless force is set.
func NormalizeDomain(d string, force bool) (string, error) {
	d = strings.TrimSuffix(strings.TrimSpace(d), ".")
	wildcard, base := "", d
	if rest, ok := strings.CutPrefix(d, "*."); ok {
		wildcard, base = "*.", rest
	}
	base, err := ValidDomain(base)
	if err != nil {
		return "", err
	}
	d = wildcard + base
	if force {
		return d, nil
	}
	if suffix, _ := publicsuffix.PublicSuffix(base); suffix == base {
		return "", fmt.Errorf("O2: %q is a public suffix: %w", d, ErrNeedsForce)
	}
	if IsFreeMail(base) {
		return "", fmt.Errorf("O2: %q is a free-mail domain: %w", d, ErrNeedsForce)
	}
	return d, nil
}

// DomainMatches reports whether an address domain matches an organisation
// domain pattern (O2): case-insensitively and exactly; "*.acme.com" matches
// every subdomain of acme.com but not acme.com itself. An internationalised
// name matches in either form (bücher.example, xn--bcher-kva.example).
func DomainMatches(pattern, domain string) bool {
	pattern, domain = matchForm(pattern), matchForm(domain)
	if rest, ok := strings.CutPrefix(pattern, "*."); ok {
		return strings.HasSuffix(domain, "."+rest) && len(domain) > len(rest)+1
	}
	return pattern == domain
}

// matchForm is a domain, or a "*." pattern, as DomainMatches compares it:
// lower-case, and in ASCII when it converts.
func matchForm(d string) string {
	d = strings.ToLower(d)
	if isASCII(d) {
		return d
	}
	wildcard, base := "", d
	if rest, ok := strings.CutPrefix(d, "*."); ok {
		wildcard, base = "*.", rest
	}
	if ascii, err := idna.Lookup.ToASCII(base); err == nil {
		return wildcard + ascii
	}
	return d
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// DomainMatch is an organisation that owns an address's domain.
type DomainMatch struct {
	Org   model.Organisation
	Since time.Time // when the organisation started holding the domain
}

// OrgsForEmail lists the organisations owning email's domain (O2, O3), in
// the order the organisations are given.
func OrgsForEmail(email string, orgs []model.Organisation) []DomainMatch {
	domain := model.EmailDomain(email)
	if domain == "" {
		return nil
	}
	var out []DomainMatch
	for _, o := range orgs {
		for _, d := range o.Domains {
			if DomainMatches(d.Name, domain) {
				out = append(out, DomainMatch{Org: o, Since: d.AddedAt})
				break
			}
		}
	}
	return out
}

// DerivedMemberships are the memberships O3 gives an address now: one per
// organisation owning its domain, access own, from the domain.
func DerivedMemberships(email string, orgs []model.Organisation) []Membership {
	return derived(OrgsForEmail(email, orgs))
}

// derived is the memberships O3 gives from the organisations owning an
// address's domain.
func derived(matches []DomainMatch) []Membership {
	var out []Membership
	for _, m := range matches {
		out = append(out, Membership{
			OrgID: m.Org.ID, Slug: m.Org.Slug, OrgAccess: m.Org.Access,
			Access: model.MemberAccessOwn, Source: model.SourceDomain,
			Intake: m.Org.Intake, DomainSince: m.Since,
		})
	}
	return out
}

// DefaultOrg picks a person's default organisation (O6): the one an admin
// set (if still a membership), else the one that has held the person's
// domain the longest, else (memberships set by hand only) the oldest
// membership. 0 when the person has no organisation (O7).
func DefaultOrg(p Person) int64 {
	if _, ok := p.MemberOf(p.DefaultOrg); ok {
		return p.DefaultOrg
	}
	ms := append([]Membership(nil), p.Memberships...)
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := ms[i], ms[j]
		if a.DomainSince.IsZero() != b.DomainSince.IsZero() {
			return !a.DomainSince.IsZero()
		}
		if !a.DomainSince.Equal(b.DomainSince) {
			return a.DomainSince.Before(b.DomainSince)
		}
		if !a.Since.Equal(b.Since) {
			return a.Since.Before(b.Since)
		}
		return a.OrgID < b.OrgID
	})
	if len(ms) == 0 {
		return 0
	}
	return ms[0].OrgID
}

// OrgChoice is the organisation chosen for a new ticket (I3).
type OrgChoice struct {
	OrgID int64 // 0: none
	Slug  string
	Rules []string
	Why   string
	// Ambiguous is set when the requester belongs to several organisations:
	// the acknowledgement says which was chosen and how to change it (I3).
	Ambiguous bool
}

// ChooseOrganisation picks a new ticket's organisation (I3): the one named by
// the address (support+acme@) or a subject tag [org:acme] if the sender is a
// member; else the sender's default organisation (O6); else none (O7).
func ChooseOrganisation(p Person, requested string) OrgChoice {
	c := OrgChoice{Ambiguous: len(p.Memberships) > 1}
	if requested != "" {
		if m, ok := p.MemberOfSlug(requested); ok {
			c.OrgID, c.Slug = m.OrgID, m.Slug
			c.Rules = []string{"I3"}
			c.Why = "I3 organisation " + m.Slug + " named by the address or subject, sender is a member"
			return c
		}
	}
	if id := DefaultOrg(p); id != 0 {
		m, _ := p.MemberOf(id)
		c.OrgID, c.Slug = id, m.Slug
		c.Rules = []string{"I3", "O6"}
		c.Why = "I3/O6 sender's default organisation " + m.Slug
		if requested != "" {
			c.Why += " (not a member of " + requested + ")"
		}
		return c
	}
	c.Rules = []string{"I3", "O7"}
	c.Why = "O7 sender's domain matches no organisation"
	return c
}

// UnknownSenders is the global setting of O7.
type UnknownSenders string

// The values of UnknownSenders (O7).
const (
	UnknownAccept UnknownSenders = "accept"
	UnknownReject UnknownSenders = "reject"
)

// Verdict is a yes/no answer with the rules behind it.
type Verdict struct {
	OK     bool
	Rules  []string
	Reason string
}

// MayOpenTicket decides whether p may open a ticket in the chosen
// organisation (O7, O8). Staff may always open tickets. Intake rules govern
// opening only: never replies (O8).
func MayOpenTicket(p Person, choice OrgChoice, unknown UnknownSenders) Verdict {
	if p.IsStaff() {
		return Verdict{OK: true, Rules: []string{"R1"}, Reason: "staff"}
	}
	if choice.OrgID == 0 {
		if unknown == UnknownReject {
			return Verdict{Rules: []string{"O7"}, Reason: "sender's domain matches no organisation and unknown senders are refused"}
		}
		return Verdict{OK: true, Rules: []string{"O7"}, Reason: "unknown senders accepted"}
	}
	m, _ := p.MemberOf(choice.OrgID)
	if m.Intake == model.IntakeRegistered && !p.Registered && m.Source != model.SourceAdmin {
		return Verdict{Rules: []string{"O8"}, Reason: "organisation " + m.Slug + " only takes tickets from registered users"}
	}
	return Verdict{OK: true, Rules: []string{"O8"}, Reason: "intake open"}
}
