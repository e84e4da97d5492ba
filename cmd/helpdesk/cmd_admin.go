package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
)

type command func(ctx context.Context, e *env, args []string) error

var commandTable map[string]command

func init() {
	commandTable = map[string]command{
		"serve":      cmdServe,
		"ingest":     cmdIngest,
		"org":        subcommands("org", map[string]command{"add": cmdOrgAdd, "set": cmdOrgSet, "domain": cmdOrgDomain, "sync": cmdOrgSync, "list": cmdOrgList}),
		"user":       subcommands("user", map[string]command{"add": cmdUserAdd, "set": cmdUserSet, "show": cmdUserShow}),
		"member":     subcommands("member", map[string]command{"set": cmdMemberSet, "remove": cmdMemberRemove}),
		"staff":      subcommands("staff", map[string]command{"add": cmdStaff("staff.add"), "set": cmdStaff("staff.set"), "remove": cmdStaffRemove}),
		"ticket":     subcommands("ticket", map[string]command{"list": cmdTicketList, "show": cmdTicketShow, "cc": cmdTicketCC, "access": cmdTicketAccess}),
		"outbox":     subcommands("outbox", map[string]command{"list": cmdOutboxList}),
		"quarantine": subcommands("quarantine", map[string]command{"list": cmdQuarantineList, "release": cmdQuarantine(true), "discard": cmdQuarantine(false)}),
		"audit":      cmdAudit,
	}
}

func subcommands(name string, subs map[string]command) command {
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) == 0 {
			return usagef("usage: helpdesk %s %s", name, keys(subs))
		}
		sub, ok := subs[args[0]]
		if !ok {
			return usagef("helpdesk %s: unknown sub-command %q (want %s)", name, args[0], keys(subs))
		}
		return sub(ctx, e, args[1:])
	}
}

func keys(m map[string]command) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return strings.Join(out, "|")
}

// printOutcome reports what a change did, or on a dry run would do, to access.
func (e *env) printOutcome(what string, o admin.Outcome) error {
	if e.g.json {
		return e.printJSON(o)
	}
	verb := "done"
	if o.DryRun {
		verb = "dry run, nothing changed"
	}
	fmt.Fprintf(e.stdout, "%s (%s): %d people gain rights on %d tickets, %d people lose rights on %d tickets\n",
		what, verb, o.GainedPeople(), ticketsOf(o.Impact.Gained), o.LostPeople(), ticketsOf(o.Impact.Lost))
	if o.DryRun {
		for _, c := range o.Impact.Gained {
			fmt.Fprintf(e.stdout, "  + %s gains %s on ticket %d\n", c.Email, c.Right, c.Ticket)
		}
		for _, c := range o.Impact.Lost {
			fmt.Fprintf(e.stdout, "  - %s loses %s on ticket %d\n", c.Email, c.Right, c.Ticket)
		}
	}
	return nil
}

func cmdOrgAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlags("org add")
	var domains multi
	name := fs.String("name", "", "display name")
	fs.Var(&domains, "domain", "email domain (repeatable)")
	acc := fs.String("access", "", "own|view|comment (A1)")
	intake := fs.String("intake", "", "open|registered (O8)")
	ccAdders := fs.String("cc-adders", "", "requester|participants (C2)")
	lang := fs.String("language", "", "template language: en|nb")
	force := fs.Bool("force", false, "accept a public-suffix or free-mail domain (O2)")
	pos, err := parseMixed(fs, args, 1, 1, "SLUG --name NAME --domain D [--domain D ...] [--access own|view|comment] [--intake open|registered] [--cc-adders requester|participants] [--force]")
	if err != nil {
		return err
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	set := admin.OrgSettings{Name: *name, Access: model.OrgAccess(*acc), Intake: model.Intake(*intake), CCAdders: model.CCAdders(*ccAdders), Language: *lang}
	o, err := e.admin.OrgAdd(ctx, e.request(), pos[0], set, domains, *force)
	if err != nil {
		return err
	}
	return e.printOutcome("org add "+pos[0], o)
}

