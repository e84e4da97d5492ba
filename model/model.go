// Package model holds the helpdesk's domain types: organisations, users,
// memberships, tickets, participants, comments, raw messages, the outbox and
// the audit log. It is pure data with small helpers: it knows nothing of
// IMAP, SMTP or SQL, and every other package speaks in these types.
//
// Email addresses held in these types are always lower-cased (see
// NormalizeEmail); domains likewise.
package model

import (
	netmail "net/mail"
	"strings"
	"time"
)

// OrgAccess is an organisation's access setting (rule A1).
type OrgAccess string

// The values of OrgAccess (A1).
const (
	OrgAccessOwn     OrgAccess = "own"     // members see and comment on their own tickets only
	OrgAccessView    OrgAccess = "view"    // members see all the organisation's tickets
	OrgAccessComment OrgAccess = "comment" // members see and comment on all of them
)

// Valid reports whether a is one of the A1 values.
func (a OrgAccess) Valid() bool {
	return a == OrgAccessOwn || a == OrgAccessView || a == OrgAccessComment
}

// MemberAccess is a membership's access setting (rule A2).
type MemberAccess string

// The values of MemberAccess (A2).
const (
	MemberAccessOwn MemberAccess = "own" // no extra rights
	MemberAccessOrg MemberAccess = "org" // sees every ticket of that organisation
)

// Valid reports whether a is one of the A2 values.
func (a MemberAccess) Valid() bool { return a == MemberAccessOwn || a == MemberAccessOrg }

// Intake is an organisation's rule for who may open tickets (O8).
type Intake string

// The values of Intake (O8).
const (
	IntakeOpen       Intake = "open"
	IntakeRegistered Intake = "registered"
)

// Valid reports whether i is one of the O8 values.
func (i Intake) Valid() bool { return i == IntakeOpen || i == IntakeRegistered }

// CCAdders says who, besides staff and the requester, may add CCs by reply (C2).
type CCAdders string

// The values of CCAdders (C2).
const (
	CCAddersRequester    CCAdders = "requester"
	CCAddersParticipants CCAdders = "participants"
)

// Valid reports whether c is one of the C2 values.
func (c CCAdders) Valid() bool { return c == CCAddersRequester || c == CCAddersParticipants }

// StaffRole is a user's staff role (S1); the empty role is an end-user.
type StaffRole string

// The staff roles (S1), each with all the rights of those before it.
const (
	RoleNone  StaffRole = ""
	RoleAgent StaffRole = "agent"
	RoleAdmin StaffRole = "admin"
	RoleOwner StaffRole = "owner"
)

// Rank orders roles: 0 for none, 1 agent, 2 admin, 3 owner; -1 if unknown.
func (r StaffRole) Rank() int {
	switch r {
	case RoleNone:
		return 0
	case RoleAgent:
		return 1
	case RoleAdmin:
		return 2
	case RoleOwner:
		return 3
	}
	return -1
}

// IsStaff reports whether r is any staff role.
func (r StaffRole) IsStaff() bool { return r.Rank() > 0 }

// AtLeast reports whether r has every right of want.
func (r StaffRole) AtLeast(want StaffRole) bool { return r.Rank() >= want.Rank() && r.Rank() > 0 }

// Status is a ticket's status.
type Status string

// Ticket statuses.
const (
	StatusOpen    Status = "open"
	StatusPending Status = "pending"
	StatusSolved  Status = "solved"
	StatusClosed  Status = "closed"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	return s == StatusOpen || s == StatusPending || s == StatusSolved || s == StatusClosed
}

// Priority is a ticket's priority.
type Priority string

// Ticket priorities.
const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool {
	return p == PriorityLow || p == PriorityNormal || p == PriorityHigh || p == PriorityUrgent
}

// TicketType is a ticket's type.
type TicketType string

