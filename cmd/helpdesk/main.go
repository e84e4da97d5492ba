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
		return report(stderr, err)
	}
	if len(rest) == 1 && (rest[0] == "-h" || rest[0] == "--help" || rest[0] == "-help") {
		printOverview(stdout)
		return exitOK
	}
	spec, n := findCommand(rest)
	if spec == nil {
		return report(stderr, unknownCommand(rest))
	}
	if wantsHelp(rest[n:]) {
		printCommandHelp(stdout, spec)
		return exitOK
	}
	in, err := parseInvocation(spec, rest[n:])
	if err != nil {
		return report(stderr, err)
	}
	e := &env{g: g, stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, mayCreate: spec.CreatesStore}
	defer e.close()
	return report(stderr, spec.Run(ctx, e, in))
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
