package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/authres"
	"github.com/helpdesk-gw/helpdesk/autoreply"
	"github.com/helpdesk-gw/helpdesk/message"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/threading"
	"github.com/helpdesk-gw/helpdesk/ticket"
)

// run is the processing of one message inside its transaction.
type run struct {
	p     *Pipeline
	tx    *store.Tx
	facts *access.Facts
	in    Input
	hash  string
	now   time.Time
	pre   *parsed // the message parsed before the transaction (a batch), or nil

	msg     *message.Message
	raw     *model.RawMessage
	targets []threading.Target // helpdesk addresses the message was sent to
	class   autoreply.Classification
	proof   policy.Proof
	res     Result
	// act carries out the acts on tickets (package ticket); its Actor is
	// the sender (User nil until they are a user), its Notes what the
	// sender is told was ignored and why (P3, I8), its Rules the rule ids
	// of the outcome.
	act *ticket.Act
	// released is the staff member releasing the message from quarantine
	// (Pipeline.Release), nil otherwise.
	released *model.User

	inboundRecorded bool // the Message-ID is recorded on the ticket
	internal        bool // the message is an internal note (I7): its Message-ID is kept from end-users (N6)
}

func (r *run) rules(ids ...string) { r.act.Rule(ids...) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// process decides the outcome and writes it.
func (r *run) process(ctx context.Context) (Result, error) {
	if err := r.parse(ctx); err != nil {
		return r.result(), err
	}
	if r.res.Outcome == "" {
		if err := r.decide(ctx); err != nil {
			return r.result(), err
		}
	}
	err := r.finish(ctx)
	return r.result(), err
}

// result is the outcome with what the acts recorded.
func (r *run) result() Result {
	r.res.Rules, r.res.Notified = r.act.Rules, r.act.Notified
	return r.res
}

// parse reads the message and keeps the raw bytes; an unreadable message
// or a duplicate ends here with its outcome set.
func (r *run) parse(ctx context.Context) error {
	r.raw = &model.RawMessage{SHA256: r.hash, Raw: r.in.Raw, Size: int64(len(r.in.Raw)), Mailbox: r.in.Mailbox, ReceivedAt: r.now}
	if first, err := r.tx.RawMetaBySHA256(ctx, r.hash); err == nil {
		return r.duplicate(ctx, first, "same bytes as message "+fmt.Sprint(first.ID), true)
	} else if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("look up message hash: %w", err)
	}
	if r.in.Failed != "" {
		r.res.Outcome, r.res.Reason = model.OutcomeFailed, r.in.Failed
		r.rawHeaderOnly()
		return r.insertRaw(ctx)
	}
	size, max := int64(len(r.in.Raw)), r.p.maxBytes(r.in)
	headerOnly := r.in.Size > size
	if headerOnly {
		size = r.in.Size
	}
	if (max > 0 && size > max) || headerOnly {
		r.raw.Size = size
		r.res.Outcome = model.OutcomeFailed
		r.res.Reason = fmt.Sprintf("too large: %d bytes, the limit is %d", size, max)
		r.rawHeaderOnly()
		return r.insertRaw(ctx)
	}
	msg, err := r.parseMessage()
	if err != nil && !r.bounceWithoutFrom(msg, err) {
		r.res.Outcome, r.res.Reason = model.OutcomeFailed, err.Error()
		if msg != nil {
			r.raw.MessageID, r.raw.Subject = msg.MessageID, truncate(msg.Subject, 998)
		}
		return r.insertRaw(ctx)
	}
	r.msg = msg
	r.res.Warnings = msg.Warnings
	r.raw.MessageID, r.raw.From, r.raw.Subject = msg.MessageID, msg.From.Email, truncate(msg.Subject, 998)
	if msg.MessageID != "" {
		// duplicate: a Message-ID already seen from the same sender, whatever
		// became of it (a rejected message sent again is still a duplicate).
		first, err := r.tx.RawByMessageID(ctx, msg.MessageID, msg.From.Email)
		if err == nil {
			return r.duplicate(ctx, first, "Message-ID already seen from this sender", false)
		} else if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("look up Message-ID: %w", err)
		}
	}
	return r.insertRaw(ctx)
}

