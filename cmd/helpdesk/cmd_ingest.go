package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/model"
)

// ingestLine is the JSON shape of one ingested message (cli.md), with the
// rule ids behind the outcome and, on a dry run, who would be notified.
type ingestLine struct {
	File     string           `json:"file,omitempty"`
	Outcome  string           `json:"outcome"`
	Ticket   *int64           `json:"ticket"`
	Reason   string           `json:"reason"`
	Rules    []string         `json:"rules"`
	Notified []ingest.Planned `json:"notified,omitempty"`
}

// cmdIngest ingests each file, or standard input, and prints one line per
// message. It goes on after a message that failed (a file it cannot read
// is one, not recorded) and then exits 1 (cli.md); a store that fails
// stops it at once.
func cmdIngest(ctx context.Context, e *env, in *invocation) error {
	files, mailbox := in.pos, in.str("mailbox")
	if err := e.open(ctx); err != nil {
		return err
	}
	if len(files) == 0 {
		raw, err := io.ReadAll(io.LimitReader(e.stdin, e.cfg.MaxMessageBytes*2))
		if err != nil {
			return fmt.Errorf("read standard input: %w", err)
		}
		failed, err := e.ingestOne(ctx, "", raw, or(mailbox, "stdin"))
		if err == nil && failed {
			err = errors.New("the message failed (its line says why)")
		}
		return err
	}
	failed := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			failed++
			line := ingestLine{File: f, Outcome: string(model.OutcomeFailed), Reason: "cannot read the file: " + readError(err), Rules: []string{}}
			if err := e.printIngestLine(line, ingest.Result{}); err != nil {
				return err
			}
			continue
		}
		bad, err := e.ingestOne(ctx, f, raw, or(mailbox, filepath.Base(f)))
		if err != nil {
			return err // the store failed: stop, nothing was recorded for this file
		}
		if bad {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d %s failed (their lines say why)", failed, len(files), plural(len(files), "message", "messages"))
	}
	return nil
}

// readError is why a file could not be read, without the path its line
// already names.
func readError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// ingestOne ingests one message and prints its line; failed is its
// outcome being failed.
func (e *env) ingestOne(ctx context.Context, file string, raw []byte, mailbox string) (failed bool, err error) {
	res, err := e.pipe.Ingest(ctx, ingest.Input{Raw: raw, Mailbox: mailbox, DryRun: e.g.dryRun})
	if err != nil {
		return false, fmt.Errorf("%s: %w", or(file, "stdin"), err)
	}
	line := ingestLine{File: file, Outcome: string(res.Outcome), Reason: res.Reason, Rules: res.Rules}
	if line.Rules == nil {
		line.Rules = []string{}
	}
	if res.TicketID != 0 {
		id := res.TicketID
		line.Ticket = &id
	}
	if e.g.dryRun {
		line.Notified = res.Notified
	}
	return res.Outcome == model.OutcomeFailed, e.printIngestLine(line, res)
}

// printIngestLine prints one message's line, as JSON with --json.
func (e *env) printIngestLine(line ingestLine, res ingest.Result) error {
	if e.g.json {
		return e.printJSONLine(line)
	}
	return e.printIngestText(line, res)
}

func (e *env) printIngestText(line ingestLine, res ingest.Result) error {
	prefix := ""
	if line.File != "" {
		prefix = line.File + ": "
	}
	if e.g.dryRun {
		prefix += "(dry run) "
	}
	ticket := ""
	if line.Ticket != nil {
		ticket = fmt.Sprintf(" ticket %d", *line.Ticket)
	}
	rules := ""
	if len(line.Rules) > 0 {
		rules = " [" + strings.Join(line.Rules, " ") + "]"
	}
	fmt.Fprintf(e.stdout, "%s%s%s: %s%s\n", prefix, line.Outcome, ticket, line.Reason, rules)
	if e.g.dryRun {
		for _, n := range res.Notified {
			fmt.Fprintf(e.stdout, "  would notify %s (%s) [%s]\n", n.To, n.Kind, strings.Join(n.Rules, " "))
		}
	}
	return nil
}

func (e *env) printJSONLine(v any) error {
	b, err := jsonMarshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", b)
	return err
}
