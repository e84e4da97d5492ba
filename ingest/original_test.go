package ingest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/internal/corpustest"
	"github.com/helpdesk-gw/helpdesk/message"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// corpusWithAttachments returns up to max corpus messages, from several
// parsers' test suites, that have at least one attachment with content.
func corpusWithAttachments(t *testing.T, max int) map[string][]byte {
	t.Helper()
	found := map[string][]byte{}
	dirs := []string{"jhillyerd-enmime", "php-mime-mail-parser", "nodemailer-mailparser", "jstedfast-MimeKit", "mikel-mail"}
	for i, dir := range dirs {
		root := corpustest.Dir(t, dir)
		limit := max * (i + 1) / len(dirs) // a share from each suite
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || len(found) >= limit {
				return err
			}
			raw, err := os.ReadFile(path)
			if err != nil || len(raw) > 1<<20 {
				return nil
			}
			msg, err := message.Parse(raw, message.Options{})
			if err != nil {
				return nil
			}
			for _, a := range msg.Attachments {
				if len(a.Content) > 0 {
					found[path] = raw
					break
				}
			}
			return nil
		})
	}
	if len(found) < 10 {
		t.Fatalf("only %d corpus messages with attachments", len(found))
	}
	return found
}

// An attachment that came by mail is stored once, inside its raw message:
// there is no blob for it, and AttachmentContent gives back exactly what
// the parser decoded, for real-world mail of several parsers' test suites.
func TestAttachmentsReadBackFromTheirRawMessage(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b, func(o *ingest.Options) { o.Parse.MaxAttachmentSize = 25 << 20 }) // serve's default
		checked := 0
		for path, raw := range corpusWithAttachments(t, 40) {
			res := w.ingestRaw(raw)
			if res.TicketID == 0 || res.Outcome == model.OutcomeDuplicate {
				continue // automatic mail, a bounce, the same bytes again: no comment
			}
			want, err := message.Parse(raw, message.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range w.comments(res.TicketID) {
				if c.RawMessageID != res.RawID {
					continue
				}
				if len(c.Attachments) != len(want.Attachments) {
					t.Fatalf("%s: %d attachments recorded, the message has %d", path, len(c.Attachments), len(want.Attachments))
				}
				for i, a := range c.Attachments {
					if a.RawPart != i+1 {
						t.Fatalf("%s: attachment %d (%s) has raw part %d", path, i+1, a.Filename, a.RawPart)
					}
					if _, err := w.st.Blob(w.ctx, a.SHA256); !errors.Is(err, store.ErrNotFound) && len(want.Attachments[i].Content) > 0 {
						t.Errorf("%s: attachment %s is also stored as a blob (err %v)", path, a.Filename, err)
					}
					got, err := w.p.AttachmentContent(w.ctx, w.st, a)
					if err != nil {
						t.Fatalf("%s: %v", path, err)
					}
					if !bytes.Equal(got, want.Attachments[i].Content) || int64(len(got)) != a.Size {
						t.Fatalf("%s: attachment %s: read back %d bytes, want %d (size recorded %d)", path, a.Filename, len(got), len(want.Attachments[i].Content), a.Size)
					}
					checked++
				}
			}
		}
		if checked < 10 {
			t.Fatalf("only %d attachments checked", checked)
		}
	})
}

