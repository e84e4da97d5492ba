package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/helpdesk-gw/helpdesk/config"
	"github.com/helpdesk-gw/helpdesk/store"
)

// knownSchema is the last schema migration this program applies;
// TestKnownSchemaIsTheStores checks it against a store it migrates.
var knownSchema = store.SchemaVersion()

// versionInfo is what helpdesk version prints.
type versionInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"` // empty when the build did not record it
	Schema  int    `json:"schema"`
	Go      string `json:"go"`
	// The configured store, its password hidden, and what was read of it:
	// its schema version and state (storeCurrent…), or why it was not read.
	Store       string `json:"store,omitempty"`
	StoreSchema *int   `json:"store_schema,omitempty"`
	StoreState  string `json:"store_state,omitempty"`
	StoreError  string `json:"store_error,omitempty"`
}

// The states of a store, as helpdesk version names them.
const (
	storeCurrent = "current" // at this program's schema
	storeOlder   = "older"   // migrated when a command opens it
	storeNewer   = "newer"   // refused: a newer program migrated it
	storeNone    = "none"    // a SQLite file that does not exist yet
)

// storeReadTimeout bounds how long version waits for a database.
const storeReadTimeout = 10 * time.Second

// readStore fills in the store's schema version, without creating,
// migrating or changing it.
func (v *versionInfo) readStore(ctx context.Context, cfg config.Config) {
	v.Store = redactedDB(cfg)
	if _, missing, err := missingStore(cfg.DB); err != nil || missing {
		v.StoreState = storeNone
		if err != nil {
			v.StoreState, v.StoreError = "", err.Error()
		}
		return
	}
	ctx, cancel := context.WithTimeout(ctx, storeReadTimeout)
	defer cancel()
	n, err := store.StoredSchemaVersion(ctx, cfg.DB)
	if err != nil {
		v.StoreError = err.Error()
		return
	}
	v.StoreSchema = &n
	switch {
	case n == v.Schema:
		v.StoreState = storeCurrent
	case n < v.Schema:
		v.StoreState = storeOlder
	default:
		v.StoreState = storeNewer
	}
}

// storeLine says what version found of the store, in a sentence.
func (v versionInfo) storeLine() string {
	switch {
	case v.StoreError != "":
		return fmt.Sprintf("store %s: not read: %s", v.Store, v.StoreError)
	case v.StoreState == storeNone:
		return fmt.Sprintf("store %s: none yet ('serve' and 'ingest' create it)", v.Store)
	case v.StoreState == storeOlder:
		return fmt.Sprintf("store %s: schema version %d, older: the next command or 'serve' migrates it to %d (back it up first)", v.Store, *v.StoreSchema, v.Schema)
	case v.StoreState == storeNewer:
		return fmt.Sprintf("store %s: schema version %d, newer: this program refuses it; run a helpdesk that knows schema %d", v.Store, *v.StoreSchema, *v.StoreSchema)
	}
	return fmt.Sprintf("store %s: schema version %d, current", v.Store, *v.StoreSchema)
}

// programVersion reads the version from the build: the module's version
// when installed with go install, else "(devel)", and the commit it was
// built from when the build recorded it.
func programVersion() versionInfo {
	v := versionInfo{Version: "(devel)", Schema: knownSchema}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	v.Go = bi.GoVersion
	if bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if len(v.Commit) > 12 {
		v.Commit = v.Commit[:12]
	}
	if v.Commit != "" && modified {
		v.Commit += "+modified"
	}
	return v
}

// cmdVersion is helpdesk version: the program's version and schema, and
// the configured store's schema when it exists, read without creating or
// migrating it. A configuration that does not load is an error, after the
// program's version.
func cmdVersion(ctx context.Context, e *env, in *invocation) error {
	v := programVersion()
	cfg, cfgErr := e.loadConfig()
	if cfgErr == nil {
		v.readStore(ctx, cfg)
	}
	if e.g.json {
		if err := e.printJSON(v); err != nil {
			return err
		}
		return cfgErr
	}
	line := "helpdesk " + v.Version
	if v.Commit != "" {
		line += " (" + v.Commit + ")"
	}
	if v.Go != "" {
		line += ", " + v.Go
	}
	fmt.Fprintf(e.stdout, "%s\nschema version %d\n", line, v.Schema)
	if v.Store != "" {
		fmt.Fprintln(e.stdout, v.storeLine())
	}
	return cfgErr
}
