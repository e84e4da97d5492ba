package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/ticket"
)

// cmdTicketReply is ticket reply (a public answer, N1) and ticket note (an
// internal note, N2): the same act as a reply by mail, as --as.
func cmdTicketReply(internal bool) func(ctx context.Context, e *env, in *invocation) error {
	return func(ctx context.Context, e *env, in *invocation) error {
		id, err := parseID(in.pos[0])
		if err != nil {
			return err
		}
		if err := e.open(ctx); err != nil {
			return err
		}
		body, err := readText(e, in.str("file"))
		if err != nil {
			return err
		}
		o, err := e.admin.TicketReply(ctx, e.request(), id, body, internal)
		if err != nil {
			return err
		}
		return printActed(e, fmt.Sprintf("%s %d", in.spec.Words, id), o)
	}
}

// readText reads a reply's text from file, or standard input.
func readText(e *env, file string) (string, error) {
	var r io.Reader = e.stdin
	if file != "" && file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("read the text: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, 1<<20+1))
	if err != nil {
		return "", fmt.Errorf("read the text: %w", err)
	}
	if len(b) > 1<<20 {
		return "", usagef("the text is longer than 1 MiB")
	}
	return string(b), nil
}

// cmdTicketSet changes a ticket's fields as --as (I8's acts).
func cmdTicketSet(ctx context.Context, e *env, in *invocation) error {
	id, err := parseID(in.pos[0])
	if err != nil {
		return err
	}
	c := ticket.Change{Status: model.Status(in.str("status")), Priority: model.Priority(in.str("priority")),
		Type: model.TicketType(in.str("type")), Assign: strings.ToLower(in.str("assign")), Org: strings.ToLower(in.str("org")),
		Team: strings.ToLower(in.str("team"))}
	if c == (ticket.Change{}) {
		return usagef("usage: %s (give at least one field to change)", in.spec.usageLine())
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	o, err := e.admin.TicketSet(ctx, e.request(), id, c)
	if err != nil {
		return err
	}
	return printActed(e, fmt.Sprintf("ticket set %d", id), o)
}

// cmdStaffSet changes a staff member's role (S1) and/or notify setting (N7).
func cmdStaffSet(ctx context.Context, e *env, in *invocation) error {
	role, notify, teams := in.str("role"), in.str("notify"), in.list("team")
	if role == "" && notify == "" && len(teams) == 0 {
		return usagef("usage: %s (give --role, --notify or --team)", in.spec.usageLine())
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	email := strings.ToLower(in.pos[0])
	if role != "" {
		o, err := e.admin.StaffSet(ctx, e.request(), email, model.StaffRole(role), "staff.set")
		if err != nil {
			return err
		}
		if err := e.printOutcome("staff set "+email, o); err != nil {
			return err
		}
	}
	if notify != "" {
		if err := e.admin.StaffNotify(ctx, e.request(), email, model.NotifySetting(notify)); err != nil {
			return err
		}
		if !e.g.json {
			fmt.Fprintf(e.stdout, "staff set %s: notify %s\n", email, notify)
		}
	}
	if len(teams) > 0 {
		if err := e.admin.StaffTeams(ctx, e.request(), email, teams); err != nil {
			return err
		}
		if !e.g.json {
			fmt.Fprintf(e.stdout, "staff set %s: teams %s\n", email, strings.Join(teams, ", "))
		}
	}
	return nil
}

func cmdStaffList(ctx context.Context, e *env, in *invocation) error {
	if err := e.open(ctx); err != nil {
		return err
	}
	staff, err := e.admin.StaffList(ctx)
	if err != nil {
		return err
	}
	return printList(e, staff, func(s admin.StaffView) string {
		return fmt.Sprintf("%-30s %-6s notify=%-8s teams=%s", s.Email, s.Role, s.Notify, orDash(s.Teams))
	})
}

func cmdQuarantineShow(ctx context.Context, e *env, in *invocation) error {
	id, err := parseID(in.pos[0])
	if err != nil {
		return err
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	d, err := e.admin.QuarantineShow(ctx, id)
	if err != nil {
		return err
	}
	if e.g.json {
		return e.printJSON(d)
	}
	fmt.Fprintf(e.stdout, "Held message %d (%s): %s [%s]\n", d.ID, d.Status, d.Reason, strings.Join(d.Rules, " "))
	if d.Ticket != nil {
		fmt.Fprintf(e.stdout, "  on ticket %d; release puts it there as a comment of its sender, without adding CCs (C4)\n", *d.Ticket)
	}
	for _, h := range d.Headers {
		fmt.Fprintf(e.stdout, "  %s\n", strings.Map(printable, h))
	}
	fmt.Fprintf(e.stdout, "\n%s\n", strings.Map(printable, d.Text))
	return nil
}

// printable keeps line ends and tabs and drops other control characters,
// so that a held message cannot drive the terminal.
func printable(r rune) rune {
	if r == '\n' || r == '\t' || (r >= 0x20 && r != 0x7f && (r < 0x80 || r > 0x9f)) {
		return r
	}
	return -1
}

// printActed reports what a staff act on a ticket did, or on a dry run
// would do: the rules it applied and who is (would be) told.
func printActed(e *env, what string, o admin.Acted) error {
	if e.g.json {
		return e.printJSON(o)
	}
	verb := "done"
	if o.DryRun {
		verb = "dry run, nothing changed"
	}
	fmt.Fprintf(e.stdout, "%s (%s)", what, verb)
	if o.Comment != nil {
		fmt.Fprintf(e.stdout, ": comment %d", *o.Comment)
	}
	if len(o.Rules) > 0 {
		fmt.Fprintf(e.stdout, " [%s]", strings.Join(o.Rules, " "))
	}
	fmt.Fprintln(e.stdout)
	printNotified(e, o.DryRun, o.Notified)
	return nil
}

// printSettled reports a quarantine release or discard, or what it would do.
func printSettled(e *env, what string, o admin.Settled) error {
	if e.g.json {
		return e.printJSON(o)
	}
	ticketText := "no ticket"
	if o.Ticket != nil {
		ticketText = fmt.Sprintf("ticket %d", *o.Ticket)
	}
	if o.DryRun {
		fmt.Fprintf(e.stdout, "%s (dry run, nothing changed): the message from %s would be %s (%s)\n", what, o.From, o.Status, ticketText)
	} else {
		fmt.Fprintf(e.stdout, "%s: the message from %s is %s (%s)\n", what, o.From, o.Status, ticketText)
	}
	printNotified(e, o.DryRun, o.Notified)
	return nil
}

// printNotified lists the notifications an act queued, or would queue.
func printNotified(e *env, dryRun bool, notified []ticket.Planned) {
	verb := "told"
	if dryRun {
		verb = "would be told"
	}
	if len(notified) == 0 {
		fmt.Fprintf(e.stdout, "  nobody %s\n", verb)
		return
	}
	for _, n := range notified {
		fmt.Fprintf(e.stdout, "  %s %s (%s; %s)\n", n.To, verb, n.Kind, strings.Join(n.Rules, " "))
	}
}

func cmdOutboxRetry(ctx context.Context, e *env, in *invocation) error {
	id, err := parseID(in.pos[0])
	if err != nil {
		return err
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	if err := e.admin.OutboxRetry(ctx, e.request(), id); err != nil {
		return err
	}
	return e.done(fmt.Sprintf("outbox retry %d", id))
}
