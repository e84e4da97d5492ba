package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
)

// printOutcome reports what a change did, or on a dry run would do, to access.
func (e *env) printOutcome(what string, o admin.Outcome) error {
	if e.g.json {
		return e.printJSON(o)
	}
	verb := "done"
	if o.DryRun {
		verb = "dry run, nothing changed"
	}
	fmt.Fprintf(e.stdout, "%s (%s): %s, %s\n", what, verb,
		rightsChange(o.GainedPeople(), "gains", "gain", o.GainedTickets()),
		rightsChange(o.LostPeople(), "loses", "lose", o.LostTickets()))
	if o.DryRun {
		for _, c := range o.Impact.Gained {
			fmt.Fprintf(e.stdout, "  + %s gains %s on ticket %d\n", c.Email, c.Right, c.Ticket)
		}
		for _, c := range o.Impact.GainedClasses {
			fmt.Fprintf(e.stdout, "  + %s gains %s on %d tickets of %s\n", c.Email, c.Right, c.Tickets, c.Org)
		}
		for _, c := range o.Impact.Lost {
			fmt.Fprintf(e.stdout, "  - %s loses %s on ticket %d\n", c.Email, c.Right, c.Ticket)
		}
		for _, c := range o.Impact.LostClasses {
			fmt.Fprintf(e.stdout, "  - %s loses %s on %d tickets of %s\n", c.Email, c.Right, c.Tickets, c.Org)
		}
	}
	return nil
}

// orgSettings are the settings flags of org add and org set.
func orgSettings(in *invocation) admin.OrgSettings {
	return admin.OrgSettings{Name: in.str("name"), Access: model.OrgAccess(in.str("access")), Intake: model.Intake(in.str("intake")),
		CCAdders: model.CCAdders(in.str("cc-adders")), Language: in.str("language")}
}

// rightsChange says "1 person gains rights on 2 tickets".
func rightsChange(people int, verbOne, verbMany string, tickets int) string {
	return fmt.Sprintf("%d %s %s rights on %d %s", people, plural(people, "person", "people"),
		plural(people, verbOne, verbMany), tickets, plural(tickets, "ticket", "tickets"))
}

// plural is one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func cmdOrgAdd(ctx context.Context, e *env, in *invocation) error {
	if err := e.open(ctx); err != nil {
		return err
	}
	o, err := e.admin.OrgAdd(ctx, e.request(), in.pos[0], orgSettings(in), in.list("domain"), in.on("force"))
	if err != nil {
		return err
	}
	return e.printOutcome("org add "+in.pos[0], o)
}

func cmdOrgSet(ctx context.Context, e *env, in *invocation) error {
	if err := e.open(ctx); err != nil {
		return err
	}
	o, err := e.admin.OrgSet(ctx, e.request(), in.pos[0], orgSettings(in))
	if err != nil {
		return err
	}
	return e.printOutcome("org set "+in.pos[0], o)
}

func cmdOrgDomainAdd(ctx context.Context, e *env, in *invocation) error {
	if err := e.open(ctx); err != nil {
		return err
	}
	o, err := e.admin.DomainAdd(ctx, e.request(), in.pos[0], in.pos[1], in.on("force"))
	if err != nil {
		return err
	}
	return e.printOutcome("org domain add "+in.pos[0]+" "+in.pos[1], o)
}

func cmdOrgDomainRemove(ctx context.Context, e *env, in *invocation) error {
	if err := e.open(ctx); err != nil {
		return err
	}
	o, err := e.admin.DomainRemove(ctx, e.request(), in.pos[0], in.pos[1])
	if err != nil {
		return err
	}
	return e.printOutcome("org domain remove "+in.pos[0]+" "+in.pos[1], o)
}

func cmdOrgSync(ctx context.Context, e *env, in *invocation) error {
	pos := in.pos
	if err := e.open(ctx); err != nil {
		return err
	}
	o, err := e.admin.OrgSync(ctx, e.request(), pos[0])
	if err != nil {
		return err
	}
	return e.printOutcome("org sync "+pos[0], o)
}

// orgView is the JSON shape of org list.
type orgView struct {
	Slug     string   `json:"slug"`
	Name     string   `json:"name"`
	Access   string   `json:"access"`
	Intake   string   `json:"intake"`
	CCAdders string   `json:"cc_adders"`
	Language string   `json:"language"`
	Domains  []string `json:"domains"`
}

