package fullstore

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/model"
)

// kind is what a generated message is meant to do.
type kind int

const (
	kindNew         kind = iota // opens a ticket
	kindReply                   // the requester answers: a comment
	kindCCReply                 // a CC answers (reply-all): a comment
	kindStaffAnswer             // a proven staff answer: a public comment
	kindStaffNote               // a proven staff #note: an internal note
	kindStaffStatus             // a proven staff answer with #status pending
)

// want is the outcome a kind of message should have.
func (k kind) want() model.Outcome {
	if k == kindStaffNote {
		return model.OutcomeNoted
	}
	if k == kindNew {
		return model.OutcomeCreated
	}
	return model.OutcomeCommented
}

// ticketRec is what a reply needs of the ticket it answers.
type ticketRec struct {
	requester, cc int32 // user indexes; cc -1: none
	org           int32
}

// Stream generates a shape's messages in order, deterministically: the
// same shape, seed and tag give the same bytes. Tag keeps the Message-IDs
// and, when users is set, the senders' addresses apart from another
// stream's, so that a stream can be ingested into a store another filled.
type Stream struct {
	sh       Shape
	rng      *rand.Rand
	tag      string
	newUsers bool // senders are the stream's own, new to the store (tag in their addresses)
	orgUsers [][]int32
	userOrg  []int32
	tickets  []ticketRec
	k        int // next message
	kinds    map[kind]int
	plan     Plan // what the last message generated does
}

// Plan is what one generated message does, for a seeder that writes its
// rows itself (SeedDirect).
type Plan struct {
	Raw       []byte
	Kind      kind
	Ticket    int    // index of the ticket it opens or answers
	From      int32  // the customer who wrote it; -1 for staff
	Staff     string // the staff member who wrote it, if any
	MessageID string // without angle brackets
	Subject   string
	Date      time.Time
	Body      string // the text as a comment keeps it
}

// NewStream returns the stream of sh's messages from seed. With newUsers,
// every sender's address carries tag, so that ingesting the stream into a
// store another stream filled makes new users there too (the same work
// on an empty and a full store).
func NewStream(sh Shape, seed uint64, tag string, newUsers bool) (*Stream, error) {
	if err := sh.Validate(); err != nil {
		return nil, err
	}
	g := &Stream{sh: sh, rng: rand.New(rand.NewPCG(seed, 0x66756c6c)), tag: tag, newUsers: newUsers,
		orgUsers: make([][]int32, sh.Orgs), userOrg: make([]int32, sh.Users), kinds: map[kind]int{}}
	for u := range sh.Users {
		o := int32(orgOfUser(sh, u))
		g.userOrg[u] = o
		g.orgUsers[o] = append(g.orgUsers[o], int32(u))
	}
	return g, nil
}

// orgOfUser is the organisation index of user u: big's members first,
// then the partner's users, then the rest round the other organisations.
func orgOfUser(sh Shape, u int) int {
	switch {
	case u < sh.BigMembers:
		return 0
	case u < sh.BigMembers+partnerUsers:
		return 1
	}
	return 2 + (u-sh.BigMembers-partnerUsers)%(sh.Orgs-2)
}

// orgSlug is the slug of organisation index o; its domain is slug.example.
func orgSlug(o int) string {
	switch o {
	case 0:
		return BigSlug
	case 1:
		return PartnerSlug
	}
	return fmt.Sprintf("org%d", o)
}

// email is user u's address.
func (g *Stream) email(u int32) string {
	o := int(g.userOrg[u])
	prefix := ""
	if g.newUsers {
		prefix = g.tag + "-"
	}
	switch {
	case o == 0:
		return fmt.Sprintf("%su%d@big.example", prefix, u)
	case o == 1 && u == int32(g.sh.BigMembers) && !g.newUsers:
		return Partner
	case o == 1:
		return fmt.Sprintf("%sp%d@partner.example", prefix, int(u)-g.sh.BigMembers)
	}
	return fmt.Sprintf("%sc%d@%s.example", prefix, u, orgSlug(o))
}

// Done reports whether every message has been generated.
func (g *Stream) Done() bool { return g.k >= g.sh.Messages }

// Generated is how many messages of each outcome the stream has made so far.
func (g *Stream) Generated() map[model.Outcome]int {
	out := map[model.Outcome]int{}
	for k, n := range g.kinds {
		out[k.want()] += n
	}
	return out
}

