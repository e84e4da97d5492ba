package fullstore

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/templates"
	"github.com/helpdesk-gw/helpdesk/threading"
)

// Clock is the simulated clock: each read is ClockStep after the one
// before. Safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock whose first read is start.
func NewClock(start time.Time) *Clock { return &Clock{t: start.Add(-ClockStep)} }

// Now steps the clock and returns its time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(ClockStep)
	return c.t
}

// NewPipeline returns the ingest pipeline the messages go through: the
// product's defaults, staff proven by AuthservID's Authentication-Results,
// under clock.
func NewPipeline(st *store.Store, clock func() time.Time) (*ingest.Pipeline, error) {
	tmpl, err := templates.Load("")
	if err != nil {
		return nil, fmt.Errorf("fullstore: load templates: %w", err)
	}
	addrs := threading.NewAddresses(Support, "", threading.NewSigner([]byte("fullstore benchmark secret, long enough")))
	return ingest.New(ingest.Options{Store: st, Addresses: addrs, Templates: tmpl, TrustedAuthservID: AuthservID,
		Clock: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}), nil
}

// Setup writes what mail does not make: the staff (an owner and an agent),
// the organisations with their domains ("big" access own, every tenth
// other one view), the partner's domain on its clients (O5), and the
// partner's users with A2 org membership in each client.
func Setup(ctx context.Context, st *store.Store, sh Shape) error {
	if err := sh.Validate(); err != nil {
		return err
	}
	err := st.InTx(ctx, func(tx *store.Tx) error {
		for _, s := range []model.User{{Email: Owner, Name: "Olivia Owner", StaffRole: model.RoleOwner},
			{Email: Agent, Name: "Sam Agent", StaffRole: model.RoleAgent}} {
			if err := tx.CreateUser(ctx, &s); err != nil {
				return err
			}
		}
		orgs := make([]model.Organisation, sh.Orgs)
		for i := range orgs {
			slug, acc := orgSlug(i), model.OrgAccessOwn
			if i > 1 && i%10 == 0 {
				acc = model.OrgAccessView
			}
			orgs[i] = model.Organisation{Slug: slug, Name: "Org " + slug, Access: acc, Domains: []model.Domain{{Name: slug + ".example"}}}
			if err := tx.CreateOrg(ctx, &orgs[i]); err != nil {
				return err
			}
		}
		for i := 2; i < 2+sh.Clients; i++ {
			if err := tx.AddOrgDomain(ctx, orgs[i].ID, model.Domain{Name: "partner.example"}); err != nil {
				return err
			}
		}
		return setupPartners(ctx, tx, sh, orgs)
	})
	if err != nil {
		return fmt.Errorf("fullstore: set up organisations and staff: %w", err)
	}
	return nil
}

// setupPartners makes the partner's users, members of the partner by
// their domain and of each client with A2 org.
func setupPartners(ctx context.Context, tx *store.Tx, sh Shape, orgs []model.Organisation) error {
	g := &Stream{sh: sh, userOrg: make([]int32, sh.Users)}
	for u := range sh.Users {
		g.userOrg[u] = int32(orgOfUser(sh, u))
	}
	for u := sh.BigMembers; u < sh.BigMembers+partnerUsers; u++ {
		usr := model.User{Email: g.email(int32(u)), Name: fmt.Sprintf("Partner %d", u-sh.BigMembers)}
		if err := tx.CreateUser(ctx, &usr); err != nil {
			return err
		}
		ms := []model.Membership{{UserID: usr.ID, OrgID: orgs[1].ID, Access: model.MemberAccessOwn, Source: model.SourceDomain}}
		for i := 2; i < 2+sh.Clients; i++ {
			ms = append(ms, model.Membership{UserID: usr.ID, OrgID: orgs[i].ID, Access: model.MemberAccessOrg, Source: model.SourceAdmin})
		}
		for _, m := range ms {
			if err := tx.UpsertMembership(ctx, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// Report is what Seed did.
type Report struct {
	Shape    Shape
	Setup    time.Duration // organisations, staff, partners
	Ingest   time.Duration // every message through IngestBatch
	Outcomes map[model.Outcome]int
	Wrong    int      // messages whose outcome was not the one meant
	Examples []string // a few of them
	Tickets  int      // tickets the stream opened
}

// Rate is the messages ingested per second.
func (r Report) Rate() float64 { return float64(r.Shape.Messages) / r.Ingest.Seconds() }

// Seed fills st, a fresh store opened with clock (store.Options.Clock),
// with sh: Setup, then sh.Messages messages from seed through one
// pipeline's IngestBatch, sh.Batch at a time, the next batch prepared
// (ingest.Pipeline.Prepare) while one is recorded, as the IMAP poller
// does. progress, if set, is called after each batch.
func Seed(ctx context.Context, st *store.Store, clock *Clock, sh Shape, seed uint64, progress func(done int, took time.Duration)) (Report, error) {
	r := Report{Shape: sh, Outcomes: map[model.Outcome]int{}}
	start := time.Now()
	if err := Setup(ctx, st, sh); err != nil {
		return r, err
	}
	r.Setup = time.Since(start)
	stream, err := NewStream(sh, seed, "fs", false)
	if err != nil {
		return r, err
	}
	p, err := NewPipeline(st, clock.Now)
	if err != nil {
		return r, err
	}
	start = time.Now()
	err = Ingest(ctx, p, stream, sh.Batch, &r, progress)
	r.Ingest = time.Since(start)
	r.Tickets = stream.Tickets()
	if err != nil {
		return r, err
	}
	if r.Wrong*200 > sh.Messages {
		return r, fmt.Errorf("fullstore: %d of %d messages had another outcome than meant, e.g. %v", r.Wrong, sh.Messages, r.Examples)
	}
	return r, nil
}

// batch is one batch of a stream with the outcomes meant.
type batch struct {
	ins   []ingest.Input
	wants []model.Outcome
}

// Ingest records the rest of stream through p, n messages a batch, the
// next batch generated and prepared while one is recorded, and counts the
// outcomes into r.
func Ingest(ctx context.Context, p *ingest.Pipeline, stream *Stream, n int, r *Report, progress func(done int, took time.Duration)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan batch, 1)
	go func() {
		defer close(next)
		for !stream.Done() {
			ins, wants := stream.Next(n)
			p.Prepare(ins)
			select {
			case next <- batch{ins, wants}:
			case <-ctx.Done():
				return
			}
		}
	}()
	start, done := time.Now(), 0
	for b := range next {
		res, err := p.IngestBatch(ctx, b.ins, nil)
		if err != nil {
			return fmt.Errorf("fullstore: ingest messages %d to %d: %w", done, done+len(b.ins), err)
		}
		for i, x := range res {
			r.Outcomes[x.Outcome]++
			if x.Outcome != b.wants[i] {
				r.Wrong++
				if len(r.Examples) < 5 {
					r.Examples = append(r.Examples, fmt.Sprintf("message %d: %s (%s), meant %s", done+i, x.Outcome, x.Reason, b.wants[i]))
				}
			}
		}
		done += len(b.ins)
		if progress != nil {
			progress(done, time.Since(start))
		}
	}
	return ctx.Err()
}
