// Package corpustest finds the shared corpus of real-world mail
// (../shared/corpus beside the module root) for tests. The corpus belongs
// to nobody here and is never written to.
package corpustest

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the corpus directory and whether it exists. It looks up
// from the working directory for the module root (the directory holding
// go.mod); it needs no testing.T, so fuzz seeds can use it.
func Root() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			corpus := filepath.Join(dir, "..", "shared", "corpus")
			_, err := os.Stat(corpus)
			return corpus, err == nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// Dir returns the corpus directory joined with rel. When the corpus is
// missing it skips t, or fails it under HELPDESK_TEST_STRICT=1 (CI has the
// corpus beside the checkout).
func Dir(t testing.TB, rel ...string) string {
	t.Helper()
	root, ok := Root()
	if !ok {
		if os.Getenv("HELPDESK_TEST_STRICT") == "1" {
			t.Fatalf("mail corpus not found beside the module root (../shared/corpus)")
		}
		t.Skip("mail corpus not found beside the module root (../shared/corpus)")
	}
	dir := filepath.Join(append([]string{root}, rel...)...)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("corpus folder %s: %v", dir, err)
	}
	return dir
}