// Tickets is how many tickets the messages so far open.
func (g *Stream) Tickets() int { return len(g.tickets) }

// Next returns up to n more messages, with the outcome each should have.
func (g *Stream) Next(n int) ([]ingest.Input, []model.Outcome) {
	var ins []ingest.Input
	var wants []model.Outcome
	for ; len(ins) < n && !g.Done(); g.k++ {
		raw, k := g.message(g.k)
		g.kinds[k]++
		ins = append(ins, ingest.Input{Raw: raw, Mailbox: "fullstore"})
		wants = append(wants, k.want())
	}
	return ins, wants
}

// isNew says whether message k opens a ticket: the warm-up's all do, then
// exactly Tickets-Warmup of the rest, spread evenly.
func (g *Stream) isNew(k int) bool {
	w := g.sh.Warmup
	if k < w {
		return true
	}
	t, m := g.sh.Tickets-w, g.sh.Messages-w
	return (int64(k-w)*int64(t))%int64(m) < int64(t)
}

// NextPlan returns the next message with what it does; ok is false at
// the end.
func (g *Stream) NextPlan() (p Plan, ok bool) {
	if g.Done() {
		return Plan{}, false
	}
	raw, k := g.message(g.k)
	g.kinds[k]++
	g.k++
	g.plan.Raw, g.plan.Kind = raw, k
	return g.plan, true
}

// TicketPeople returns ticket i's organisation index, requester and CC
// (-1: none).
func (g *Stream) TicketPeople(i int) (org int, requester, cc int32) {
	t := g.tickets[i]
	return int(t.org), t.requester, t.cc
}

// Email returns user u's address.
func (g *Stream) Email(u int32) string { return g.email(u) }

// Users returns how many customers the shape has.
func (g *Stream) Users() int { return g.sh.Users }

// OrgOfUser returns the organisation index of user u.
func (g *Stream) OrgOfUser(u int32) int { return int(g.userOrg[u]) }

func (g *Stream) message(k int) ([]byte, kind) {
	date := Start.Add(time.Duration(k) * 2 * ClockStep)
	g.plan = Plan{Date: date, From: -1}
	if g.isNew(k) {
		return g.newTicket(k, date), kindNew
	}
	i := g.target()
	t := g.tickets[i]
	x := g.rng.Float64()
	switch {
	case x < 0.45 || (x < 0.55 && t.cc < 0):
		return g.customerReply(k, i, t.requester, date), kindReply
	case x < 0.55:
		return g.customerReply(k, i, t.cc, date), kindCCReply
	case x < 0.85:
		return g.staffMail(k, i, date, ""), kindStaffAnswer
	case x < 0.95:
		return g.staffMail(k, i, date, "#note\n"), kindStaffNote
	}
	return g.staffMail(k, i, date, "#status pending\n"), kindStaffStatus
}

// target picks the ticket a reply answers: mostly one opened recently (at
// least 50 tickets back, about 1,500 on average), sometimes any.
func (g *Stream) target() int {
	n := len(g.tickets)
	if g.rng.IntN(100) < 15 || n <= 60 {
		return g.rng.IntN(n)
	}
	back := 50 + int(g.rng.ExpFloat64()*1500)
	if back >= n {
		return g.rng.IntN(n)
	}
	return n - 1 - back
}

// ticketOf decides ticket i's organisation, requester and CC: every
// BigEvery-th is big's, the others go round the other organisations;
// requesters go round each organisation's users, so that nobody gets more
// than B2's automatic mails in an hour. One ticket in five has a colleague
// on its Cc, one in twenty someone of another organisation.
func (g *Stream) ticketOf(i int) ticketRec {
	org := 0
	pos := i / g.sh.BigEvery
	if i%g.sh.BigEvery != 0 {
		j := i - i/g.sh.BigEvery - 1
		org, pos = 1+j%(g.sh.Orgs-1), j/(g.sh.Orgs-1)
	}
	us := g.orgUsers[org]
	t := ticketRec{org: int32(org), requester: us[pos%len(us)], cc: -1}
	switch {
	case i%5 == 0 && len(us) > 1:
		t.cc = us[(pos+1)%len(us)]
	case i%20 == 7:
		c := int32((i * 7919) % g.sh.Users)
		if g.userOrg[c] != t.org {
			t.cc = c
		}
	}
	return t
}