// maxBytes is the size limit of in: its own, else the pipeline's.
func (p *Pipeline) maxBytes(in Input) int64 {
	if in.MaxBytes > 0 {
		return in.MaxBytes
	}
	return p.opts.MaxBytes
}

// parseMessage parses the message, unless it was parsed before.
func (r *run) parseMessage() (*message.Message, error) {
	if r.pre != nil {
		return r.pre.msg, r.pre.err
	}
	return message.Parse(r.in.Raw, r.p.opts.Parse)
}

// replyText is what the sender wrote, quotes trimmed (message.Reply),
// computed once.
func (r *run) replyText() string {
	if r.pre != nil && r.pre.replied {
		return r.pre.reply
	}
	return r.msg.Reply()
}

// bounceWithoutFrom reports whether a message with no usable From address
// is a bounce (MAILER-DAEMON and <> senders often have none): B3 decides
// its outcome then, not "failed".
func (r *run) bounceWithoutFrom(msg *message.Message, err error) bool {
	if msg == nil || !errors.Is(err, message.ErrNoFrom) {
		return false
	}
	return autoreply.Classify(headerOf(msg), string(rawBody(r.in.Raw)), "").Kind == autoreply.Bounce
}

// rawHeaderOnly fills what can be read of a message too large to parse.
func (r *run) rawHeaderOnly() {
	head := r.in.Raw
	if i := bytes.Index(head, []byte("\n\n")); i >= 0 {
		head = head[:i]
	} else if i := bytes.Index(head, []byte("\r\n\r\n")); i >= 0 {
		head = head[:i]
	}
	if len(head) > 64<<10 {
		head = head[:64<<10]
	}
	if m, err := message.Parse(append(append([]byte{}, head...), "\r\n\r\n"...), message.Options{}); err == nil {
		r.raw.MessageID, r.raw.From, r.raw.Subject = m.MessageID, m.From.Email, truncate(m.Subject, 998)
	}
}

// duplicate records the message as a duplicate of first. The bytes of a
// duplicate by Message-ID differ from the first's and are kept; those of
// a same-bytes duplicate are not stored twice (it points at the first).
func (r *run) duplicate(ctx context.Context, first model.RawMessage, reason string, sameBytes bool) error {
	r.res.Outcome, r.res.Reason, r.res.TicketID = model.OutcomeDuplicate, reason, first.TicketID
	r.res.OriginalOutcome = first.Outcome
	r.raw.DuplicateOf = first.ID
	if sameBytes {
		r.raw.Raw = nil
	}
	r.raw.MessageID, r.raw.From, r.raw.Subject = first.MessageID, first.From, first.Subject
	return r.insertRaw(ctx)
}

func (r *run) insertRaw(ctx context.Context) error {
	r.raw.Outcome, r.raw.Reason = r.res.Outcome, r.res.Reason
	if r.raw.Outcome == "" {
		r.raw.Outcome = model.OutcomeFailed // placeholder until finish sets the outcome
		r.raw.Reason = "processing"
	}
	if err := r.tx.InsertRaw(ctx, r.raw); err != nil {
		return fmt.Errorf("keep raw message: %w", err)
	}
	r.res.RawID = r.raw.ID
	return nil
}

// finish writes the outcome onto the raw message.
func (r *run) finish(ctx context.Context) error {
	if r.res.Outcome == model.OutcomeDuplicate || (r.msg == nil && r.res.Outcome == model.OutcomeFailed) {
		return nil // written as inserted
	}
	if err := r.tx.SetRawOutcome(ctx, r.raw.ID, r.res.Outcome, truncate(r.res.Reason, 500), r.act.Rules, r.res.TicketID); err != nil {
		return fmt.Errorf("record outcome: %w", err)
	}
	if r.res.TicketID != 0 && r.res.Outcome != model.OutcomeRejected {
		return r.recordInbound(ctx, r.res.TicketID)
	}
	return nil
}

