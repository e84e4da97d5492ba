package main

import (
	"context"
	"fmt"
	"runtime/debug"

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

// cmdVersion is helpdesk version. It opens no store.
func cmdVersion(ctx context.Context, e *env, in *invocation) error {
	v := programVersion()
	if e.g.json {
		return e.printJSON(v)
	}
	line := "helpdesk " + v.Version
	if v.Commit != "" {
		line += " (" + v.Commit + ")"
	}
	if v.Go != "" {
		line += ", " + v.Go
	}
	fmt.Fprintf(e.stdout, "%s\nschema version %d\n", line, v.Schema)
	return nil
}
