// Package fullstore fills a store with a helpdesk at full size (issue 20.4),
// reproducibly, through the store's own code: the organisations, staff and
// partner memberships with store transactions, then every message through
// ingest.Pipeline.IngestBatch, as the IMAP poller records mail (deferred
// writes, prefetched reads), under a simulated clock that steps a few
// seconds each time it is read, so that B2's acknowledgement limit never
// holds mail back and the data has the same shape on every run.
//
// The same Shape and seed give the same messages, byte for byte; on a
// fresh database they give the same rows. Seed fails when a message does
// not have the outcome the generator meant for it (more than a few in a
// thousand), so that a change in the rules cannot quietly change the
// shape.
//
// It is for benchmarks only: nothing in the product imports it.
package fullstore

import (
	"fmt"
	"time"
)

// Shape is the size of the store to fill.
type Shape struct {
	Messages   int // messages ingested, new tickets and replies
	Tickets    int // of them, messages that open a ticket
	Orgs       int // organisations: "big", "partner" and the rest
	Users      int // customers who write, big's members and the partner's users included
	BigMembers int // users of big.example, members of "big" (O3)
	BigEvery   int // every BigEvery-th ticket is big's
	Clients    int // organisations carrying the partner's domain (O5), whose users the partner's have A2 org in
	Batch      int // messages per IngestBatch
	Warmup     int // first messages that all open tickets (replies need tickets to answer)
}

// Full is issue 20's full store: 1,000,000 messages, 300,000 tickets,
// 60,000 users, 2,000 organisations, "big" with 50,000 tickets and 5,000
// members, a partner on 20 clients.
func Full() Shape {
	return Shape{Messages: 1_000_000, Tickets: 300_000, Orgs: 2000, Users: 60_000, BigMembers: 5000, BigEvery: 6,
		Clients: 20, Batch: 500, Warmup: 2000}
}

// Scaled is Full with every count divided by div (at least 1 each), for a
// quick run of the same shape.
func Scaled(div int) Shape {
	f := Full()
	d := func(n int) int { return max(1, n/div) }
	return Shape{Messages: d(f.Messages), Tickets: d(f.Tickets), Orgs: max(f.Clients+3, d(f.Orgs)), Users: d(f.Users),
		BigMembers: d(f.BigMembers), BigEvery: f.BigEvery, Clients: f.Clients, Batch: f.Batch, Warmup: d(f.Warmup)}
}

// Validate reports a shape the generator cannot make.
func (s Shape) Validate() error {
	switch {
	case s.Tickets <= 0 || s.Tickets > s.Messages:
		return fmt.Errorf("fullstore: %d tickets of %d messages", s.Tickets, s.Messages)
	case s.Warmup > s.Tickets:
		return fmt.Errorf("fullstore: warm-up of %d above %d tickets", s.Warmup, s.Tickets)
	case s.Orgs < s.Clients+3:
		return fmt.Errorf("fullstore: %d organisations for %d clients", s.Orgs, s.Clients)
	case s.BigEvery < 2 || s.Batch <= 0:
		return fmt.Errorf("fullstore: BigEvery %d, Batch %d", s.BigEvery, s.Batch)
	case s.Users < s.BigMembers+partnerUsers+(s.Orgs-2)*2:
		return fmt.Errorf("fullstore: %d users for %d big members and %d organisations", s.Users, s.BigMembers, s.Orgs)
	}
	return nil
}

// The names the benchmarks use.
const (
	BigSlug      = "big"                 // the organisation with BigEvery's share of tickets
	PartnerSlug  = "partner"             // the partner (O5)
	Owner        = "olivia@help.example" // the owner
	Agent        = "sam@help.example"    // an agent
	Support      = "support@help.example"
	AuthservID   = "mx.help.example" // the trusted authserv-id (P1 a): staff mail carries its dmarc=pass
	Partner      = "pat@partner.example"
	BigMember    = "u1@big.example"
	partnerUsers = 10
)

// Start is the simulated time of the first message; the clock steps
// ClockStep each time the pipeline or the store reads it.
var Start = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

// ClockStep is how far the simulated clock moves on each read.
const ClockStep = 5 * time.Second
