package autoreply

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
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

// challengeMarkerFolding is challengeMarker before mayHoldSignature: the
// text read for every message. The two must agree on everything.
func challengeMarkerFolding(h Header, text, envelopeFrom string) string {
	if why := challengeHeaderMarker(h); why != "" {
		return why
	}
	if tmdaConfirm(h) {
		return "challenge-response request (TMDA confirmation address)"
	}
	return challengeInText(text, plainlyAutomatic(h, envelopeFrom))
}

// signatureTexts write each signature as mail might: upper case, the
// Turkish dotted I and the Kelvin sign for i and k, curly apostrophes,
// line breaks and runs of spaces inside it, quoted, past the scanned
// start, and beside ordinary text.
func signatureTexts() []string {
	var out []string
	for _, s := range challengeSignatures {
		out = append(out, s, strings.ToUpper(s), "Hello,\n\n"+s+"\nThanks",
			strings.ReplaceAll(s, " ", " \r\n\t "), strings.ReplaceAll(s, "i", "\u0130"),
			strings.ReplaceAll(strings.ToUpper(s), "K", "\u212a"), strings.ReplaceAll(s, "'", "\u2019"),
			"> "+s, strings.Repeat("x", challengeScanText-len(s)/2)+" "+s)
	}
	return append(out, challengeTextSamples...)
}

// TestChallengeMarkerSkipsFoldingAlike: sparing the fold of text without
// a signature's anchor changes no verdict, on any header kind.
func TestChallengeMarkerSkipsFoldingAlike(t *testing.T) {
	headers := map[string]Header{"person": emptyHeader{}, "daemon": textHeader{"From": "MAILER-DAEMON@example.com"}}
	for name, h := range headers {
		for _, text := range append(signatureTexts(), "please confirm you are human", "Ordinary mail about an invoice.") {
			for _, env := range []string{"", "<>"} {
				if got, want := challengeMarker(h, text, env), challengeMarkerFolding(h, text, env); got != want {
					t.Errorf("%s, %q, envelope %q: %q, want %q", name, trunc(text, 60), env, got, want)
				}
			}
		}
	}
	if len(signatureAnchors) == 0 {
		t.Fatal("no anchors")
	}
}

// TestOnlyDottedIAndKelvinLowerToASCII is the fact signatureAnchors rests on.
func TestOnlyDottedIAndKelvinLowerToASCII(t *testing.T) {
	for r := rune(utf8.RuneSelf); r <= unicode.MaxRune; r++ {
		if l := unicode.ToLower(r); l < utf8.RuneSelf && r != '\u0130' && r != '\u212a' {
			t.Errorf("%U lower-cases to %q", r, l)
		}
	}
}

func FuzzChallengeMarkerSkipsFolding(f *testing.F) {
	for _, s := range signatureTexts() {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, text string, daemon bool) {
		var h Header = emptyHeader{}
		if daemon {
			h = textHeader{"From": "MAILER-DAEMON@example.com"}
		}
		if got, want := challengeMarker(h, text, ""), challengeMarkerFolding(h, text, ""); got != want {
			t.Fatalf("%q: %q, want %q", text, got, want)
		}
	})
}

// textHeader is a header of one value per field.
type textHeader map[string]string

func (h textHeader) Values(k string) []string {
	if v, ok := h[k]; ok {
		return []string{v}
	}
	return nil
}
func (h textHeader) Get(k string) string { return h[k] }

// BenchmarkChallengeMarker: the check on an ordinary message's text (a
// person's reply of about 4 KB), with and without the anchors' look.
func BenchmarkChallengeMarker(b *testing.B) {
	text := strings.Repeat("Hello Anna,\n\nThe export still fails after the update we installed this morning; "+
		"the log says the job timed out. Could you have a look?\n\nBest regards,\nJan\n\n", 25)
	b.Run("anchors", func(b *testing.B) {
		for range b.N {
			if challengeMarker(emptyHeader{}, text, "") != "" {
				b.Fatal("a challenge")
			}
		}
	})
	b.Run("folding", func(b *testing.B) {
		for range b.N {
			if challengeMarkerFolding(emptyHeader{}, text, "") != "" {
				b.Fatal("a challenge")
			}
		}
	})
}
