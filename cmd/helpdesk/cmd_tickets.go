package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

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

// listPage is how many tickets ticket list reads a query (5,000 views are
// a few MB).
const listPage = 5000

func cmdTicketList(ctx context.Context, e *env, in *invocation) error {
	if err := e.open(ctx); err != nil {
		return err
	}
	// A page at a time by keyset, oldest first, each page printed as it
	// comes: --limit stops reading once it has enough (issue 20.2), and
	// no more than a page is held, whatever the size of the organisation.
	limit := int(in.int("limit"))
	q := admin.TicketQuery{Org: in.str("org"), Status: model.Status(in.str("status")), Assignee: in.str("assignee"),
		Team: in.str("team"), After: in.int("after"), Limit: listPage}
	if limit > 0 && limit < listPage {
		q.Limit = limit
	}
	out := &listStream[ticketJSON]{e: e, line: func(t ticketJSON) string {
		return fmt.Sprintf("#%-5d %-8s %-7s org=%-12s %-28s %s", t.ID, t.Status, t.Priority, deref(t.Organisation, "-"), t.Requester, t.Subject)
	}, lists: ticketJSON.withLists}
	printed := 0
	err := e.admin.TicketListPages(ctx, q, func(page []admin.TicketView) (bool, error) {
		kept := page
		if limit > 0 && printed+len(kept) > limit {
			kept = kept[:limit-printed]
		}
		for _, t := range kept {
			if err := out.add(ticketJSON{TicketView: t}); err != nil {
				return false, err
			}
		}
		printed += len(kept)
		return limit <= 0 || printed < limit, nil
	})
	if err != nil {
		out.flush() // what was listed before the error
		return err
	}
	return out.end()
}

func deref(s *string, def string) string {
	if s == nil {
		return def
	}
	return *s
}

// ticketJSON is a ticket as cli.md prints it.
type ticketJSON struct {
	admin.TicketView
}

// withLists is t with its lists never nil, as withEmptyLists would make
// it (comments are left out when empty).
func (t ticketJSON) withLists() ticketJSON {
	if t.Participants == nil {
		t.Participants = []admin.ParticipantView{}
	}
	return t
}

// ticketShowJSON is ticket show's shape: "comments" is there, [] on a
// ticket without any (admin.TicketView leaves it out when empty).
type ticketShowJSON struct {
	admin.TicketView
	Comments []admin.CommentView `json:"comments"`
}

func cmdTicketShow(ctx context.Context, e *env, in *invocation) error {
	id, err := parseID(in.pos[0])
	if err != nil {
		return err
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	t, err := e.admin.TicketShow(ctx, id)
	if viewer := in.str("as-viewer"); viewer != "" {
		t, err = e.admin.TicketShowAs(ctx, id, viewer)
	}
	if err != nil {
		return err
	}
	if e.g.json {
		return e.printJSON(ticketShowJSON{TicketView: t, Comments: t.Comments})
	}
	fmt.Fprintf(e.stdout, "Ticket #%d: %s\n  status %s, priority %s, type %s, organisation %s\n  requester %s, assignee %s\n",
		t.ID, t.Subject, t.Status, t.Priority, t.Type, deref(t.Organisation, "(none)"), t.Requester, deref(t.Assignee, "(none)"))
	for _, p := range t.Participants {
		fmt.Fprintf(e.stdout, "  %s: %s\n", p.Role, p.Email)
	}
	for _, c := range t.Comments {
		fmt.Fprintf(e.stdout, "\n--- %s, %s (%s)\n%s\n", c.Author, c.CreatedAt, c.Visibility, c.Body)
		for _, a := range c.Attachments {
			fmt.Fprintf(e.stdout, "    [attachment %s, %s, %d %s]\n", a.Filename, a.ContentType, a.Size, plural(int(a.Size), "byte", "bytes"))
		}
	}
	return nil
}

func cmdTicketAccess(ctx context.Context, e *env, in *invocation) error {
	id, err := parseID(in.pos[0])
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

func cmdTicketCC(ctx context.Context, e *env, in *invocation) error {
	add, remove := in.list("add"), in.list("remove")
	id, err := parseID(in.pos[0])
	if err != nil {
		return err
	}
	if len(add)+len(remove) == 0 {
		return usagef("usage: %s (give --add or --remove)", in.spec.usageLine())
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	o, err := e.admin.TicketCC(ctx, e.request(), id, add, remove)
	if err != nil {
		return err
	}
	return printActed(e, fmt.Sprintf("ticket cc %d", id), o)
}

func cmdOutboxList(ctx context.Context, e *env, in *invocation) error {
	status := in.str("status")
	if err := e.open(ctx); err != nil {
		return err
	}
	rows, err := e.admin.OutboxList(ctx, in.int("ticket"), model.OutboxStatus(status))
	if err != nil {
		return err
	}
	return printList(e, rows, func(r admin.OutboxView) string {
		return fmt.Sprintf("%-5d ticket=%-5s %-8s %-7s %-30s %s", r.ID, idOrDash(r.Ticket), r.Kind, r.Status, r.To, r.Subject)
	})
}

func cmdQuarantineList(ctx context.Context, e *env, in *invocation) error {
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

func cmdQuarantine(release bool) func(ctx context.Context, e *env, in *invocation) error {
	return func(ctx context.Context, e *env, in *invocation) error {
		name := in.spec.Words
		id, err := parseID(in.pos[0])
		if err != nil {
			return err
		}
		if err := e.open(ctx); err != nil {
			return err
		}
		var out admin.Settled
		if release {
			out, err = e.admin.QuarantineRelease(ctx, e.request(), id)
		} else {
			out, err = e.admin.QuarantineDiscard(ctx, e.request(), id)
		}
		if err != nil {
			return err
		}
		return printSettled(e, fmt.Sprintf("%s %d", name, id), out)
	}
}

func cmdAudit(ctx context.Context, e *env, in *invocation) error {
	q := admin.AuditQuery{Actor: in.str("actor"), Action: in.str("action"), Since: in.str("since")}
	if _, err := q.Keep(); err != nil {
		return usagef("--%s", strings.TrimPrefix(err.Error(), "usage: "))
	}
	if err := e.open(ctx); err != nil {
		return err
	}
	es, err := e.admin.AuditWhere(ctx, q)
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