// Ticket types.
const (
	TypeQuestion TicketType = "question"
	TypeIncident TicketType = "incident"
	TypeChange   TicketType = "change"
	TypeProblem  TicketType = "problem"
)

// Valid reports whether t is a known type.
func (t TicketType) Valid() bool {
	return t == TypeQuestion || t == TypeIncident || t == TypeChange || t == TypeProblem
}

// Outcome is what became of one inbound message; every message gets exactly one.
type Outcome string

// The outcomes of an inbound message.
const (
	OutcomeCreated     Outcome = "created"
	OutcomeCommented   Outcome = "commented"
	OutcomeNoted       Outcome = "noted"
	OutcomeRejected    Outcome = "rejected"
	OutcomeAutoReply   Outcome = "auto_reply"
	OutcomeBounce      Outcome = "bounce"
	OutcomeDuplicate   Outcome = "duplicate"
	OutcomeIgnoredLoop Outcome = "ignored_loop"
	OutcomeFailed      Outcome = "failed"
)

// Visibility of a comment.
type Visibility string

// Comment visibilities (R7).
const (
	VisibilityPublic   Visibility = "public"
	VisibilityInternal Visibility = "internal"
)

// ParticipantRole is how a user takes part in a ticket besides being its requester.
type ParticipantRole string

// Participant roles.
const (
	ParticipantCC       ParticipantRole = "cc"
	ParticipantFollower ParticipantRole = "follower"
)

// MembershipSource records how a membership came to be (O3, O4).
type MembershipSource string

// Membership sources.
const (
	SourceDomain MembershipSource = "domain" // derived from the user's domain (O3); org sync may remove it
	SourceAdmin  MembershipSource = "admin"  // set by an admin; org sync leaves it alone
)

// NotificationKind is the kind of an outbox row.
type NotificationKind string

// Notification kinds (cli.md outbox list).
const (
	KindAck     NotificationKind = "ack"
	KindComment NotificationKind = "comment"
	KindNote    NotificationKind = "note"
	KindNotice  NotificationKind = "notice"
	KindCCAdded NotificationKind = "cc_added"
	KindStatus  NotificationKind = "status"
	// KindNewTicket tells staff of a new ticket, with their own reply
	// address (N7).
	KindNewTicket NotificationKind = "new_ticket"
	// KindSignIn carries a web sign-in link (W1).
	KindSignIn NotificationKind = "sign_in"
)

// NotificationKindInfo describes one notification kind: whether it is
// automatic mail (counted by B2's ack_limit and never sent in answer to
// automatic mail, B1), and the templates (templates/mail/LANG/NAME.txt and
// .html) that render it.
type NotificationKindInfo struct {
	Kind      NotificationKind
	Automatic bool
	Templates []string
}

// notificationKinds is the one list of notification kinds: the templates
// every language must provide and the SQL that counts automatic mail are
// derived from it (NotificationKinds, AutomaticKinds, TemplateNames).
var notificationKinds = []NotificationKindInfo{
	{Kind: KindAck, Automatic: true, Templates: []string{"ack"}},
	{Kind: KindComment, Templates: []string{"comment"}},
	{Kind: KindNote, Templates: []string{"note"}},
	{Kind: KindNotice, Automatic: true, Templates: []string{"notice_view_only", "notice_rejected", "command_report", "notice_unproven_staff"}},
	{Kind: KindCCAdded, Automatic: true, Templates: []string{"cc_added"}},
	{Kind: KindStatus, Templates: []string{"status"}},
	{Kind: KindNewTicket, Templates: []string{"new_ticket"}},
	{Kind: KindSignIn, Automatic: true, Templates: []string{"sign_in"}},
}

// NotificationKinds lists every notification kind with what it implies.
func NotificationKinds() []NotificationKindInfo {
	return append([]NotificationKindInfo(nil), notificationKinds...)
}

