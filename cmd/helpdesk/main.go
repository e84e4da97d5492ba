// Command helpdesk is the email-driven helpdesk gateway: it ingests mail
// into tickets, runs the admin commands of the rule book, and (serve) runs
// the gateway. It is the one place that reads flags, environment and
// configuration files and wires the packages together. The command line is
// a contract: ../shared/spec/cli.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/helpdesk-gw/helpdesk/admin"
)

// Exit codes (cli.md).
const (
	exitOK      = 0
	exitRefused = 1
	exitUsage   = 2
)

// main runs one command line. The first SIGINT or SIGTERM ends the
// command's context (serve then shuts down within its grace period); a
// second one exits at once.
func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		cancel()
		s := <-sigs
		fmt.Fprintf(os.Stderr, "helpdesk: second signal (%s): exiting at once\n", s)
		os.Exit(exitRefused)
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	os.Exit(code)
}

// run executes one command line and returns its exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	g, rest, err := parseGlobal(args, getenv)
	if err != nil {
		fmt.Fprintln(stderr, "helpdesk:", err)
		return exitUsage
	}
	if len(rest) == 0 || rest[0] == "help" || rest[0] == "-h" || rest[0] == "--help" {
		fmt.Fprint(stdout, usageText)
		if len(rest) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := commandTable[rest[0]]
	if !ok {
		fmt.Fprintf(stderr, "helpdesk: unknown command %q (see 'helpdesk help')\n", rest[0])
		return exitUsage
	}
	e := &env{g: g, stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	defer e.close()
	err = cmd(ctx, e, rest[1:])
	return report(stderr, err)
}

// report prints err in one line and maps it to an exit code.
func report(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var ue usageError
	switch {
	case errors.As(err, &ue), errors.Is(err, admin.ErrUsage):
		fmt.Fprintln(stderr, "helpdesk:", oneLine(err.Error()))
		return exitUsage
	default:
		fmt.Fprintln(stderr, "helpdesk:", oneLine(err.Error()))
		return exitRefused
	}
}

func oneLine(s string) string {
	out := []rune{}
	for _, r := range s {
		if r == '\n' || r == '\r' {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}

// usageError is wrong usage of the command line (exit 2).
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

const usageText = `helpdesk: an email-driven helpdesk gateway

Usage: helpdesk [global flags] COMMAND [flags] [args]

Global flags: --db URL, --config FILE, --as EMAIL, --reason TEXT, --json,
              --dry-run (preview a change or an ingest), --yes (confirm a wide change)

Commands:
  serve [--check]                         run the gateway (poller, sender, HTTP); --check validates
                                          the configuration and prints it, secrets redacted
  ingest [--mailbox NAME] [FILE ...]      ingest raw messages (stdin if no FILE)
  org add SLUG --name NAME --domain D [--domain D ...] [--access own|view|comment]
          [--intake open|registered] [--cc-adders requester|participants] [--force]
  org set SLUG [--name NAME] [--access ...] [--intake ...] [--cc-adders ...] [--language en|nb]
  org domain add|remove SLUG DOMAIN [--force]
  org sync SLUG
  org list
  user add EMAIL [--name NAME] [--org SLUG ...]
  user set EMAIL [--name NAME] [--default-org SLUG]
  user show EMAIL
  member set EMAIL SLUG [--access own|org] [--follow-all|--no-follow-all]
  member remove EMAIL SLUG
  staff add|set EMAIL --role agent|admin|owner
  staff remove EMAIL
  ticket list [--org SLUG] [--status S]
  ticket show ID
  ticket access ID                        who can see the ticket, and why
  ticket cc ID [--add EMAIL ...] [--remove EMAIL ...]
  outbox list [--ticket ID] [--status queued|sent|failed]
  quarantine list | release ID | discard ID
  audit
`
