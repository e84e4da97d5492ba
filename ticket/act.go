package ticket

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/templates"
	"github.com/helpdesk-gw/helpdesk/threading"
)

// ErrRefused is wrapped by every refusal of the rules: the act changed
// nothing.
var ErrRefused = errors.New("refused")

func refused(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// Options configures a Service. Zero values take the rule book's defaults.
type Options struct {
	Addresses    threading.Addresses // the helpdesk's addresses and token signer
	Templates    *templates.Set
	HelpdeskName string   // display name, "Support" by default (N6)
	CCBlocklist  []string // C3; default policy.DefaultCCBlocklist
	MaxNewCCs    int      // C1: CCs one mail may add; default 10
	AckLimit     int      // B2: automatic mails per address an hour; default 5
	// WebURL is the portal's URL when the web is on: every notification
	// about a ticket then links to its page (N7, W3); "" when off.
	WebURL string
	Logger *slog.Logger
}

// Service carries out acts on tickets. It holds only configuration; every
// act runs in the transaction its caller gives.
type Service struct {
	opts Options
	log  *slog.Logger
}

// New returns a Service; Addresses and Templates are required.
func New(o Options) *Service {
	if o.HelpdeskName == "" {
		o.HelpdeskName = "Support"
	}
	if o.CCBlocklist == nil {
		o.CCBlocklist = policy.DefaultCCBlocklist
	}
	if o.MaxNewCCs <= 0 {
		o.MaxNewCCs = policy.DefaultMaxNewCCs
	}
	if o.AckLimit <= 0 {
		o.AckLimit = 5
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Service{opts: o, log: o.Logger}
}

// Addresses returns the helpdesk's addresses.
func (s *Service) Addresses() threading.Addresses { return s.opts.Addresses }

// Channel names where an act came from.
type Channel string

// Channels.
const (
	ChannelMail Channel = "mail"
	ChannelCLI  Channel = "cli"
	ChannelWeb  Channel = "web"
)

// Actor is the person acting. User is nil for a sender who is not a user
// yet (EnsureActor makes them one).
type Actor struct {
	User   *model.User
	Person policy.Person
	// Proven: the actor's identity is proven (P1; for staff, as I9
	// requires). The command line's --as and a signed-in session are
	// proof; a mail is proven by P1.
	Proven  bool
	Channel Channel
}

// Mail is what the acts need to know of the inbound message they came
// with; nil for acts from the command line or the web.
type Mail struct {
	MessageID  string            // notifications answer it (N6)
	Recipients []string          // its To and Cc (N4)
	Names      map[string]string // display names it gives addresses
	// Automatic names the kind of automatic mail it is ("auto_reply",
	// "list"), "" for a person's mail: then nothing automatic answers it (B1).
	Automatic string
}

// Planned is a notification an act queued (or, in a dry run, would queue).
type Planned struct {
	To    string                 `json:"to"`
	Kind  model.NotificationKind `json:"kind"`
	Rules []string               `json:"rules"`
}

// Act is one actor's work in one transaction. Rules, Notes and Notified
// collect what the acts did: the rule ids applied, what was ignored and
// why (told to the actor), and the notifications queued.
type Act struct {
	s     *Service
	Tx    *store.Tx
	Facts *access.Facts
	Now   time.Time
	Actor Actor
	Mail  *Mail

	Rules    []string
	Notes    []string
	Notified []Planned

	teams []model.Team // read once (teamList)
}

// Begin starts an act in tx at now. The actor may be filled in later (the
// pipeline learns who sent a message after it starts).
func (s *Service) Begin(tx *store.Tx, facts *access.Facts, now time.Time, actor Actor, mail *Mail) *Act {
	if facts == nil {
		facts = access.NewFacts(tx)
	}
	return &Act{s: s, Tx: tx, Facts: facts, Now: now, Actor: actor, Mail: mail}
}

// Rule records the ids of the rules applied.
func (a *Act) Rule(ids ...string) {
	for _, id := range ids {
		if id != "" && !contains(a.Rules, id) {
			a.Rules = append(a.Rules, id)
		}
	}
}

// Ignored records something the actor asked for that was not done, and
// why; the actor is told (I8, P3).
func (a *Act) Ignored(format string, args ...any) {
	a.Notes = append(a.Notes, fmt.Sprintf(format, args...))
}

// actorID is the acting user's id, 0 for the system.
func (a *Act) actorID() int64 {
	if a.Actor.User == nil {
		return 0
	}
	return a.Actor.User.ID
}

// actorEmail is who acts, for the history.
func (a *Act) actorEmail() string { return a.Actor.Person.Email }

// Event records one entry of the ticket's history, by the actor (C6, I3 …).
func (a *Act) Event(ctx context.Context, ticketID int64, kind model.EventKind, detail string) error {
	return a.EventBy(ctx, ticketID, a.actorID(), kind, detail)
}

// EventBy records one entry of the ticket's history by actorID (0: the
// system, for bounces and automatic replies).
func (a *Act) EventBy(ctx context.Context, ticketID, actorID int64, kind model.EventKind, detail string) error {
	if err := a.Tx.AddEvent(ctx, &model.Event{TicketID: ticketID, ActorID: actorID, Kind: kind, Detail: truncate(detail, 1000), At: a.Now}); err != nil {
		return fmt.Errorf("record %s on ticket %d: %w", kind, ticketID, err)
	}
	return nil
}

// Open loads a ticket as the acts see it (refused when there is none).
func (a *Act) Open(ctx context.Context, id int64) (*access.TicketView, error) {
	v, err := a.Facts.Ticket(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, refused("no ticket %d", id)
	}
	return v, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 { // do not cut a UTF-8 sequence
		n--
	}
	return s[:n]
}