// AutomaticKinds lists the kinds that are automatic mail (B1, B2).
func AutomaticKinds() []NotificationKind {
	var out []NotificationKind
	for _, k := range notificationKinds {
		if k.Automatic {
			out = append(out, k.Kind)
		}
	}
	return out
}

// TemplateNames lists the template names every language provides, in the
// order of the kinds.
func TemplateNames() []string {
	var out []string
	for _, k := range notificationKinds {
		out = append(out, k.Templates...)
	}
	return out
}

// Automatic reports whether the kind is automatic mail counted by ack_limit (B2).
func (k NotificationKind) Automatic() bool {
	for _, info := range notificationKinds {
		if info.Kind == k {
			return info.Automatic
		}
	}
	return false
}

// TemplateKind returns the notification kind a template renders, and
// whether the template is known.
func TemplateKind(name string) (NotificationKind, bool) {
	for _, k := range notificationKinds {
		for _, t := range k.Templates {
			if t == name {
				return k.Kind, true
			}
		}
	}
	return "", false
}

// EventKind is the kind of an entry of a ticket's history.
type EventKind string

// Event kinds: every act that is recorded on a ticket's history.
const (
	EventStatus        EventKind = "status"         // status changed (I8, reopen on a reply)
	EventPriority      EventKind = "priority"       // priority changed (I8)
	EventType          EventKind = "type"           // type changed (I8)
	EventAssigned      EventKind = "assigned"       // assignee set or cleared (I8, S1)
	EventOrgChanged    EventKind = "org_changed"    // organisation changed (I3)
	EventCCAdded       EventKind = "cc_added"       // a CC added (C1, C2, C5, C6)
	EventCCRemoved     EventKind = "cc_removed"     // a CC removed (C5, C6)
	EventFollowerAdded EventKind = "follower_added" // a follower added (N5)
	// EventFollowerRemoved: a follower stopped following (N5).
	EventFollowerRemoved EventKind = "follower_removed"
	EventAutoReply       EventKind = "auto_reply"   // an automatic reply threaded onto the ticket (B1)
	EventBounce          EventKind = "bounce"       // a bounce about the ticket's mail (B3)
	EventReleased        EventKind = "released"     // a quarantined message released onto it (I5, S3)
	EventTeamChanged     EventKind = "team_changed" // the ticket's team set or cleared (I10, S4)
	EventWeb             EventKind = "web"          // an act made on the web (W4)
)

// EventKinds lists every event kind.
func EventKinds() []EventKind {
	return []EventKind{EventStatus, EventPriority, EventType, EventAssigned, EventOrgChanged, EventCCAdded,
		EventCCRemoved, EventFollowerAdded, EventFollowerRemoved, EventAutoReply, EventBounce, EventReleased, EventTeamChanged, EventWeb}
}

// OutboxStatus is the delivery state of an outbox row.
type OutboxStatus string

// Outbox statuses.
const (
	OutboxQueued OutboxStatus = "queued"
	OutboxSent   OutboxStatus = "sent"
	OutboxFailed OutboxStatus = "failed"
)

// Organisation is a customer (or partner) organisation (O1).
type Organisation struct {
	ID        int64
	Slug      string
	Name      string
	Access    OrgAccess // A1
	Intake    Intake    // O8
	CCAdders  CCAdders  // C2
	Language  string    // template language, "en" by default
	Domains   []Domain
	CreatedAt time.Time
}

// Domain is one email domain of an organisation (O1, O2). Name is lower-case
// and may be a wildcard "*.acme.com".
type Domain struct {
	Name    string
	Forced  bool // accepted despite O2's public-suffix or free-mail refusal
	AddedAt time.Time
}

// User is a person known to the helpdesk: end-user or staff.
type User struct {
	ID           int64
	Email        string
	Name         string
	StaffRole    StaffRole
	DefaultOrgID int64 // 0: none set by an admin (O6)
	Registered   bool  // added by an admin (O8 registered intake)
	Bouncing     bool  // B3: no notifications until they write again
	// Notify is what a staff member is told of (N7); "" is the default,
	// NotifyTeam.
	Notify    NotifySetting
	CreatedAt time.Time
}

