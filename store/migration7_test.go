package store_test

import (
	"testing"

	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/store"
	"github.com/helpdesk-gw/helpdesk/store/storetest"
)

// Schema 7 keeps the attachments an older release wrote, with their ids and
// blobs, and then accepts attachments that name no blob (read from their
// raw message). On SQLite the table is rebuilt: a deleted attachment's id
// is still never given again.
func TestMigration7KeepsAttachmentsAndDropsTheBlobReference(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, b store.Backend) {
		t.Parallel()
		url := storetest.URL(t, b)
		old, err := store.OpenAtVersion(ctx, url, 6)
		must(t, err)
		u := oldUser(t, old, "ann@acme.com")
		tk := oldTicket(t, old, u.ID)
		c := model.Comment{TicketID: tk.ID, AuthorID: u.ID, Visibility: model.VisibilityPublic, Body: "see attached"}
		must(t, old.AddComment(ctx, &c))
		must(t, store.Exec(ctx, old, `INSERT INTO blobs (sha256, content, chunks) VALUES (?, ?, 0)`, "abc", []byte("old content")))
		for id, name := range map[int64]string{7: "kept.txt", 9: "deleted.txt"} {
			must(t, store.Exec(ctx, old, `INSERT INTO attachments (id, comment_id, filename, content_type, size, sha256, content_id, inline)
				VALUES (?, ?, ?, 'text/plain', 11, 'abc', '', ?)`, id, c.ID, name, false))
		}
		if b == store.Postgres {
			must(t, store.Exec(ctx, old, `SELECT setval(pg_get_serial_sequence('attachments', 'id'), 9)`))
		}
		must(t, store.Exec(ctx, old, `DELETE FROM attachments WHERE id = 9`))
		err = store.Exec(ctx, old, `INSERT INTO attachments (comment_id, filename, content_type, size, sha256, content_id, inline)
			VALUES (?, 'x', 'text/plain', 1, 'no such blob', '', ?)`, c.ID, false)
		if err == nil {
			t.Fatal("schema 6 accepted an attachment naming no blob; the test would prove nothing")
		}
		must(t, old.Close())

		s := storetest.OpenURL(t, url, store.Options{})
		versions, err := store.SchemaVersions(ctx, s)
		must(t, err)
		if versions[len(versions)-1] < 7 {
			t.Fatalf("schema versions %v", versions)
		}
		got, err := s.CommentByID(ctx, c.ID)
		must(t, err)
		if len(got.Attachments) != 1 || got.Attachments[0].ID != 7 || got.Attachments[0].Filename != "kept.txt" || got.Attachments[0].RawPart != 0 {
			t.Fatalf("attachments after migrating: %+v", got.Attachments)
		}
		content, err := s.Blob(ctx, got.Attachments[0].SHA256)
		if err != nil || string(content) != "old content" {
			t.Fatalf("old attachment's blob: %q, %v", content, err)
		}
		blobs, err := store.CountBlobs(ctx, s)
		must(t, err)
		c2 := model.Comment{TicketID: tk.ID, AuthorID: u.ID, Visibility: model.VisibilityPublic, Body: "and this",
			Attachments: []model.Attachment{{Filename: "new.txt", ContentType: "text/plain", RawPart: 1, Content: []byte("new content")}}}
		must(t, s.AddComment(ctx, &c2))
		if id := c2.Attachments[0].ID; id <= 9 {
			t.Errorf("new attachment got id %d, at or below one already given (9)", id)
		}
		if n, err := store.CountBlobs(ctx, s); err != nil || n != blobs {
			t.Errorf("blobs %d after an attachment read from its raw message, want %d (%v)", n, blobs, err)
		}
		got, err = s.CommentByID(ctx, c2.ID)
		must(t, err)
		if a := got.Attachments[0]; a.RawPart != 1 || a.Size != 11 || a.SHA256 == "" {
			t.Errorf("new attachment read back as %+v", a)
		}
		// The rebuilt table still goes with its comment (ON DELETE CASCADE).
		must(t, store.Exec(ctx, s, `DELETE FROM comments WHERE id = ?`, c.ID))
		if n, err := store.CountAttachments(ctx, s); err != nil || n != 1 {
			t.Errorf("%d attachments after deleting the old comment, want 1 (%v)", n, err)
		}
	})
}
