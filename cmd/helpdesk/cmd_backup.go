package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/store"
)

// errBackupPostgres is helpdesk backup on PostgreSQL, whose own tools copy
// it consistently (README, "Backups and upgrades").
var errBackupPostgres = errors.New("helpdesk backup copies an embedded SQLite store; this store is PostgreSQL: " +
	"back it up with pg_dump --format=custom --file=helpdesk.dump DBNAME and restore with pg_restore " +
	"(README: Backups and upgrades)")

// backupResult is what helpdesk backup --json prints.
type backupResult struct {
	Store  string `json:"store"`
	Backup string `json:"backup"`
	Bytes  int64  `json:"bytes"`
	Schema int    `json:"schema"`
}

// cmdBackup is helpdesk backup PATH: a consistent copy of the SQLite store,
// taken while serve may be running. It neither creates nor migrates the
// store, and never replaces PATH.
func cmdBackup(ctx context.Context, e *env, in *invocation) error {
	cfg, err := e.loadConfig()
	if err != nil {
		return err
	}
	e.cfg = cfg
	url, err := e.storeURL()
	if err != nil {
		return err
	}
	if _, ok := sqliteFile(url); !ok {
		return errBackupPostgres
	}
	if e.g.dryRun {
		fmt.Fprintf(e.stdout, "(dry run) would back up %s to %s\n", redactedDB(cfg), in.pos[0])
		return nil
	}
	info, err := store.Backup(ctx, url, in.pos[0])
	if errors.Is(err, store.ErrNotEmbedded) {
		return errBackupPostgres
	}
	if err != nil {
		return err
	}
	if e.g.json {
		return e.printJSON(backupResult{Store: redactedDB(cfg), Backup: info.Path, Bytes: info.Bytes, Schema: info.Schema})
	}
	fmt.Fprintf(e.stdout, "backed up %s (schema version %d) to %s, %d bytes\n", redactedDB(cfg), info.Schema, info.Path, info.Bytes)
	fmt.Fprintf(e.stdout, "to restore: stop every helpdesk process, then copy %s over the store's file (README: Backups and upgrades)\n", info.Path)
	return nil
}
