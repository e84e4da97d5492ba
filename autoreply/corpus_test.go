package autoreply

import (
	"encoding/json"
	"github.com/helpdesk-gw/helpdesk/internal/corpustest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// corpusDir is the shared corpus, "" when it is missing (tests then skip).
var corpusDir, _ = corpustest.Root()

type sisimaiExpected map[string]struct {
	Engine     string `json:"engine"`
	Recipients []struct {
		Hard   bool   `json:"hard_bounce"`
		Reason string `json:"reason"`
		Status string `json:"status"`
	} `json:"recipients"`
}

func readCorpus(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, path))
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	return b
}

// sameStatus compares our status with sisimai's. sisimai writes its own
// pseudo codes (x.0.9xx) when the server gave none: there only the class
// can agree.
func sameStatus(ours, theirs string) bool {
	parts := strings.Split(theirs, ".")
	if len(parts) == 3 && len(parts[2]) == 3 && parts[2][0] == '9' {
		return ours != "" && ours[0] == theirs[0]
	}
	return ours == theirs
}

// TestB3_SisimaiCorpus measures bounce recognition over sisimai's 600
// bounces from about 90 mail systems and holds the scores above floors.
func TestB3_SisimaiCorpus(t *testing.T) {
	var exp sisimaiExpected
	if err := json.Unmarshal(readCorpus(t, "sisimai/_derived/expected_from_go-sisimai_fact_tests.json"), &exp); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(exp))
	for k := range exp {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var bounces, recognised, countRight, statusRight, statusTotal, classRight, hardAgree, bothRight, rcpts, msgid, autoTotal, autoRight int
	for _, k := range keys {
		e := exp[k]
		c := ClassifyRaw(readCorpus(t, filepath.Join("sisimai", k)))
		if e.Engine == "RFC3834" {
			autoTotal++
			if c.Kind == AutoReply {
				autoRight++
			} else {
				t.Logf("auto-reply missed: %s: %v %s", k, c.Kind, c.Reason)
			}
			continue
		}
		bounces++
		if c.Kind != Bounce && c.Kind != AutoReply {
			t.Logf("bounce missed: %s (%s): %v", k, e.Engine, c.Kind)
			continue
		}
		recognised++
		if c.OriginalMessageID != "" {
			msgid++
		}
		failures := 0
		for _, r := range e.Recipients {
			if r.Reason != "delivered" && r.Reason != "feedback" {
				failures++
			}
		}
		if len(c.Recipients) == failures {
			countRight++
		} else if testing.Verbose() {
			t.Logf("recipients: %s (%s): got %d %v, want %d", k, e.Engine, len(c.Recipients), c.Recipients, failures)
		}
		i := 0
		for _, r := range e.Recipients {
			if r.Reason == "delivered" || r.Reason == "feedback" {
				continue
			}
			rcpts++
			if i >= len(c.Recipients) {
				continue
			}
			got := c.Recipients[i]
			i++
			if r.Status != "" {
				statusTotal++
				if sameStatus(got.Status, r.Status) {
					statusRight++
				} else if testing.Verbose() {
					t.Logf("status: %s (%s): got %s, want %s (%s)", k, e.Engine, got.Status, r.Status, r.Reason)
				}
				if got.Hard == (r.Status[0] == '5') {
					classRight++
				}
			}
			if got.BadAddress == r.Hard {
				hardAgree++
				if len(c.Recipients) == failures {
					bothRight++
				}
			} else if testing.Verbose() {
				t.Logf("hard_bounce: %s (%s): got %v (%s %s %q), want %v (%s)", k, e.Engine, got.BadAddress, got.Status, got.Reason, trunc(got.Diagnostic, 120), r.Hard, r.Reason)
			}
		}
	}
	pct := func(n, d int) float64 { return 100 * float64(n) / float64(max(d, 1)) }
	t.Logf("auto-replies (rfc3834): %d/%d", autoRight, autoTotal)
	t.Logf("bounces recognised: %d/%d (%.1f%%)", recognised, bounces, pct(recognised, bounces))
	t.Logf("recipient count right: %d/%d (%.1f%%)", countRight, bounces, pct(countRight, bounces))
	t.Logf("status right: %d/%d (%.1f%%)", statusRight, statusTotal, pct(statusRight, statusTotal))
	t.Logf("permanent/temporary right (Hard = 5.x.x): %d/%d (%.1f%%)", classRight, statusTotal, pct(classRight, statusTotal))
	t.Logf("hard/soft right (sisimai's hard_bounce = BadAddress): %d/%d (%.1f%%)", hardAgree, rcpts, pct(hardAgree, rcpts))
	t.Logf("recipient count and hard/soft both right: %d/%d (%.1f%%)", bothRight, rcpts, pct(bothRight, rcpts))
	t.Logf("original Message-ID found: %d/%d (%.1f%%)", msgid, recognised, pct(msgid, recognised))

	// Floors at issue 3's goals where reached, else a little below the
	// score reached (see docs/parsing-scores.md): a change that loses
	// ground fails here.
	if autoRight != autoTotal {
		t.Errorf("auto-replies recognised %d/%d, want all", autoRight, autoTotal)
	}
	for _, f := range []struct {
		name       string
		n, d       int
		floorPerCt float64
	}{
		{"bounces recognised", recognised, bounces, 98},            // goal 98 (issue 3)
		{"recipient count right", countRight, bounces, 95},         // goal 95
		{"status right", statusRight, statusTotal, 92},             // no goal
		{"permanent/temporary right", classRight, statusTotal, 96}, // no goal
		{"hard/soft (sisimai) right", hardAgree, rcpts, 95},        // goal 95
		{"count and hard/soft right", bothRight, rcpts, 95},        // goal 95
		{"original Message-ID found", msgid, recognised, 86},
	} {
		if got := pct(f.n, f.d); got < f.floorPerCt {
			t.Errorf("%s: %.1f%%, floor %.0f%%", f.name, got, f.floorPerCt)
		}
	}
}

