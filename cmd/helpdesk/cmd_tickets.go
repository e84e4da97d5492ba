package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/admin"
	"github.com/helpdesk-gw/helpdesk/model"
)

func sortStrings(s []string) { sort.Strings(s) }

// printList prints records as JSON (--json), or one text line each.
func printList[T any](e *env, recs []T, line func(T) string) error {
	if e.g.json {
		return e.printJSON(recs)
	}
	for _, r := range recs {
		fmt.Fprintln(e.stdout, line(r))
	}
	return nil
}

// idOrDash prints an optional id.
func idOrDash(id *int64) string {
	if id == nil {
		return "-"
	}
	return fmt.Sprint(*id)
}

func ticketsOf(cs []access.Change) int { return access.Tickets(cs) }

func cmdTicketList(ctx context.Context, e *env, args []string) error {
	fs := newFlags("ticket list")
	org := fs.String("org", "", "organisation slug")
	status := fs.String("status", "", "open|pending|solved|closed")
	if _, err := parseMixed(fs, args, 0, 0, "[--org SLUG] [--status S]"); err != nil {
		return err
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	ts, err := e.admin.TicketList(ctx, *org, model.Status(*status))
	if err != nil {
		return err
	}
	return printList(e, ts, func(t admin.TicketView) string {
		return fmt.Sprintf("#%-5d %-8s %-7s org=%-12s %-28s %s", t.ID, t.Status, t.Priority, deref(t.Organisation, "-"), t.Requester, t.Subject)
	})
}

func deref(s *string, def string) string {
	if s == nil {
		return def
	}
	return *s
}

func cmdTicketShow(ctx context.Context, e *env, args []string) error {
	pos, err := parseMixed(newFlags("ticket show"), args, 1, 1, "ID")
	if err != nil {
		return err
	}
	id, err := parseID(pos[0])
	if err != nil {
		return err
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	t, err := e.admin.TicketShow(ctx, id)
	if err != nil {
		return err
	}
	if e.g.json {
		return e.printJSON(t)
	}
	fmt.Fprintf(e.stdout, "Ticket #%d: %s\n  status %s, priority %s, type %s, organisation %s\n  requester %s, assignee %s\n",
		t.ID, t.Subject, t.Status, t.Priority, t.Type, deref(t.Organisation, "(none)"), t.Requester, deref(t.Assignee, "(none)"))
	for _, p := range t.Participants {
		fmt.Fprintf(e.stdout, "  %s: %s\n", p.Role, p.Email)
	}
	for _, c := range t.Comments {
		fmt.Fprintf(e.stdout, "\n--- %s, %s (%s)\n%s\n", c.Author, c.CreatedAt, c.Visibility, c.Body)
		for _, a := range c.Attachments {
			fmt.Fprintf(e.stdout, "    [attachment %s, %s, %d bytes]\n", a.Filename, a.ContentType, a.Size)
		}
	}
	return nil
}

func cmdTicketAccess(ctx context.Context, e *env, args []string) error {
	pos, err := parseMixed(newFlags("ticket access"), args, 1, 1, "ID")
	if err != nil {
		return err
	}
	id, err := parseID(pos[0])
	if err != nil {
		return err
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	entries, err := e.admin.TicketAccess(ctx, id)
	if err != nil {
		return err
	}
	if e.g.json {
		return e.printJSON(entries)
	}
	for _, en := range entries {
		right := "view"
		if en.Comment {
			right = "view+comment"
		}
		fmt.Fprintf(e.stdout, "%-32s %-13s %s\n", en.Email, right, en.Why)
	}
	return nil
}

func cmdTicketCC(ctx context.Context, e *env, args []string) error {
	fs := newFlags("ticket cc")
	var add, remove multi
	fs.Var(&add, "add", "address to add as CC (repeatable)")
	fs.Var(&remove, "remove", "address to remove (repeatable)")
	pos, err := parseMixed(fs, args, 1, 1, "ID [--add EMAIL ...] [--remove EMAIL ...]")
	if err != nil {
		return err
	}
	id, err := parseID(pos[0])
	if err != nil {
		return err
	}
	if len(add)+len(remove) == 0 {
		return usagef("usage: helpdesk ticket cc ID [--add EMAIL ...] [--remove EMAIL ...]")
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	o, err := e.admin.TicketCC(ctx, e.request(), id, add, remove)
	if err != nil {
		return err
	}
	return e.printOutcome(fmt.Sprintf("ticket cc %d", id), o)
}

func cmdOutboxList(ctx context.Context, e *env, args []string) error {
	fs := newFlags("outbox list")
	ticket := fs.Int64("ticket", 0, "ticket id")
	status := fs.String("status", "", "queued|sent|failed")
	if _, err := parseMixed(fs, args, 0, 0, "[--ticket ID] [--status queued|sent|failed]"); err != nil {
		return err
	}
	if s := *status; s != "" && s != "queued" && s != "sent" && s != "failed" {
		return usagef("--status must be queued, sent or failed")
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	rows, err := e.admin.OutboxList(ctx, *ticket, model.OutboxStatus(*status))
	if err != nil {
		return err
	}
	return printList(e, rows, func(r admin.OutboxView) string {
		return fmt.Sprintf("%-5d ticket=%-5s %-8s %-7s %-30s %s", r.ID, idOrDash(r.Ticket), r.Kind, r.Status, r.To, r.Subject)
	})
}

func cmdQuarantineList(ctx context.Context, e *env, args []string) error {
	if _, err := parseMixed(newFlags("quarantine list"), args, 0, 0, ""); err != nil {
		return err
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	qs, err := e.admin.QuarantineList(ctx)
	if err != nil {
		return err
	}
	return printList(e, qs, func(q admin.QuarantineView) string {
		return fmt.Sprintf("%-4d ticket=%-5s from=%-28s %q: %s [%s]", q.ID, idOrDash(q.Ticket), q.From, q.Subject, q.Reason, strings.Join(q.Rules, " "))
	})
}

func cmdQuarantine(release bool) command {
	name := "quarantine discard"
	if release {
		name = "quarantine release"
	}
	return func(ctx context.Context, e *env, args []string) error {
		pos, err := parseMixed(newFlags(name), args, 1, 1, "ID")
		if err != nil {
			return err
		}
		id, err := parseID(pos[0])
		if err != nil {
			return err
		}
		if err := e.open(ctx); err != nil {
			return err
		}
		if release {
			err = e.admin.QuarantineRelease(ctx, e.request(), id)
		} else {
			err = e.admin.QuarantineDiscard(ctx, e.request(), id)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s %d: done\n", name, id)
		return nil
	}
}

func cmdAudit(ctx context.Context, e *env, args []string) error {
	if _, err := parseMixed(newFlags("audit"), args, 0, 0, ""); err != nil {
		return err
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	es, err := e.admin.Audit(ctx)
	if err != nil {
		return err
	}
	return printList(e, es, func(a admin.AuditView) string {
		reason := ""
		if a.Reason != "" {
			reason = " (" + a.Reason + ")"
		}
		return fmt.Sprintf("%s %-24s %-20s %s%s", a.At, or(a.Actor, "(bootstrap)"), a.Action, a.Target, reason)
	})
}
