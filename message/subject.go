package message

import (
	"regexp"
	"strings"
)

// replyPrefix matches reply or forward markers at the start of a subject, in
// the languages mail clients use, with an optional counter ("Re[2]:",
// "Re^3:") and any list tags before it ("[list] Re:").
var replyPrefix = regexp.MustCompile(`(?i)^(?:\[[^\]]{0,64}\]\s*)*` +
	`(?:re|fwd?|aw|wg|sv|vs|vb|antw|antwort|tr|ref|rif|rv|enc|odp|pd|yn|ynt|res|bls|trs|fw|πθ|σχετ|отв|пересл|回复|转发|答复|回覆|轉寄)` +
	`\s*(?:\[\d+\]|\(\d+\)|\^\d+)?\s*[:：]\s*`)

// fwdWrapper matches a whole subject wrapped as "[Fwd: …]".
var fwdWrapper = regexp.MustCompile(`(?i)^\[fwd?:\s*(.*)\]$`)

// NormalizeSubject strips leading reply and forward prefixes (Re:, Fwd:,
// FW:, AW:, WG:, SV:, VS:, Antw:, TR:, RV:, Odp:, 回复: …, repeated and
// nested, with counters such as "Re[2]:", and the list tags before them), a
// "[Fwd: …]" wrapper and trailing "(fwd)" markers, and collapses whitespace.
// It is for display and loose comparison only; threading never relies on it.
func NormalizeSubject(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for i := 0; i < 100; i++ {
		prev := s
		for strings.HasSuffix(strings.ToLower(s), "(fwd)") {
			s = strings.TrimSpace(s[:len(s)-len("(fwd)")])
		}
		s = replyPrefix.ReplaceAllString(s, "")
		if m := fwdWrapper.FindStringSubmatch(s); m != nil {
			s = strings.TrimSpace(m[1])
		}
		if s == prev {
			break
		}
	}
	return s
}