// TestB3_PersonalMailIsNotBounce: sisimai's not-bounces and the reply
// parsers' real replies are never taken for bounces.
func TestB3_PersonalMailIsNotBounce(t *testing.T) {
	var files []string
	for _, pat := range []string{
		"sisimai/set-of-emails/maildir/not/*",
		"github-email_reply_parser/test/emails/*.txt",
		"discourse-email_reply_trimmer/test/emails/*",
		"crisp-email-reply-parser/test/fixtures/*.txt",
		"zapier-email-reply-parser/test/emails/*.txt",
		"mailgun-talon/tests/fixtures/standard_replies/*.eml",
		"mailgun-talon/tests/fixtures/standard_replies/*/*.eml",
		"php-mime-mail-parser/tests/mails/*",
	} {
		m, _ := filepath.Glob(filepath.Join(corpusDir, pat))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skip("corpus not available")
	}
	kinds := map[Kind]int{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := ClassifyRaw(raw)
		// The reply corpora are mostly bare bodies: read them as bodies too.
		b := Classify(emptyHeader{}, string(raw), "")
		kinds[c.Kind]++
		if strings.HasSuffix(f, "php-mime-mail-parser/tests/mails/failure.eml") {
			if c.Kind != Bounce {
				t.Errorf("%s is a real delivery status notification, got %v", f, c.Kind)
			}
			continue // the one real bounce among these folders
		}
		if c.Kind == Bounce || b.Kind == Bounce {
			t.Errorf("%s taken for a bounce: %s%s", f, c.Reason, b.Reason)
		}
	}
	t.Logf("%d messages: %v", len(files), kinds)
}

type emptyHeader struct{}

func (emptyHeader) Values(string) []string { return nil }
func (emptyHeader) Get(string) string      { return "" }

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
