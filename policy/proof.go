package policy

// Proof is what is known of a sender's identity (P1).
type Proof struct {
	// TrustedIDConfigured: a trusted authserv-id is configured.
	TrustedIDConfigured bool
	// AuthResults: the topmost trusted Authentication-Results header shows
	// dmarc=pass or aligned dkim=pass (P1 a).
	AuthResults bool
	// Token: the mail was sent to a reply token issued to this From address,
	// still valid (P1 b, T2).
	Token bool
}

// Proven reports whether an end-user sender is proven (P1: a or b).
func (p Proof) Proven() bool { return p.AuthResults || p.Token }

// StaffProven reports whether a staff sender is proven for acting as staff
// (I9, P4): with a trusted authserv-id configured only (a) counts, without
// one only (b).
func (p Proof) StaffProven() bool {
	if p.TrustedIDConfigured {
		return p.AuthResults
	}
	return p.Token
}

// Rules names the rules behind the proof, for explanations.
func (p Proof) Rules(staff bool) []string {
	if staff {
		return []string{"I9", "P4"}
	}
	return []string{"P1"}
}