func (g *Stream) openingID(i int) string { return fmt.Sprintf("t%d.%s@mail.example", i, g.tag) }

func (g *Stream) newTicket(k int, date time.Time) []byte {
	i := len(g.tickets)
	t := g.ticketOf(i)
	g.tickets = append(g.tickets, t)
	var b strings.Builder
	header(&b, g.email(t.requester), Support, date, g.openingID(i), subjectOf(i))
	if t.cc >= 0 {
		fmt.Fprintf(&b, "Cc: %s\r\n", g.email(t.cc))
	}
	text := fmt.Sprintf("Hello,\n\n%s since this morning (case %d).\n%s\nRegards,\nUser %d\n",
		problems[i%len(problems)], k, details[(i/7)%len(details)], t.requester)
	body(&b, text)
	g.plan.Ticket, g.plan.From, g.plan.MessageID, g.plan.Subject, g.plan.Body = i, t.requester, g.openingID(i), subjectOf(i), text
	return []byte(b.String())
}

func (g *Stream) customerReply(k, i int, from int32, date time.Time) []byte {
	var b strings.Builder
	id := fmt.Sprintf("r%d.%s@mail.example", k, g.tag)
	header(&b, g.email(from), Support, date, id, "Re: "+subjectOf(i))
	inReplyTo(&b, g.openingID(i))
	own := fmt.Sprintf("Thanks for looking into it. It happened again at %s.\n%s\n", date.Format("15:04"), details[(k/3)%len(details)])
	body(&b, fmt.Sprintf("%s\nOn %s, Support wrote:\n> %s\n> %s\n", own, date.Add(-time.Hour).Format(time.RFC1123Z),
		problems[i%len(problems)], details[i%len(details)]))
	g.plan.Ticket, g.plan.From, g.plan.MessageID, g.plan.Subject, g.plan.Body = i, from, id, "Re: "+subjectOf(i), own
	return []byte(b.String())
}

func (g *Stream) staffMail(k, i int, date time.Time, command string) []byte {
	from := Agent
	if k%4 == 0 {
		from = Owner
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Authentication-Results: %s; dkim=pass header.d=help.example; dmarc=pass header.from=help.example\r\n", AuthservID)
	id := fmt.Sprintf("s%d.%s@help.example", k, g.tag)
	header(&b, from, Support, date, id, "Re: "+subjectOf(i))
	inReplyTo(&b, g.openingID(i))
	text := fmt.Sprintf("Hello,\n\n%s\n\nBest,\n%s\n", answers[k%len(answers)], from)
	body(&b, command+text)
	g.plan.Ticket, g.plan.Staff, g.plan.MessageID, g.plan.Subject, g.plan.Body = i, from, id, "Re: "+subjectOf(i), text
	return []byte(b.String())
}

func header(b *strings.Builder, from, to string, date time.Time, id, subject string) {
	fmt.Fprintf(b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n",
		from, to, subject, date.Format(time.RFC1123Z), id)
}

func inReplyTo(b *strings.Builder, id string) {
	fmt.Fprintf(b, "In-Reply-To: <%s>\r\nReferences: <%s>\r\n", id, id)
}

func body(b *strings.Builder, text string) {
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(text, "\n", "\r\n"))
}

func subjectOf(i int) string { return fmt.Sprintf("%s (%d)", subjects[i%len(subjects)], i) }

var (
	subjects = []string{"Printer on fire", "VPN drops every hour", "Invoice is wrong", "Cannot sign in",
		"New laptop for Kari", "Mailbox full", "Scanner jammed", "Licence renewal", "Slow network", "Password reset"}
	problems = []string{"The printer on the second floor prints blank pages", "The VPN disconnects every hour",
		"Our last invoice lists two licences we cancelled", "Nobody in accounting can sign in",
		"The new laptop does not see the docking station", "My mailbox says it is full"}
	details = []string{"We restarted it twice and checked the cables; the error code is E-1042.",
		"It started after the update on Tuesday. Colleagues in the other office see the same.",
		"I attached nothing, but I can send screenshots if that helps.",
		"It is urgent: the quarterly report is due on Friday and we need it working."}
	answers = []string{"We have reproduced it and a fix is on its way; no action is needed on your side.",
		"Could you send us the exact time it happened, and the name of the machine?",
		"A technician will call you this afternoon to go through it together.",
		"This is a known issue with the latest update; the workaround is to restart the service."}
)
