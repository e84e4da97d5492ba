package imapsource

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// corpusMessages reads every message file of ../shared/corpus (everything
// but the JSON expectations and the notes beside them).
func corpusMessages(t testing.TB) ([][]byte, []string) {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "corpus")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not found at %s", dir)
	}
	var msgs [][]byte
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		base := strings.ToLower(d.Name())
		if strings.HasSuffix(base, ".json") || strings.HasSuffix(base, ".md") || strings.HasPrefix(base, "license") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil || len(b) == 0 {
			return err
		}
		msgs, names = append(msgs, b), append(names, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return msgs, names
}

func TestDovecotIngestsTheWholeCorpus(t *testing.T) {
	msgs, _ := corpusMessages(t)
	d := startDovecot(t)
	st := storetest.Open(t, store.SQLite)
	d.seed(t, "corpus", msgs)
	mc := openClient(t, d.addr, "corpus")
	m := mailboxAt(d.addr, "corpus")
	m.Name = "corpus"
	var logs logBuffer
	runPoller(t, Options{Mailbox: m, Ingester: newPipeline(t, st), Store: st, Logger: logs.logger()})
	t.Cleanup(func() {
		if t.Failed() {
			l := logs.String()
			t.Logf("log tail:\n%s", l[max(0, len(l)-4000):])
		}
	})
	eventually(t, 5*time.Minute, "INBOX emptied", func() bool { return mc.count("INBOX") == 0 })
	got := outcomes(t, st)
	total := 0
	for _, n := range got {
		total += n
	}
	if total != len(msgs) {
		t.Fatalf("%d messages recorded, %d seeded; outcomes %v", total, len(msgs), got)
	}
	// the failure folder also gets the byte-for-byte repeats of failed messages
	if p, f := mc.count("Processed"), mc.count("Failed"); p+f != len(msgs) || f < got[model.OutcomeFailed] {
		t.Fatalf("Processed %d + Failed %d, want %d with at least %d failed", p, f, len(msgs), got[model.OutcomeFailed])
	}
	if strings.Contains(logs.String(), "panic") {
		t.Errorf("a panic was logged")
	}
	t.Logf("%d corpus messages: %v", len(msgs), got)
}
