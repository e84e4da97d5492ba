package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/helpdesk-gw/helpdesk/admin"
)

func cmdTeamAdd(ctx context.Context, e *env, in *invocation) error {
	if err := e.open(ctx); err != nil {
		return err
	}
	slug := strings.ToLower(in.pos[0])
	if err := e.admin.TeamAdd(ctx, e.request(), slug, in.str("name"), in.list("address"), in.list("org")); err != nil {
		return err
	}
	return e.done("team add " + slug)
}

func cmdTeamSet(ctx context.Context, e *env, in *invocation) error {
	var c admin.TeamChange
	if n := in.str("name"); n != "" {
		c.Name = &n
	}
	if len(in.list("address")) > 0 {
		l := in.list("address")
		c.Addresses = &l
	}
	if len(in.list("org")) > 0 {
		l := in.list("org")
		c.Orgs = &l
	}
	if in.on("disabled") || in.on("enabled") {
		d := in.on("disabled")
		c.Disabled = &d
	}
	if in.on("default") || in.on("no-default") {
		d := in.on("default")
		c.Default = &d
	}
	if c == (admin.TeamChange{}) {
		return usagef("usage: %s (give something to change)", in.spec.usageLine())
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	slug := strings.ToLower(in.pos[0])
	if err := e.admin.TeamSet(ctx, e.request(), slug, c); err != nil {
		return err
	}
	return e.done("team set " + slug)
}

func cmdTeamRemove(ctx context.Context, e *env, in *invocation) error {
	if err := e.open(ctx); err != nil {
		return err
	}
	slug := strings.ToLower(in.pos[0])
	if err := e.admin.TeamRemove(ctx, e.request(), slug); err != nil {
		return err
	}
	return e.done("team remove " + slug)
}

func cmdTeamMember(add bool) func(ctx context.Context, e *env, in *invocation) error {
	return func(ctx context.Context, e *env, in *invocation) error {
		if err := e.open(ctx); err != nil {
			return err
		}
		slug, email := strings.ToLower(in.pos[0]), strings.ToLower(in.pos[1])
		if err := e.admin.TeamMember(ctx, e.request(), slug, email, add); err != nil {
			return err
		}
		return e.done(in.spec.Words + " " + slug + " " + email)
	}
}

func cmdTeamList(ctx context.Context, e *env, in *invocation) error {
	if err := e.open(ctx); err != nil {
		return err
	}
	teams, err := e.admin.TeamList(ctx)
	if err != nil {
		return err
	}
	return printList(e, teams, func(t admin.TeamView) string {
		flags := ""
		if t.Default {
			flags += " default"
		}
		if t.Disabled {
			flags += " disabled"
		}
		return fmt.Sprintf("%-12s %-20q%s members=%s addresses=%s orgs=%s", t.Slug, t.Name, flags,
			orDash(t.Members), orDash(t.Addresses), orDash(t.Orgs))
	})
}

func orDash(l []string) string {
	if len(l) == 0 {
		return "-"
	}
	return strings.Join(l, ",")
}

// done reports a change that prints nothing more: "done", or on a dry run
// that nothing changed.
func (e *env) done(what string) error {
	if e.g.json {
		return e.printJSON(map[string]any{"done": what, "dry_run": e.g.dryRun})
	}
	if e.g.dryRun {
		fmt.Fprintf(e.stdout, "%s: dry run, nothing changed\n", what)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s: done\n", what)
	return nil
}
