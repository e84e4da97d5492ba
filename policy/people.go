package policy

import (
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
)

// Person is someone whose rights are judged: a user, or a sender who is not
// (yet) a user, judged by the memberships O3 would give them now.
type Person struct {
	Email       string // lower-case
	UserID      int64  // 0: not a user yet
	Name        string
	Role        model.StaffRole
	Registered  bool // added by an admin (O8)
	Bouncing    bool // B3
	DefaultOrg  int64
	Memberships []Membership
	// Notify is what a staff member is told of (N7); "" means team.
	Notify model.NotifySetting
}

// IsStaff reports whether p has a staff role (S1).
func (p Person) IsStaff() bool { return p.Role.IsStaff() }

// Membership is one of a person's memberships, with the facts about the
// organisation that the rules need.
type Membership struct {
	OrgID     int64
	Slug      string
	OrgAccess model.OrgAccess    // A1 of the organisation
	Access    model.MemberAccess // A2 of this membership
	FollowAll bool               // N5
	Source    model.MembershipSource
	Intake    model.Intake // O8 of the organisation
	// DomainSince is when the organisation started holding this person's
	// domain (zero if it does not hold it); O6 uses it.
	DomainSince time.Time
	Since       time.Time // when the membership was made
}

// MemberOf returns p's membership of orgID, if any.
func (p Person) MemberOf(orgID int64) (Membership, bool) {
	if orgID == 0 {
		return Membership{}, false
	}
	for _, m := range p.Memberships {
		if m.OrgID == orgID {
			return m, true
		}
	}
	return Membership{}, false
}

// MemberOfSlug returns p's membership of the organisation with that slug.
func (p Person) MemberOfSlug(slug string) (Membership, bool) {
	for _, m := range p.Memberships {
		if m.Slug == slug {
			return m, true
		}
	}
	return Membership{}, false
}

// TicketFacts is what the rules need to know about one ticket.
type TicketFacts struct {
	ID        int64
	OrgID     int64 // 0: no organisation
	OrgSlug   string
	OrgAccess model.OrgAccess
	CCAdders  model.CCAdders
	Requester string          // email
	Assignee  string          // email, "" if none
	CCs       map[string]bool // email → CC (R3)
	Followers map[string]bool // email → follower (N5)
}

// IsCC reports whether email is a CC of the ticket.
func (t TicketFacts) IsCC(email string) bool { return t.CCs[email] }
