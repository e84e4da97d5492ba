package message

import (
	"bytes"
	"github.com/helpdesk-gw/helpdesk/internal/corpustest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/autoreply"
)

// pipelineOutcome is what the ingest pipeline makes of one corpus file.
type pipelineOutcome struct {
	path string
	took time.Duration
	kind autoreply.Kind
	err  error
}

// runPipeline puts raw through what ingest calls: Parse, Reply (Trim, and
// TrimHTML on an HTML-only body) and Classify.
func runPipeline(raw []byte) (autoreply.Kind, error) {
	m, err := Parse(raw, Options{MaxAttachmentSize: 25 << 20, MaxTotalSize: 50 << 20})
	if m != nil {
		_ = m.Reply()
	}
	return autoreply.ClassifyRaw(raw).Kind, err
}

// TestCorpusPipeline puts every corpus file through the pipeline: none may
// panic (Parse reports a recovered panic as an error; a panic in Trim or
// Classify fails the test), and each gets a recorded outcome. The slowest
// messages are logged, not asserted: timings vary with the machine and
// -race (BenchmarkCorpusPipeline measures them).
func TestCorpusPipeline(t *testing.T) {
	root := corpustest.Dir(t)
	var outs []pipelineOutcome
	kinds := map[string]int{}
	for _, path := range messageFiles(t, root) {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		kind, err := runPipeline(raw)
		o := pipelineOutcome{path: path, took: time.Since(start), kind: kind, err: err}
		if err != nil && strings.Contains(err.Error(), "panic") {
			t.Errorf("%s: %v", path, err)
		}
		outcome := kind.String()
		if err != nil {
			outcome += "+parse-error"
		}
		kinds[outcome]++
		outs = append(outs, o)
	}
	sort.Slice(outs, func(i, j int) bool { return outs[i].took > outs[j].took })
	t.Logf("%d files through Parse+Reply+Classify: %v", len(outs), kinds)
	for _, o := range outs[:min(5, len(outs))] {
		rel, _ := filepath.Rel(root, o.path)
		t.Logf("slow: %v %s", o.took, rel)
	}
}

// BenchmarkCorpusPipeline reports the slowest single message of the
// corpus through the pipeline (issue 3 wants < 100 ms): max-ms/msg is the
// slowest run seen, slowest-best-ms/msg the slowest message's own cost
// (its fastest run), which other load on the machine does not inflate.
func BenchmarkCorpusPipeline(b *testing.B) {
	root := corpustest.Dir(b)
	var raws [][]byte
	for _, path := range messageFiles(b, root) {
		raw, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		raws = append(raws, raw)
	}
	var slowest time.Duration
	best := make([]time.Duration, len(raws)) // per message, its fastest run
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j, raw := range raws {
			start := time.Now()
			_, _ = runPipeline(raw)
			took := time.Since(start)
			slowest = max(slowest, took)
			if i == 0 || took < best[j] {
				best[j] = took
			}
		}
	}
	b.ReportMetric(float64(slowest.Microseconds())/1000, "max-ms/msg")
	// The cost of the slowest message itself: its fastest of b.N runs, so
	// that a run stalled by other processes on the machine does not count.
	b.ReportMetric(float64(slices.Max(best).Microseconds())/1000, "slowest-best-ms/msg")
}

// TestCorpusNoReplacementCharacters checks that decoding adds no U+FFFD:
// a subject or text with one must come from a source that has one itself
// (the bytes EF BF BD, or their quoted-printable or base64 forms).
func TestCorpusNoReplacementCharacters(t *testing.T) {
	root := corpustest.Dir(t)
	var checked int
	var bad []string
	for _, path := range messageFiles(t, root) {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(raw, Options{})
		if m == nil || err != nil {
			continue
		}
		checked++
		if !strings.ContainsRune(m.Subject+m.Text, '\uFFFD') || sourceHasReplacement(raw) {
			continue
		}
		rel, _ := filepath.Rel(root, path)
		bad = append(bad, rel)
	}
	t.Logf("%d messages decoded, %d with a U+FFFD the source did not have: %v", checked, len(bad), bad)
	if len(bad) > 0 {
		t.Errorf("replacement characters added in %d messages", len(bad))
	}
}

// sourceHasReplacement reports whether raw carries U+FFFD itself.
func sourceHasReplacement(raw []byte) bool {
	return bytes.Contains(raw, []byte("\uFFFD")) || bytes.Contains(bytes.ToUpper(raw), []byte("=EF=BF=BD"))
}