// NotifySetting is what a staff member is told of (N7).
type NotifySetting string

// The notify settings of N7.
const (
	// NotifyTeam (the default): new tickets of their teams (every staff
	// member's when a ticket has no team), and public comments on those
	// tickets while unassigned, besides what N1/N2 send an assignee.
	NotifyTeam NotifySetting = "team"
	// NotifyAssigned: only what N1/N2 send an assignee.
	NotifyAssigned NotifySetting = "assigned"
	// NotifyNone: nothing, not even as assignee (following still works).
	NotifyNone NotifySetting = "none"
)

// Valid reports whether n is a known setting.
func (n NotifySetting) Valid() bool { return n == NotifyTeam || n == NotifyAssigned || n == NotifyNone }

// Or returns n, or NotifyTeam when n is empty.
func (n NotifySetting) Or() NotifySetting {
	if n == "" {
		return NotifyTeam
	}
	return n
}

// Membership ties a user to an organisation (O3, A2, N5).
type Membership struct {
	UserID    int64
	OrgID     int64
	Access    MemberAccess
	FollowAll bool // N5: follows every ticket of the organisation (needs Access org)
	Source    MembershipSource
	CreatedAt time.Time
}

// Ticket is one support request.
type Ticket struct {
	ID          int64
	Subject     string
	Status      Status
	Priority    Priority
	Type        TicketType
	OrgID       int64 // 0: no organisation
	RequesterID int64
	AssigneeID  int64 // 0: unassigned; only staff (S1)
	TeamID      int64 // 0: no team (I10)
	// Intake is the intake address the ticket came in on (I10), "" for
	// the support address: its notifications come From it, with reply
	// addresses at it.
	Intake    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Team is a group of staff that works a share of the tickets (S4, I10).
type Team struct {
	ID       int64
	Slug     string
	Name     string
	Disabled bool // routing skips it (I10)
	// Default: the global default team, where tickets go that no intake
	// address or organisation routes (I10). At most one team is.
	Default   bool
	Members   []int64  // staff user ids
	Addresses []string // intake addresses routed to it (lower-case)
	OrgIDs    []int64  // organisations routed to it
	CreatedAt time.Time
}

// Participant is a CC or follower of a ticket.
type Participant struct {
	TicketID int64
	UserID   int64
	Role     ParticipantRole
	AddedBy  int64 // user who added them; 0 for the system
	AddedAt  time.Time
}

// Comment is a public comment or internal note on a ticket.
type Comment struct {
	ID         int64
	TicketID   int64
	AuthorID   int64
	Visibility Visibility
	Body       string // what the person wrote: quotes and signature trimmed
	// FullBody (the whole text part, untrimmed) and HTML (sanitised) are
	// empty for a comment made from mail since decision 45: they are read
	// from its raw message (ingest.Pipeline.CommentOriginal).
	FullBody     string
	HTML         string
	RawMessageID int64 // 0 when not from an email
	CreatedAt    time.Time
	Attachments  []Attachment
}

// Attachment is one file attached to a comment; the content is stored once by hash.
type Attachment struct {
	ID          int64
	CommentID   int64
	Filename    string
	ContentType string
	Size        int64
	SHA256      string // hex
	ContentID   string // for inline (cid:) parts
	Inline      bool
	// RawPart, when above 0, says the content is not stored apart: it is
	// attachment number RawPart (from 1) of the comment's raw message as
	// the parser lists them. 0: the content is the blob named by SHA256.
	RawPart int
	Content []byte `json:"-"` // set when writing; not always loaded
}

// RawMessage is an inbound message exactly as received, with its outcome.
type RawMessage struct {
	ID          int64
	SHA256      string // hex of Raw
	Raw         []byte
	Size        int64
	MessageID   string // canonical, without angle brackets; may be empty
	From        string
	Subject     string
	Mailbox     string // where it came from ("stdin", a mailbox name)
	Outcome     Outcome
	Reason      string
	Rules       []string // the rule ids behind the outcome
	TicketID    int64    // 0: none
	DuplicateOf int64    // for duplicates: the raw message first seen
	ReceivedAt  time.Time
}

// Event is one entry of a ticket's history (C6, I3, B1, B3, status changes …).
type Event struct {
	ID       int64
	TicketID int64
	ActorID  int64 // 0: the system
	Kind     EventKind
	Detail   string
	At       time.Time
}

// OutboxMessage is one notification to one recipient, queued in the same
// transaction as the change that caused it.
type OutboxMessage struct {
	ID            int64
	TicketID      int64 // 0 for an I6 notice
	Kind          NotificationKind
	To            string
	Subject       string
	MessageID     string // fixed at queue time, without angle brackets
	ReplyTo       string
	InReplyTo     string
	References    []string
	CommentID     int64 // the comment it carries, if any
	TextBody      string
	HTMLBody      string
	ReturnPath    string // VERP address (B3)
	AutoSubmitted string // "auto-generated" or "auto-replied" (N6)
	FromName      string // display name, "Alice via Support"
	Status        OutboxStatus
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        time.Time
}

// AuditEntry is one append-only record of an admin change (S3).
type AuditEntry struct {
	ID     int64
	At     time.Time
	Actor  string // email of the acting staff member, or "" for bootstrap/system
	Action string // "org.add", "org.set", "member.set", "staff.add", ...
	Target string
	Before string // JSON
	After  string // JSON
	Reason string
}

// QuarantineStatus is the state of a held message.
type QuarantineStatus string

// Quarantine states.
const (
	QuarantineHeld      QuarantineStatus = "held"
	QuarantineReleased  QuarantineStatus = "released"
	QuarantineDiscarded QuarantineStatus = "discarded"
)

// QuarantineEntry is an inbound message held for staff (I5, B2 loop_limit).
type QuarantineEntry struct {
	ID           int64
	RawMessageID int64
	TicketID     int64
	SenderEmail  string
	Subject      string
	Outcome      Outcome
	Reason       string
	Rules        []string
	Status       QuarantineStatus
	CreatedAt    time.Time
}

// NormalizeEmail lower-cases and trims an address. An address with a
// quoted local part (RFC 5322) is written in its one canonical form,
// quoted only where its local part needs it: `"John Smith"@Acme.com` gives
// `"john smith"@acme.com`, `"dot..dot"@cc.example` stays quoted,
// `"ann"@acme.com` gives `ann@acme.com`. Anything else, even what is not
// an address, is only lower-cased and trimmed.
func NormalizeEmail(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if !strings.HasPrefix(s, `"`) || strings.ContainsAny(s, "\r\n") {
		return s
	}
	a, err := netmail.ParseAddress(s)
	if err != nil || a.Name != "" {
		return s
	}
	c := (&netmail.Address{Address: a.Address}).String() // <local@domain>, the local part quoted where needed
	c = strings.TrimSuffix(strings.TrimPrefix(c, "<"), ">")
	if EmailDomain(c) != EmailDomain(s) {
		return s // white space or comments around the domain: leave it as written
	}
	return c
}

// EmailDomain returns the lower-cased domain of an address, or "". The
// domain follows the last '@': in `"ann@acme.com"@evil.example` it is
// evil.example (an '@' inside a quoted local part is not the separator,
// and a domain has no '@').
func EmailDomain(email string) string {
	i := strings.LastIndexByte(email, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(email[i+1:])
}

// LocalPart returns the part of an address before the last '@', quotes
// included (`"john smith"` of `"john smith"@acme.com`).
func LocalPart(email string) string {
	i := strings.LastIndexByte(email, '@')
	if i < 0 {
		return email
	}
	return email[:i]
}
