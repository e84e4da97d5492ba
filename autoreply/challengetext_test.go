package autoreply

import (
	"strings"
	"testing"
)

// challengeTextByStrings is challengeText as first written, with the
// strings package: the one-pass version must give the same text.
func challengeTextByStrings(text string) string {
	if len(text) > challengeScanText {
		text = text[:challengeScanText]
	}
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), ">") {
			continue
		}
		b.WriteString(line)
		b.WriteByte(' ')
	}
	s := strings.Join(strings.Fields(strings.ToLower(b.String())), " ")
	return strings.NewReplacer("\u2019", "'", "\u2018", "'").Replace(s)
}

// challengeTextSamples cover quoted lines, Unicode upper case and spaces,
// curly apostrophes, invalid UTF-8 and a cut inside a character.
var challengeTextSamples = []string{
	"", "\n", " \n > x\n", "Hello World", "  Please CONFIRM you are Human.  \r\n> quoted\n\tnext\vline\f",
	"It\u2019s \u2018protected\u2019 by MailWasher", "\u0130stanbul \u00c9T\u00c9 \u03a3\u039f\u03a6\u0399\u0391",
	"a\u00a0b\u0085c\u2003d\u3000e", "bad \xff\xfe bytes \xc3", ">only quoted", "x\n>y\n z \n",
	strings.Repeat("é", challengeScanText/2) + "É", strings.Repeat("Word ", 3000),
}

// TestChallengeTextSameAsStrings: the one-pass challengeText gives the
// strings-package version's text.
func TestChallengeTextSameAsStrings(t *testing.T) {
	for _, s := range challengeTextSamples {
		if got, want := challengeText(s), challengeTextByStrings(s); got != want {
			t.Errorf("challengeText(%.40q) = %.60q, want %.60q", s, got, want)
		}
	}
}

func FuzzChallengeText(f *testing.F) {
	for _, s := range challengeTextSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := challengeText(s), challengeTextByStrings(s); got != want {
			t.Fatalf("challengeText(%q) = %q, want %q", s, got, want)
		}
	})
}
