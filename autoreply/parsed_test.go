package autoreply

import (
	"bufio"
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"

	"github.com/helpdesk-gw/helpdesk/message"
)

// ClassifyParsed, which skips reading the structure again when nothing in
// it can make a bounce, gives what Classify gives on every message of the
// corpus: bounces (B3), auto-replies and list mail (B1), personal mail.
func TestB1_B3_ClassifyParsedAgreesWithClassify(t *testing.T) {
	if corpusDir == "" {
		t.Skip("corpus not available")
	}
	n, skipped := 0, 0
	err := filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "_derived") {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil || len(raw) > 4<<20 {
			return err
		}
		if bytes.HasPrefix(raw, []byte("From ")) {
			if i := bytes.IndexByte(raw, '\n'); i >= 0 {
				raw = raw[i+1:]
			}
		}
		br := bufio.NewReader(bytes.NewReader(raw))
		h, err := textproto.ReadHeader(br)
		if err != nil || h.Get("From") == "" && h.Get("Content-Type") == "" {
			return nil // not a message
		}
		body, _ := io.ReadAll(br)
		m, err := message.Parse(raw, message.Options{})
		if err != nil {
			return nil // the pipeline classifies what it cannot parse with Classify
		}
		want := Classify(&h, string(body), "")
		got := ClassifyParsed(&h, string(body), Parsed{Text: m.Text, Types: m.Types, PartsSkipped: m.PartsSkipped}, "")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: ClassifyParsed = %+v, Classify = %+v", path, got, want)
		}
		if want.Kind == None {
			skipped++
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Fatalf("only %d corpus messages read", n)
	}
	t.Logf("%d corpus messages agree (%d neither bounce nor automatic)", n, skipped)
}