func cmdOrgList(ctx context.Context, e *env, in *invocation) error {
	if err := e.open(ctx); err != nil {
		return err
	}
	orgs, err := e.admin.OrgList(ctx)
	if err != nil {
		return err
	}
	out := []orgView{}
	for _, o := range orgs {
		v := orgView{Slug: o.Slug, Name: o.Name, Access: string(o.Access), Intake: string(o.Intake), CCAdders: string(o.CCAdders), Language: o.Language, Domains: []string{}}
		for _, d := range o.Domains {
			v.Domains = append(v.Domains, d.Name)
		}
		out = append(out, v)
	}
	if e.g.json {
		return e.printJSON(out)
	}
	for _, v := range out {
		fmt.Fprintf(e.stdout, "%-16s %-24q access=%-7s intake=%-10s cc-adders=%-12s %s\n", v.Slug, v.Name, v.Access, v.Intake, v.CCAdders, strings.Join(v.Domains, ","))
	}
	return nil
}

func cmdUserAdd(ctx context.Context, e *env, in *invocation) error {
	pos := in.pos
	if err := e.open(ctx); err != nil {
		return err
	}
	o, err := e.admin.UserAdd(ctx, e.request(), pos[0], in.str("name"), in.list("org"))
	if err != nil {
		return err
	}
	return e.printOutcome("user add "+strings.ToLower(pos[0]), o)
}

func cmdUserSet(ctx context.Context, e *env, in *invocation) error {
	pos := in.pos
	if err := e.open(ctx); err != nil {
		return err
	}
	o, err := e.admin.UserSet(ctx, e.request(), pos[0], in.str("name"), in.str("default-org"))
	if err != nil {
		return err
	}
	return e.printOutcome("user set "+strings.ToLower(pos[0]), o)
}

func cmdUserShow(ctx context.Context, e *env, in *invocation) error {
	if err := e.open(ctx); err != nil {
		return err
	}
	u, err := e.admin.UserShow(ctx, in.pos[0])
	if err != nil {
		return err
	}
	if e.g.json {
		return e.printJSON(u)
	}
	role, def := "none", "none"
	if u.StaffRole != nil {
		role = *u.StaffRole
	}
	if u.DefaultOrg != nil {
		def = *u.DefaultOrg
	}
	fmt.Fprintf(e.stdout, "%s %q staff=%s default-org=%s\n", u.Email, u.Name, role, def)
	for _, m := range u.Memberships {
		fmt.Fprintf(e.stdout, "  member of %s access=%s follow-all=%v (%s)\n", m.Org, m.Access, m.FollowAll, m.Source)
	}
	return nil
}

func cmdMemberSet(ctx context.Context, e *env, in *invocation) error {
	pos := in.pos
	var fa *bool
	if in.on("follow-all") || in.on("no-follow-all") {
		v := in.on("follow-all")
		fa = &v
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	o, err := e.admin.MemberSet(ctx, e.request(), pos[0], pos[1], model.MemberAccess(in.str("access")), fa)
	if err != nil {
		return err
	}
	return e.printOutcome("member set "+strings.ToLower(pos[0])+" "+pos[1], o)
}

func cmdMemberRemove(ctx context.Context, e *env, in *invocation) error {
	pos := in.pos
	if err := e.open(ctx); err != nil {
		return err
	}
	o, err := e.admin.MemberRemove(ctx, e.request(), pos[0], pos[1])
	if err != nil {
		return err
	}
	return e.printOutcome("member remove "+strings.ToLower(pos[0])+" "+pos[1], o)
}

// cmdStaff is staff add and staff set. Only staff add of an owner may
// create the store (the first owner of an empty store, S1).
func cmdStaff(action string) func(ctx context.Context, e *env, in *invocation) error {
	return func(ctx context.Context, e *env, in *invocation) error {
		pos, role := in.pos, model.StaffRole(in.str("role"))
		e.mayCreate = e.mayCreate && role == model.RoleOwner
		if err := e.open(ctx); err != nil {
			return err
		}
		o, err := e.admin.StaffSet(ctx, e.request(), pos[0], role, action)
		if err != nil {
			return err
		}
		if n := in.str("notify"); n != "" && !e.g.dryRun {
			req := e.request()
			if req.As == "" { // the first owner sets their own
				req.As = pos[0]
			}
			if err := e.admin.StaffNotify(ctx, req, pos[0], model.NotifySetting(n)); err != nil {
				return err
			}
		}
		if teams := in.list("team"); len(teams) > 0 && !e.g.dryRun {
			if err := e.admin.StaffTeams(ctx, e.request(), pos[0], teams); err != nil {
				return err
			}
		}
		return e.printOutcome(in.spec.Words+" "+strings.ToLower(pos[0]), o)
	}
}

func cmdStaffRemove(ctx context.Context, e *env, in *invocation) error {
	pos := in.pos
	if err := e.open(ctx); err != nil {
		return err
	}
	o, err := e.admin.StaffSet(ctx, e.request(), pos[0], model.RoleNone, "staff.remove")
	if err != nil {
		return err
	}
	return e.printOutcome("staff remove "+strings.ToLower(pos[0]), o)
}