// A recorded hash that does not match the part read from the raw message
// is an error, never someone else's file; an attachment over the size
// limit keeps no content and names no part.
func TestAttachmentContentChecksItsHash(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b, func(o *ingest.Options) { o.Parse.MaxAttachmentSize = 10 })
		raw := []byte("From: ann@acme.com\r\nTo: support@help.example\r\nSubject: files\r\nMessage-ID: <files@acme.com>\r\n" +
			"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
			"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=big.bin\r\n\r\nmore than ten bytes\r\n" +
			"--b\r\nContent-Type: text/plain; name=small.txt\r\nContent-Disposition: attachment; filename=small.txt\r\n\r\ntiny\r\n--b--\r\n")
		comments := w.comments(w.ingestRaw(raw).TicketID)
		if len(comments) != 1 || len(comments[0].Attachments) != 2 {
			t.Fatalf("comments %+v", comments)
		}
		big, small := comments[0].Attachments[0], comments[0].Attachments[1]
		if small.RawPart != 2 {
			t.Fatalf("small.txt, second in the message after an omitted part, names part %d", small.RawPart)
		}
		if got, err := w.p.AttachmentContent(w.ctx, w.st, small); err != nil || string(got) != "tiny" {
			t.Fatalf("small.txt: %q, %v", got, err)
		}
		if big.RawPart != 0 || big.Size != 19 {
			t.Fatalf("big.bin over the limit: raw part %d, size %d", big.RawPart, big.Size)
		}
		if got, err := w.p.AttachmentContent(w.ctx, w.st, big); err != nil || len(got) != 0 {
			t.Fatalf("big.bin: %q, %v; want no content", got, err)
		}
		sum := sha256.Sum256([]byte("something else"))
		forged := small
		forged.SHA256 = hex.EncodeToString(sum[:])
		if _, err := w.p.AttachmentContent(w.ctx, w.st, forged); !errors.Is(err, ingest.ErrAttachmentMismatch) {
			t.Fatalf("hash mismatch: %v, want ErrAttachmentMismatch", err)
		}
		// Should the parser someday list the parts differently, the
		// content is found by its hash.
		moved := small
		moved.RawPart = 3
		if got, err := w.p.AttachmentContent(w.ctx, w.st, moved); err != nil || string(got) != "tiny" {
			t.Fatalf("part out of range, content in the message: %q, %v", got, err)
		}
		moved.SHA256 = forged.SHA256
		if _, err := w.p.AttachmentContent(w.ctx, w.st, moved); !errors.Is(err, ingest.ErrAttachmentMismatch) {
			t.Fatalf("part out of range, content nowhere: %v, want ErrAttachmentMismatch", err)
		}
	})
}

// A comment made from mail keeps its trimmed Body; the whole text and the
// HTML are read from its raw message, sanitised, not stored a second time
// (decision 45).
func TestCommentOriginalReadFromItsRawMessage(t *testing.T) {
	runBoth(t, func(t *testing.T, b store.Backend) {
		w := newWorld(t, b)
		raw := []byte("From: ann@acme.com\r\nTo: support@help.example\r\nSubject: printer\r\nMessage-ID: <html@acme.com>\r\n" +
			"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n" +
			"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe printer is on fire.\r\n\r\nOn Monday Bob wrote:\r\n> old words\r\n" +
			"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p onclick=\"steal()\">The printer is <b>on fire</b>.</p><script>steal()</script>\r\n--b--\r\n")
		comments := w.comments(w.ingestRaw(raw).TicketID)
		if len(comments) != 1 {
			t.Fatalf("comments %+v", comments)
		}
		c := comments[0]
		if c.Body != "The printer is on fire." || c.FullBody != "" || c.HTML != "" {
			t.Fatalf("stored body %q, full body %q, HTML %q", c.Body, c.FullBody, c.HTML)
		}
		orig, err := w.p.CommentOriginal(w.ctx, w.st, c)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(orig.Text, "> old words") || !strings.Contains(orig.HTML, "<b>on fire</b>") ||
			strings.Contains(orig.HTML, "script") || strings.Contains(orig.HTML, "onclick") {
			t.Fatalf("original text %q, HTML %q", orig.Text, orig.HTML)
		}
		kept := model.Comment{ID: 1, RawMessageID: c.RawMessageID, FullBody: "stored text", HTML: "<p>stored</p>"}
		if orig, err := w.p.CommentOriginal(w.ctx, w.st, kept); err != nil || orig.Text != "stored text" || orig.HTML != "<p>stored</p>" {
			t.Fatalf("a comment stored with its original: %+v, %v", orig, err)
		}
	})
}
