package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/helpdesk-gw/helpdesk/ingest"
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
		return e.ingestOne(ctx, "", raw, or(mailbox, "stdin"))
	}
	failed := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(e.stderr, "helpdesk: %s: %v\n", f, err)
			failed++
			continue
		}
		if err := e.ingestOne(ctx, f, raw, or(mailbox, filepath.Base(f))); err != nil {
			return err // the store failed: stop, nothing was recorded for this file
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files could not be read", failed, len(files))
	}
	return nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (e *env) ingestOne(ctx context.Context, file string, raw []byte, mailbox string) error {
	res, err := e.pipe.Ingest(ctx, ingest.Input{Raw: raw, Mailbox: mailbox, DryRun: e.g.dryRun})
	if err != nil {
		return fmt.Errorf("%s: %w", or(file, "stdin"), err)
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
	if e.g.json {
		return e.printJSONLine(line)
	}
	return e.printIngestText(file, line, res)
}

func (e *env) printIngestText(file string, line ingestLine, res ingest.Result) error {
	prefix := ""
	if file != "" {
		prefix = file + ": "
	}
	if e.g.dryRun {
		prefix += "(dry run) "
	}
	ticket := ""
	if line.Ticket != nil {
		ticket = fmt.Sprintf(" ticket %d", *line.Ticket)
	}
	fmt.Fprintf(e.stdout, "%s%s%s: %s [%s]\n", prefix, line.Outcome, ticket, line.Reason, strings.Join(line.Rules, " "))
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
