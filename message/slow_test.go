package message

import (
	"strings"
	"testing"
	"time"
)

// TestPathologicalInputsAreFast guards against quadratic behaviour on
// hostile input.
func TestPathologicalInputsAreFast(t *testing.T) {
	tests := map[string]string{
		"huge date":         "From: a@example.com\nDate: " + strings.Repeat("Mon ", 200000) + "\n\nx\n",
		"huge to":           "From: a@example.com\nTo: " + strings.Repeat("a@b.c, ", 100000) + "\n\nx\n",
		"huge junk to":      "From: a@example.com\nTo: " + strings.Repeat("<\"(junk ", 50000) + "\n\nx\n",
		"huge references":   "From: a@example.com\nReferences: " + strings.Repeat("<a@b> ", 100000) + "\n\nx\n",
		"huge subject":      "From: a@example.com\nSubject: " + strings.Repeat("=?utf-8?q?a?= ", 100000) + "\n\nx\n",
		"deep html":         "From: a@example.com\nContent-Type: text/html\n\n" + strings.Repeat("<blockquote><div>", 5000) + "x",
		"many html blocks":  "From: a@example.com\nContent-Type: text/html\n\n" + strings.Repeat("<p>a <a href='http://x'>b</a></p>", 100000),
		"many parts":        "From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n" + strings.Repeat("--b\n\nx\n", 100000),
		"deep multipart":    "From: a@example.com\n" + strings.Repeat("Content-Type: multipart/mixed; boundary=b\n\n--b\n", 5000),
		"many lines":        "From: a@example.com\n\n" + strings.Repeat("line\n", 500000),
		"many header lines": strings.Repeat("X-A: b\n", 200000) + "From: a@example.com\n\nx",
		"junk header lines": "From: a@example.com\n" + strings.Repeat("junk line\nX-A: b\n", 100000) + "\nx",
	}
	for name, raw := range tests {
		start := time.Now()
		if _, err := Parse([]byte(raw), Options{}); err != nil {
			t.Logf("%s: %v", name, err)
		}
		if d := time.Since(start); d > 20*time.Second { // generous: -race is slow; quadratic would take minutes
			t.Errorf("%s took %v", name, d)
		} else {
			t.Logf("%s: %v", name, d)
		}
	}
}
