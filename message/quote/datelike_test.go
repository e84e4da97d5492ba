package quote

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

// dateLikeRE is the expression dateLike implements by hand.
var dateLikeRE = regexp.MustCompile(`\b(?:19|20)\d\d\b|\b\d{1,2}[:.]\d{2}\b`)

// dateLike agrees with the regular expression it replaces, on attribution
// shapes and on random strings of the characters that matter.
func TestDateLikeMatchesItsExpression(t *testing.T) {
	for _, s := range []string{
		"On 3 March 2016, at 17:21, Ann wrote:", "Le 12.03.2016 à 9:05", "am 1.1.19", "2016-03-03 17:21 GMT+01:00",
		"call 0800 123 456", "x2020", "2020x", "_2020", "2020_", "é2020é", "12:345", "123:45", "1:2", "1:23", "01.99.",
		"", "19", "1999", "21999", "v1.20", "3.14159", "pi is 3.14", "ab12:34cd", "12:34", "(20:15)",
	} {
		if got, want := dateLike(s), dateLikeRE.MatchString(s); got != want {
			t.Errorf("dateLike(%q) = %v, want %v", s, got, want)
		}
	}
	alphabet := []rune("0129:. a_é-x")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		b := make([]rune, rng.IntN(12))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		s := string(b)
		if got, want := dateLike(s), dateLikeRE.MatchString(s); got != want {
			t.Fatalf("dateLike(%q) = %v, want %v", s, got, want)
		}
	}
}