// recordInbound records the message's Message-ID on the ticket (I1 1),
// once. The comment paths call it before queueing notifications, so that
// their References start with the thread's root.
func (r *run) recordInbound(ctx context.Context, ticketID int64) error {
	if r.inboundRecorded || r.msg == nil || r.msg.MessageID == "" {
		return nil
	}
	dir := store.Inbound
	if r.internal {
		dir = store.InboundNote // N6: never named to end-users
	}
	inserted, err := r.tx.RecordMessageID(ctx, ticketID, r.msg.MessageID, dir, r.msg.From.Email, 0)
	if err != nil {
		return fmt.Errorf("record Message-ID: %w", err)
	}
	r.inboundRecorded = true
	if !inserted && r.res.Outcome != model.OutcomeAutoReply && r.res.Outcome != model.OutcomeBounce {
		// Another process recorded the same message since we looked:
		// roll back and run again, which finds the duplicate.
		return errRaced
	}
	return nil
}

// decide runs the checks of the rule book in order.
func (r *run) decide(ctx context.Context) error {
	m := r.msg
	r.targets = r.helpdeskTargets()
	// B2: the helpdesk never answers itself.
	if r.p.opts.Addresses.IsOwn(m.From.Email) || r.p.opts.Addresses.Signer.IsOwnMessageID(m.MessageID) {
		r.set(model.OutcomeIgnoredLoop, "sent by the helpdesk itself", "B2")
		return nil
	}
	if r.pre != nil && r.pre.classified {
		r.class = r.pre.class
	} else {
		r.class = autoreply.ClassifyParsed(headerOf(m), rawBody(r.in.Raw), parsedOf(m), "")
	}
	r.act.Mail = r.mailFacts()
	if r.class.Kind == autoreply.Bounce {
		return r.bounce(ctx)
	}
	if r.class.Kind == autoreply.AutoReply {
		return r.autoReply(ctx)
	}
	if err := r.loadSender(ctx); err != nil {
		return err
	}
	ar := authres.Evaluate(headerOf(m), r.p.opts.TrustedAuthservID, model.EmailDomain(m.From.Email))
	if ar.Verdict == authres.DMARCFail { // P2
		r.set(model.OutcomeRejected, "DMARC failed for the sender's domain", "P2")
		return nil
	}
	r.proof = policy.Proof{TrustedIDConfigured: r.p.opts.TrustedAuthservID != "", AuthResults: ar.Verdict == authres.Proven}
	match, err := threading.Resolve(ctx, threading.Input{InReplyTo: m.InReplyTo, References: m.References,
		Targets: r.targets, Subject: m.Subject}, lookup{r.tx})
	if err != nil {
		return err
	}
	r.proof.Token = r.tokenProves(match)
	r.act.Actor.Proven = r.proof.Proven()
	if r.act.Actor.Person.IsStaff() {
		r.act.Actor.Proven = r.proof.StaffProven() // I9
	}
	return r.route(ctx, match)
}

func (r *run) set(o model.Outcome, reason string, rules ...string) {
	r.res.Outcome, r.res.Reason = o, reason
	r.rules(rules...)
}

// helpdeskTargets lists the helpdesk's addresses among the recipients.
func (r *run) helpdeskTargets() []threading.Target {
	var out []threading.Target
	seen := map[string]bool{}
	add := func(email string) {
		if seen[email] {
			return
		}
		seen[email] = true
		if t, ok := r.p.opts.Addresses.Classify(email); ok {
			out = append(out, t)
		}
	}
	for _, a := range r.msg.To {
		add(a.Email)
	}
	for _, a := range r.msg.Cc {
		add(a.Email)
	}
	for _, e := range r.msg.DeliveredTo {
		add(e)
	}
	return out
}

