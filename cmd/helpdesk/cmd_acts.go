package main

import (
	"fmt"
	"strings"

	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/ticket"
)

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
