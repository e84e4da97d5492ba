package message

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"
)

// Decoding in fixed pieces must equal decoding at once, whatever the size
// and line length, padding included.
func TestDecodeBase64InPieces(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 2, 3, 3071, 3072, 3073, 100_000, 1 << 20} {
		want := make([]byte, size)
		for i := range want {
			want[i] = byte(rng.UintN(256))
		}
		enc := base64.StdEncoding.EncodeToString(want)
		var folded strings.Builder
		for i := 0; i < len(enc); i += 76 {
			folded.WriteString(enc[i:min(i+76, len(enc))] + "\r\n")
		}
		got, warn := decodeBase64([]byte(folded.String()))
		if warn != "" || !bytes.Equal(got, want) {
			t.Fatalf("size %d: %d bytes back, warning %q", size, len(got), warn)
		}
	}
}
