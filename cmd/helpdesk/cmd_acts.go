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
	role, notify := in.str("role"), in.str("notify")
	if role == "" && notify == "" {
		return usagef("usage: %s (give --role or --notify)", in.spec.usageLine())
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
	return nil
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
