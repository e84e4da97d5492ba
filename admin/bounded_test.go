package admin_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
)

// world is a random helpdesk: organisations, users, memberships, tickets,
// CCs and staff, built through the admin service and the store.
type world struct {
	f     *fixture
	pcg   *rand.PCG
	r     *rand.Rand
	orgs  []string
	users []string
}

var worldDomains = []string{"a.com", "b.com", "c.net", "d.org", "*.e.com"}

// userDomains are the domains of users' addresses: some match the
// organisations' domains, one only by the wildcard, one nothing (O7).
var userDomains = []string{"a.com", "b.com", "c.net", "d.org", "x.e.com", "nowhere.example"}

func (w *world) pick(list []string) string { return list[w.r.IntN(len(list))] }

func (w *world) access() model.OrgAccess {
	return []model.OrgAccess{model.OrgAccessOwn, model.OrgAccessView, model.OrgAccessComment}[w.r.IntN(3)]
}

func (w *world) newUser() string {
	e := fmt.Sprintf("u%d@%s", len(w.users), w.pick(userDomains))
	w.users = append(w.users, e)
	return e
}

func (w *world) build() {
	f := w.f
	f.withStaff()
	w.users = append(w.users, boss, agent)
	for i := range 4 {
		slug := fmt.Sprintf("org%d", i)
		doms := []string{w.pick(worldDomains)}
		if w.r.IntN(2) == 0 {
			doms = append(doms, w.pick(worldDomains))
		}
		f.org(slug, w.access(), doms...)
		w.orgs = append(w.orgs, slug)
	}
	for range 12 {
		var orgs []string
		if w.r.IntN(3) == 0 {
			orgs = append(orgs, w.pick(w.orgs))
		}
		f.user(w.newUser(), orgs...)
	}
	for range 25 {
		w.addTicket()
	}
}

// addTicket opens a ticket by a random user in a random organisation (or
// none), with a few CCs and maybe an assignee.
func (w *world) addTicket() {
	f := w.f
	slug := ""
	if w.r.IntN(5) > 0 {
		slug = w.pick(w.orgs)
	}
	id := f.ticket(w.pick(w.users), slug)
	for range w.r.IntN(3) {
		f.cc(id, w.pick(w.users), owner)
	}
	if w.r.IntN(4) == 0 {
		f.assign(id, agent)
	}
}

// change makes one random access-changing act with req.
func (w *world) change(req admin.Request) (string, admin.Outcome, error) {
	s, ctx := w.f.svc, w.f.ctx
	org, user := w.pick(w.orgs), w.pick(w.users)
	switch w.r.IntN(9) {
	case 0:
		acc := w.access()
		o, err := s.OrgSet(ctx, req, org, admin.OrgSettings{Access: acc})
		return fmt.Sprintf("org set %s --access %s", org, acc), o, err
	case 1:
		acc := []model.MemberAccess{"", model.MemberAccessOwn, model.MemberAccessOrg}[w.r.IntN(3)]
		var follow *bool
		if w.r.IntN(3) == 0 {
			b := w.r.IntN(2) == 0
			follow = &b
		}
		o, err := s.MemberSet(ctx, req, user, org, acc, follow)
		return fmt.Sprintf("member set %s %s --access %q --follow-all %v", user, org, acc, follow), o, err
	case 2:
		o, err := s.MemberRemove(ctx, req, user, org)
		return fmt.Sprintf("member remove %s %s", user, org), o, err
	case 3:
		d := w.pick(worldDomains)
		o, err := s.DomainAdd(ctx, req, org, d, false)
		return fmt.Sprintf("org domain add %s %s", org, d), o, err
	case 4:
		d := w.pick(worldDomains)
		o, err := s.DomainRemove(ctx, req, org, d)
		return fmt.Sprintf("org domain remove %s %s", org, d), o, err
	case 5:
		o, err := s.OrgSync(ctx, req, org)
		return "org sync " + org, o, err
	case 6:
		role := []model.StaffRole{model.RoleNone, model.RoleAgent, model.RoleAdmin}[w.r.IntN(3)]
		action := "staff.set"
		if role == model.RoleNone {
			action = "staff.remove"
		}
		o, err := s.StaffSet(ctx, req, user, role, action)
		return fmt.Sprintf("%s %s %q", action, user, role), o, err
	case 7:
		if w.r.IntN(2) == 0 {
			user = w.newUser()
		}
		var orgs []string
		if w.r.IntN(2) == 0 {
			orgs = append(orgs, org)
		}
		o, err := s.UserAdd(ctx, req, user, "", orgs)
		return fmt.Sprintf("user add %s %v", user, orgs), o, err
	default:
		slug := fmt.Sprintf("org%d", len(w.orgs))
		o, err := s.OrgAdd(ctx, req, slug, admin.OrgSettings{Access: w.access()}, []string{w.pick(worldDomains)}, false)
		if err == nil && !req.DryRun {
			w.orgs = append(w.orgs, slug)
		}
		return "org add " + slug, o, err
	}
}

// TestBounded_A1_A2_O4_R1_RandomWorlds checks, on random worlds on both
// stores, that the impact every access-changing act reports (judged over
// its scope only, issue 20) is exactly the difference between full
// snapshots of everyone's rights on every ticket before and after it, and
// that its dry run reports the same. HELPDESK_TEST_SEED repeats a run.
func TestBounded_A1_A2_O4_R1_RandomWorlds(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("HELPDESK_TEST_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("HELPDESK_TEST_SEED=%d", seed)
	each(t, func(t *testing.T, f *fixture) {
		pcg := rand.NewPCG(seed, 20)
		w := &world{f: f, pcg: pcg, r: rand.New(pcg)}
		w.build()
		acted := 0
		for step := range 60 {
			if w.r.IntN(6) == 0 {
				w.addTicket()
			}
			// The same random choices for the dry run and the change.
			state, users := *w.pcg, len(w.users)
			before := f.snapshot()
			what, dry, dryErr := w.change(admin.Request{As: owner, DryRun: true})
			*w.pcg, w.users = state, w.users[:users]
			_, real, err := w.change(admin.Request{As: owner, Yes: true})
			if errors.Is(err, admin.ErrRefused) || errors.Is(err, admin.ErrUsage) {
				if !errors.Is(dryErr, admin.ErrRefused) && !errors.Is(dryErr, admin.ErrUsage) {
					t.Fatalf("step %d, %s: refused (%v) but its dry run was not (%v)", step, what, err, dryErr)
				}
				continue
			}
			if err != nil || dryErr != nil {
				t.Fatalf("step %d, %s: %v (dry run: %v)", step, what, err, dryErr)
			}
			acted++
			full := access.Diff(before, f.snapshot())
			wantEqual(t, fmt.Sprintf("step %d, %s: gained", step, what), changes(real.Impact.Gained), changes(full.Gained))
			wantEqual(t, fmt.Sprintf("step %d, %s: lost", step, what), changes(real.Impact.Lost), changes(full.Lost))
			wantEqual(t, fmt.Sprintf("step %d, %s: dry run gained", step, what), changes(dry.Impact.Gained), changes(full.Gained))
			wantEqual(t, fmt.Sprintf("step %d, %s: dry run lost", step, what), changes(dry.Impact.Lost), changes(full.Lost))
			if t.Failed() {
				t.FailNow()
			}
		}
		if acted < 20 {
			t.Errorf("only %d of 60 random changes were made: the world is too narrow to test much", acted)
		}
	})
}
