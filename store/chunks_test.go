package store_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
)

// randomBytes returns n bytes that compress to nothing and differ by seed.
func randomBytes(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

func hashOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func wantChunks(t *testing.T, s *store.Store, raw, blob int) {
	t.Helper()
	gotRaw, gotBlob, err := store.CountChunks(ctx, s)
	must(t, err)
	if gotRaw != raw || gotBlob != blob {
		t.Fatalf("pieces stored: %d raw, %d blob; want %d, %d", gotRaw, gotBlob, raw, blob)
	}
}

// A raw message larger than a chunk is stored in pieces and read back whole,
// byte for byte, by every reader; one of exactly a chunk stays inline.
func TestChunkedRawMessages(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		big := randomBytes(2*store.ChunkSize+12345, 1) // three pieces, the last short
		orig := model.RawMessage{SHA256: hashOf(big), Raw: big, MessageID: "big@x", From: "ann@acme.com",
			Mailbox: "INBOX", Outcome: model.OutcomeCreated}
		must(t, s.InsertRaw(ctx, &orig))
		wantChunks(t, s, 3, 0)
		got, err := s.RawByID(ctx, orig.ID)
		must(t, err)
		if !bytes.Equal(got.Raw, big) || got.Size != int64(len(big)) || got.MessageID != "big@x" {
			t.Fatalf("RawByID: %d bytes (equal %v), size %d", len(got.Raw), bytes.Equal(got.Raw, big), got.Size)
		}
		first, err := s.RawBySHA256(ctx, orig.SHA256)
		must(t, err)
		if first.ID != orig.ID || !bytes.Equal(first.Raw, big) {
			t.Fatalf("RawBySHA256: id %d, %d bytes (equal %v)", first.ID, len(first.Raw), bytes.Equal(first.Raw, big))
		}

		// A same-bytes duplicate keeps no bytes (found by hash, not content)
		// and reads its original's.
		dup := model.RawMessage{SHA256: orig.SHA256, Size: int64(len(big)), MessageID: "big@x", From: "ann@acme.com",
			Mailbox: "INBOX", Outcome: model.OutcomeDuplicate, DuplicateOf: orig.ID}
		must(t, s.InsertRaw(ctx, &dup))
		wantChunks(t, s, 3, 0)
		gotDup, err := s.RawByID(ctx, dup.ID)
		must(t, err)
		if gotDup.DuplicateOf != orig.ID || !bytes.Equal(gotDup.Raw, big) {
			t.Fatalf("duplicate: %d bytes (equal %v), want the original's", len(gotDup.Raw), bytes.Equal(gotDup.Raw, big))
		}
		if first, err := s.RawBySHA256(ctx, orig.SHA256); err != nil || first.ID != orig.ID {
			t.Fatalf("RawBySHA256 after the duplicate = %d, %v; want %d", first.ID, err, orig.ID)
		}

		// A duplicate by Message-ID keeps its own (different) bytes, here
		// one byte over a chunk: two pieces.
		other := randomBytes(store.ChunkSize+1, 2)
		byID := model.RawMessage{SHA256: hashOf(other), Raw: other, MessageID: "big@x", From: "ann@acme.com",
			Outcome: model.OutcomeDuplicate, DuplicateOf: orig.ID}
		must(t, s.InsertRaw(ctx, &byID))
		wantChunks(t, s, 5, 0)
		if got, err := s.RawByID(ctx, byID.ID); err != nil || !bytes.Equal(got.Raw, other) {
			t.Fatalf("duplicate by Message-ID: %d bytes, %v; want its own", len(got.Raw), err)
		}

		// Exactly a chunk, and inside a transaction.
		edge := randomBytes(store.ChunkSize, 3)
		must(t, s.InTx(ctx, func(tx *store.Tx) error {
			m := model.RawMessage{SHA256: hashOf(edge), Raw: edge, Outcome: model.OutcomeFailed}
			if err := tx.InsertRaw(ctx, &m); err != nil {
				return err
			}
			got, err := tx.RawByID(ctx, m.ID)
			if err == nil && !bytes.Equal(got.Raw, edge) {
				t.Errorf("a chunk's worth inside the transaction: %d bytes, not equal", len(got.Raw))
			}
			return err
		}))
		wantChunks(t, s, 5, 0)

		all, err := s.ListRaw(ctx, "")
		must(t, err)
		for _, m := range all {
			if m.Raw != nil {
				t.Errorf("ListRaw returned the bytes of %d", m.ID)
			}
		}
	})
}

// An attachment larger than a chunk is stored once, in pieces, and read
// back whole by Blob.
func TestChunkedBlobs(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		ann := mustUser(t, s, "ann@acme.com")
		tk := mustTicket(t, s, ann.ID)
		big := randomBytes(2*store.ChunkSize+999, 4)
		small := []byte("small")
		c := model.Comment{TicketID: tk.ID, AuthorID: ann.ID, Visibility: model.VisibilityPublic, Body: "scans",
			Attachments: []model.Attachment{
				{Filename: "scans.pdf", ContentType: "application/pdf", Content: big},
				{Filename: "copy.pdf", ContentType: "application/pdf", Content: big},
				{Filename: "note.txt", ContentType: "text/plain", Content: small},
			}}
		must(t, s.AddComment(ctx, &c))
		again := model.Comment{TicketID: tk.ID, AuthorID: ann.ID, Visibility: model.VisibilityPublic, Body: "again",
			Attachments: []model.Attachment{{Filename: "again.pdf", Content: big}}}
		must(t, s.AddComment(ctx, &again))
		if n, err := store.CountBlobs(ctx, s); err != nil || n != 2 {
			t.Fatalf("CountBlobs = %d, %v; want 2 (each content once)", n, err)
		}
		wantChunks(t, s, 0, 3)
		a := c.Attachments[0]
		if a.SHA256 != hashOf(big) || a.Size != int64(len(big)) || again.Attachments[0].SHA256 != a.SHA256 {
			t.Fatalf("attachment %+v", a)
		}
		got, err := s.Blob(ctx, a.SHA256)
		must(t, err)
		if !bytes.Equal(got, big) {
			t.Fatalf("Blob: %d bytes, want %d equal", len(got), len(big))
		}
		if got, err := s.Blob(ctx, hashOf(small)); err != nil || !bytes.Equal(got, small) {
			t.Fatalf("Blob(small) = %q, %v", got, err)
		}
		_, err = s.Blob(ctx, hashOf([]byte("none")))
		wantErr(t, err, store.ErrNotFound)
	})
}

func TestRawMetaBySHA256HasNoBytes(t *testing.T) {
	forEach(t, func(t *testing.T, s *store.Store) {
		m := model.RawMessage{SHA256: "abc123", Raw: []byte("From: a@b.c\r\n\r\nhi\r\n"), Size: 19, Outcome: model.OutcomeCreated}
		must(t, s.InsertRaw(ctx, &m))
		got, err := s.RawMetaBySHA256(ctx, "abc123")
		if err != nil || got.ID != m.ID || got.Raw != nil || got.Outcome != model.OutcomeCreated {
			t.Fatalf("%+v %v", got, err)
		}
		if _, err := s.RawMetaBySHA256(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing hash: %v", err)
		}
	})
}