func cmdOrgSet(ctx context.Context, e *env, args []string) error {
	fs := newFlags("org set")
	name := fs.String("name", "", "display name")
	acc := fs.String("access", "", "own|view|comment (A1)")
	intake := fs.String("intake", "", "open|registered (O8)")
	ccAdders := fs.String("cc-adders", "", "requester|participants (C2)")
	lang := fs.String("language", "", "template language: en|nb")
	pos, err := parseMixed(fs, args, 1, 1, "SLUG [--name NAME] [--access own|view|comment] [--intake open|registered] [--cc-adders requester|participants]")
	if err != nil {
		return err
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	set := admin.OrgSettings{Name: *name, Access: model.OrgAccess(*acc), Intake: model.Intake(*intake), CCAdders: model.CCAdders(*ccAdders), Language: *lang}
	o, err := e.admin.OrgSet(ctx, e.request(), pos[0], set)
	if err != nil {
		return err
	}
	return e.printOutcome("org set "+pos[0], o)
}

func cmdOrgDomain(ctx context.Context, e *env, args []string) error {
	fs := newFlags("org domain")
	force := fs.Bool("force", false, "accept a public-suffix or free-mail domain (O2)")
	pos, err := parseMixed(fs, args, 3, 3, "add|remove SLUG DOMAIN [--force]")
	if err != nil {
		return err
	}
	if pos[0] != "add" && pos[0] != "remove" {
		return usagef("usage: helpdesk org domain add|remove SLUG DOMAIN [--force]")
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	var o admin.Outcome
	if pos[0] == "add" {
		o, err = e.admin.DomainAdd(ctx, e.request(), pos[1], pos[2], *force)
	} else {
		o, err = e.admin.DomainRemove(ctx, e.request(), pos[1], pos[2])
	}
	if err != nil {
		return err
	}
	return e.printOutcome("org domain "+pos[0]+" "+pos[1]+" "+pos[2], o)
}

func cmdOrgSync(ctx context.Context, e *env, args []string) error {
	pos, err := parseMixed(newFlags("org sync"), args, 1, 1, "SLUG")
	if err != nil {
		return err
	}
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

func cmdOrgList(ctx context.Context, e *env, args []string) error {
	if _, err := parseMixed(newFlags("org list"), args, 0, 0, ""); err != nil {
		return err
	}
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

func cmdUserAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlags("user add")
	name := fs.String("name", "", "display name")
	var orgs multi
	fs.Var(&orgs, "org", "organisation slug (repeatable)")
	pos, err := parseMixed(fs, args, 1, 1, "EMAIL [--name NAME] [--org SLUG ...]")
	if err != nil {
		return err
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	o, err := e.admin.UserAdd(ctx, e.request(), pos[0], *name, orgs)
	if err != nil {
		return err
	}
	return e.printOutcome("user add "+strings.ToLower(pos[0]), o)
}

func cmdUserSet(ctx context.Context, e *env, args []string) error {
	fs := newFlags("user set")
	name := fs.String("name", "", "display name")
	def := fs.String("default-org", "", "default organisation (O6)")
	pos, err := parseMixed(fs, args, 1, 1, "EMAIL [--name NAME] [--default-org SLUG]")
	if err != nil {
		return err
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	o, err := e.admin.UserSet(ctx, e.request(), pos[0], *name, *def)
	if err != nil {
		return err
	}
	return e.printOutcome("user set "+strings.ToLower(pos[0]), o)
}

func cmdUserShow(ctx context.Context, e *env, args []string) error {
	pos, err := parseMixed(newFlags("user show"), args, 1, 1, "EMAIL")
	if err != nil {
		return err
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	u, err := e.admin.UserShow(ctx, pos[0])
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

func cmdMemberSet(ctx context.Context, e *env, args []string) error {
	fs := newFlags("member set")
	acc := fs.String("access", "", "own|org (A2)")
	follow := fs.Bool("follow-all", false, "follow every ticket of the organisation (N5)")
	noFollow := fs.Bool("no-follow-all", false, "stop following every ticket")
	pos, err := parseMixed(fs, args, 2, 2, "EMAIL SLUG [--access own|org] [--follow-all|--no-follow-all]")
	if err != nil {
		return err
	}
	if *follow && *noFollow {
		return usagef("--follow-all and --no-follow-all exclude each other")
	}
	var fa *bool
	if *follow || *noFollow {
		v := *follow
		fa = &v
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	o, err := e.admin.MemberSet(ctx, e.request(), pos[0], pos[1], model.MemberAccess(*acc), fa)
	if err != nil {
		return err
	}
	return e.printOutcome("member set "+strings.ToLower(pos[0])+" "+pos[1], o)
}

func cmdMemberRemove(ctx context.Context, e *env, args []string) error {
	pos, err := parseMixed(newFlags("member remove"), args, 2, 2, "EMAIL SLUG")
	if err != nil {
		return err
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	o, err := e.admin.MemberRemove(ctx, e.request(), pos[0], pos[1])
	if err != nil {
		return err
	}
	return e.printOutcome("member remove "+strings.ToLower(pos[0])+" "+pos[1], o)
}

func cmdStaff(action string) command {
	return func(ctx context.Context, e *env, args []string) error {
		fs := newFlags(strings.Replace(action, ".", " ", 1))
		role := fs.String("role", "", "agent|admin|owner (S1)")
		pos, err := parseMixed(fs, args, 1, 1, "EMAIL --role agent|admin|owner")
		if err != nil {
			return err
		}
		if *role == "" {
			return usagef("usage: helpdesk %s EMAIL --role agent|admin|owner", fs.Name())
		}
		if err := e.open(ctx); err != nil {
			return err
		}
		o, err := e.admin.StaffSet(ctx, e.request(), pos[0], model.StaffRole(*role), action)
		if err != nil {
			return err
		}
		return e.printOutcome(fs.Name()+" "+strings.ToLower(pos[0]), o)
	}
}

func cmdStaffRemove(ctx context.Context, e *env, args []string) error {
	pos, err := parseMixed(newFlags("staff remove"), args, 1, 1, "EMAIL")
	if err != nil {
		return err
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	o, err := e.admin.StaffSet(ctx, e.request(), pos[0], model.RoleNone, "staff.remove")
	if err != nil {
		return err
	}
	return e.printOutcome("staff remove "+strings.ToLower(pos[0]), o)
}