// tokenProves: the mail went to a valid reply token of the matched ticket
// issued to the From address (P1 b, T2); a staff token proves nothing once
// its holder stopped being staff.
func (r *run) tokenProves(m threading.Match) bool {
	for _, t := range r.targets {
		tok := t.Reply
		if tok == nil || (m.TicketID != 0 && tok.TicketID != m.TicketID) {
			continue
		}
		if !tok.IssuedTo(r.p.opts.Addresses.Signer, r.msg.From.Email) {
			continue
		}
		if tok.Staff && !r.act.Actor.Person.IsStaff() {
			continue // T2
		}
		return true
	}
	return false
}

// loadSender builds the sender's policy view (O3 for non-users).
func (r *run) loadSender(ctx context.Context) error {
	p, u, err := r.facts.Person(ctx, r.msg.From.Email)
	if err != nil {
		return err
	}
	if p.Name == "" {
		p.Name = r.msg.From.Name
	}
	r.act.Actor.Person, r.act.Actor.User = p, u
	return nil
}

// mailFacts is what the acts need to know of the message (N4, N6, B1).
func (r *run) mailFacts() *ticket.Mail {
	m := &ticket.Mail{MessageID: r.msg.MessageID, Recipients: r.recipientsOfMail(), Names: map[string]string{}}
	for _, list := range [][]message.Address{r.msg.To, r.msg.Cc} {
		for _, a := range list {
			if _, ok := m.Names[a.Email]; !ok && a.Name != "" {
				m.Names[a.Email] = a.Name
			}
		}
	}
	if r.class.Kind != autoreply.None {
		m.Automatic = r.class.Kind.String()
	}
	return m
}

// route sends the message down the path I1–I9 choose.
func (r *run) route(ctx context.Context, match threading.Match) error {
	if r.act.Actor.Person.IsStaff() && !r.proof.StaffProven() {
		return r.rejectUnprovenStaff(ctx, match)
	}
	if r.in.NewTicketOnly {
		return r.newTicket(ctx)
	}
	if match.TicketID == 0 {
		if f := r.followTarget(); f != nil {
			match = threading.Match{TicketID: f.TicketID, Via: threading.ViaToken}
		}
	}
	if match.TicketID == 0 {
		return r.newTicket(ctx)
	}
	view, err := r.facts.Ticket(ctx, match.TicketID)
	if err != nil {
		return err
	}
	rights := policy.Rights(r.act.Actor.Person, view.Facts)
	if f := r.followTarget(); f != nil && f.TicketID == view.Ticket.ID && !rights.Comment && rights.View {
		return r.followOnly(ctx, view)
	}
	if match.Via == threading.ViaSubject && !rights.Comment {
		// I1 (3): a subject token only counts for someone who may comment.
		r.rules("I1")
		return r.newTicket(ctx)
	}
	r.rules("I1")
	return r.reply(ctx, view, rights)
}

func (r *run) followTarget() *threading.ReplyToken {
	for _, t := range r.targets {
		if t.Follow != nil {
			return t.Follow
		}
	}
	return nil
}

// lookup adapts the store transaction to threading.Lookup.
type lookup struct{ tx *store.Tx }

func (l lookup) TicketByMessageIDs(ctx context.Context, ids []string) (int64, error) {
	id, err := l.tx.TicketByMessageIDs(ctx, ids)
	if errors.Is(err, store.ErrNotFound) {
		return 0, threading.ErrNoTicket
	}
	return id, err
}

func (l lookup) TicketExists(ctx context.Context, id int64) (bool, error) {
	_, err := l.tx.TicketByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// requestedOrg is the organisation named by the address or subject (I3).
func (r *run) requestedOrg() string {
	for _, t := range r.targets {
		if t.OrgSlug != "" {
			return t.OrgSlug
		}
	}
	return threading.SubjectOrg(r.msg.Subject)
}

func (r *run) notedIgnored(format string, args ...any) { r.act.Ignored(format, args...) }

// errRaced rolls back a message another process ingested at the same time.
var errRaced = errors.New("message recorded concurrently by another process")
