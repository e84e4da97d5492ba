package admin_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// TestR1_W5_QueueEqualsItsFilters builds a random world of tickets (status,
// priority, type, organisation, requester, assignee, team, last activity
// with ties) and checks that every view of the console's queue, with each
// filter, walked page by page, lists exactly the tickets a person would
// pick out by hand, newest activity first, none twice, and that the
// counts say how many there are. Only staff get a queue (R1).
func TestR1_W5_QueueEqualsItsFilters(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.withStaff()
		f.org("acme", model.OrgAccessOwn, "acme.example")
		f.org("beta", model.OrgAccessOwn, "beta.example")
		f.ok(f.svc.TeamAdd(f.ctx, as(boss), "billing", "Billing", nil, nil))
		f.ok(f.svc.TeamAdd(f.ctx, as(boss), "tech", "Tech", nil, nil))
		f.ok(f.svc.TeamMember(f.ctx, as(boss), "billing", agent, true))
		requesters := []string{"ann@acme.example", "bob@beta.example", "cy@else.example"}
		for _, r := range requesters {
			f.user(r)
		}
		ids := map[string]int64{}
		for _, e := range append([]string{owner, boss, agent}, requesters...) {
			u, err := f.st.UserByEmail(f.ctx, e)
			f.ok(err)
			ids[e] = u.ID
		}
		teams := map[string]int64{}
		for _, slug := range []string{"billing", "tech"} {
			tm, err := f.st.TeamBySlug(f.ctx, slug)
			f.ok(err)
			teams[slug] = tm.ID
		}
		acme, err := f.st.OrgBySlug(f.ctx, "acme")
		f.ok(err)
		beta, err := f.st.OrgBySlug(f.ctx, "beta")
		f.ok(err)

		r := rand.New(rand.NewPCG(18, 5))
		pick := func(n int) int { return r.IntN(n) }
		statuses := []model.Status{model.StatusOpen, model.StatusPending, model.StatusSolved, model.StatusClosed}
		priorities := []model.Priority{model.PriorityLow, model.PriorityNormal, model.PriorityHigh, model.PriorityUrgent}
		types := []model.TicketType{model.TypeQuestion, model.TypeIncident, model.TypeChange, model.TypeProblem}
		var all []model.Ticket
		f.ok(f.st.InTx(f.ctx, func(tx *store.Tx) error {
			for i := range 90 {
				tk := model.Ticket{Subject: fmt.Sprintf("ticket %d %s", i, []string{"Printer", "invoice", "VPN"}[pick(3)]),
					Status: statuses[pick(4)], Priority: priorities[pick(4)], Type: types[pick(4)],
					RequesterID: ids[requesters[pick(3)]],
					// ties on purpose: keyset paging must order them by id
					UpdatedAt: time.Date(2026, 12, 1, 9, pick(20), 0, 0, time.UTC)}
				tk.CreatedAt = tk.UpdatedAt.Add(-time.Hour)
				switch pick(3) {
				case 0:
					tk.OrgID = acme.ID
				case 1:
					tk.OrgID = beta.ID
				}
				switch pick(3) {
				case 0:
					tk.AssigneeID = ids[agent]
				case 1:
					tk.AssigneeID = ids[boss]
				}
				switch pick(3) {
				case 0:
					tk.TeamID = teams["billing"]
				case 1:
					tk.TeamID = teams["tech"]
				}
				if err := tx.CreateTicket(f.ctx, &tk); err != nil {
					return err
				}
				all = append(all, tk)
			}
			return nil
		}))
		sort.Slice(all, func(i, j int) bool {
			if !all[i].UpdatedAt.Equal(all[j].UpdatedAt) {
				return all[i].UpdatedAt.After(all[j].UpdatedAt)
			}
			return all[i].ID > all[j].ID
		})

		type query struct {
			q    admin.QueueQuery
			keep func(model.Ticket) bool
		}
		inView := map[string]func(model.Ticket) bool{
			"unassigned": func(t model.Ticket) bool {
				return t.AssigneeID == 0 && (t.TeamID == 0 || t.TeamID == teams["billing"])
			},
			"mine": func(t model.Ticket) bool { return t.AssigneeID == ids[agent] },
			"team": func(t model.Ticket) bool { return t.TeamID == teams["tech"] },
			"all":  func(model.Ticket) bool { return true },
		}
		var queries []query
		for view, keep := range inView {
			base := admin.QueueQuery{View: view, Limit: 7}
			if view == "team" {
				base.Team = "tech"
			}
			add := func(edit func(*admin.QueueQuery), also func(model.Ticket) bool) {
				q := base
				edit(&q)
				queries = append(queries, query{q, func(t model.Ticket) bool { return keep(t) && also(t) }})
			}
			add(func(*admin.QueueQuery) {}, func(model.Ticket) bool { return true })
			add(func(q *admin.QueueQuery) { q.Status = "pending" }, func(t model.Ticket) bool { return t.Status == model.StatusPending })
			add(func(q *admin.QueueQuery) { q.Priority = "urgent" }, func(t model.Ticket) bool { return t.Priority == model.PriorityUrgent })
			add(func(q *admin.QueueQuery) { q.Type = "incident" }, func(t model.Ticket) bool { return t.Type == model.TypeIncident })
			add(func(q *admin.QueueQuery) { q.Org = "acme" }, func(t model.Ticket) bool { return t.OrgID == acme.ID })
			add(func(q *admin.QueueQuery) { q.Org = "none" }, func(t model.Ticket) bool { return t.OrgID == 0 })
			add(func(q *admin.QueueQuery) { q.Requester = "BOB@beta.example" }, func(t model.Ticket) bool { return t.RequesterID == ids["bob@beta.example"] })
			add(func(q *admin.QueueQuery) { q.Requester = "nobody@else.example" }, func(model.Ticket) bool { return false })
			add(func(q *admin.QueueQuery) { q.Text = "invoice" }, func(t model.Ticket) bool { return strings.Contains(t.Subject, "invoice") })
			add(func(q *admin.QueueQuery) { q.Status, q.Org = "open", "beta" }, func(t model.Ticket) bool {
				return t.Status == model.StatusOpen && t.OrgID == beta.ID
			})
		}
		for _, c := range queries {
			var want []int64
			for _, tk := range all {
				if c.keep(tk) {
					want = append(want, tk.ID)
				}
			}
			var got []int64
			q := c.q
			var first admin.QueuePage
			for page := 0; ; page++ {
				p, err := f.svc.Queue(f.ctx, agent, q)
				f.ok(err)
				if page == 0 {
					first = p
				}
				for _, tv := range p.Tickets {
					got = append(got, tv.ID)
				}
				if p.Next == "" || page > 20 {
					break
				}
				q.After = p.Next
			}
			if !slices.Equal(got, want) {
				t.Errorf("queue %+v:\n got %v\nwant %v", c.q, got, want)
			}
			if c.q.Requester != "nobody@else.example" {
				if n := first.Counts[c.q.View]; c.q.View != "team" && n != len(want) {
					t.Errorf("queue %+v: count %d, want %d", c.q, n, len(want))
				}
				if n := first.Counts["team:tech"]; c.q.View == "team" && n != len(want) {
					t.Errorf("queue %+v: team count %d, want %d", c.q, n, len(want))
				}
			}
		}

		// R1: the queue is staff's; an end-user is refused, whatever they ask.
		if _, err := f.svc.Queue(f.ctx, "ann@acme.example", admin.QueueQuery{View: "all"}); !errors.Is(err, admin.ErrRefused) {
			t.Errorf("an end-user asked for the queue: %v, want refused (R1)", err)
		}
		if _, err := f.svc.Queue(f.ctx, agent, admin.QueueQuery{View: "team", Team: "nope"}); !errors.Is(err, admin.ErrUsage) {
			t.Errorf("unknown team: %v, want a usage error", err)
		}
	})
}
