package ingest

import (
	"context"
	"errors"
	"strings"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/commands"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/ticket"
)

type commandLine = commands.Command

func parseCommands(text string) ([]commandLine, string) { return commands.ParseBlock(text) }

// applyCommands carries out the email commands of I8 through the acts of
// package ticket, as the command line does. A command that is malformed or
// not allowed changes nothing; the sender is told.
func (r *run) applyCommands(ctx context.Context, v *access.TicketView, cmds []commandLine) error {
	if len(cmds) == 0 {
		return nil
	}
	r.rules("I8")
	staff := r.act.Actor.Person.IsStaff()
	isRequester := r.act.Actor.Person.Email == v.Facts.Requester
	var change ticket.Change
	for _, c := range cmds {
		switch {
		case c.Err != nil:
			r.notedIgnored("%q was ignored: %v", c.Line, c.Err)
			continue
		case !staff && isRequester && c.Name == commands.Org && !r.proof.Proven():
			r.rules("P3")
			r.notedIgnored("%q was ignored: your address could not be proven (P3)", c.Line)
			continue
		case !commands.Allowed(c.Name, staff, isRequester && r.proof.Proven()):
			r.notedIgnored("%q was ignored: only staff may use #%s", c.Line, c.Name)
			continue
		}
		if err := r.applyCommand(ctx, v, &change, c); err != nil {
			return err
		}
	}
	return r.refusal(r.act.Set(ctx, v, change), "")
}

// applyCommand carries out one allowed command, or adds it to the change
// of the ticket's fields made once for the whole block.
func (r *run) applyCommand(ctx context.Context, v *access.TicketView, change *ticket.Change, c commandLine) error {
	arg := ""
	if len(c.Args) > 0 {
		arg = c.Args[0]
	}
	switch c.Name {
	case commands.Note:
		return nil // decided by the caller (I7)
	case commands.Status:
		change.Status = model.Status(arg)
	case commands.Priority:
		change.Priority = model.Priority(arg)
	case commands.Type:
		change.Type = model.TicketType(arg)
	case commands.Assign:
		change.Assign = arg
	case commands.Org:
		change.Org = arg
	case commands.Team:
		change.Team = arg
	case commands.CC:
		add, remove := splitCCArgs(c.Args)
		_, _, err := r.act.ChangeCCs(ctx, v, add, remove)
		return r.refusal(err, c.Line)
	case commands.Follow:
		return r.refusal(r.act.Follow(ctx, v), c.Line)
	default:
		r.notedIgnored("%q was ignored: unknown command", c.Line)
	}
	return nil
}

// refusal turns an act's refusal by the rules into a line of the report
// sent to the sender (I8); other errors are returned.
func (r *run) refusal(err error, line string) error {
	if err == nil || !errors.Is(err, ticket.ErrRefused) {
		return err
	}
	for _, e := range unjoin(err) {
		msg := strings.TrimPrefix(e.Error(), ticket.ErrRefused.Error()+": ")
		if line != "" {
			r.notedIgnored("%q was ignored: %s", line, msg)
		} else {
			r.notedIgnored("%s", msg)
		}
	}
	return nil
}

// unjoin lists the errors of errors.Join, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// splitCCArgs splits "#cc +a@x -b@y" into addresses to add and to remove.
func splitCCArgs(args []string) (add, remove []string) {
	for _, a := range args {
		email := model.NormalizeEmail(strings.TrimLeft(a, "+-"))
		if strings.HasPrefix(a, "-") {
			remove = append(remove, email)
		} else {
			add = append(add, email)
		}
	}
	return add, remove
}
