package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/helpdesk-gw/helpdesk/model"
)

const attachmentCols = `a.id, a.comment_id, a.filename, a.content_type, a.size, a.sha256, a.content_id, a.inline, a.raw_part`

func scanComment(r rowScanner) (model.Comment, error) {
	var c model.Comment
	err := r.Scan(&c.ID, &c.TicketID, &c.AuthorID, &c.Visibility, &c.Body, &c.FullBody, &c.HTML,
		(*nullID)(&c.RawMessageID), (*dbTime)(&c.CreatedAt))
	return c, err
}

func scanAttachment(r rowScanner) (model.Attachment, error) {
	var a model.Attachment
	err := r.Scan(&a.ID, &a.CommentID, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, &a.ContentID, &a.Inline, &a.RawPart)
	return a, err
}

// AddComment stores a comment with its attachments and sets the IDs. An
// attachment's Content is stored once per SHA-256 (computed when empty);
// one without Content must name a blob already stored.
func (q *queries) AddComment(ctx context.Context, c *model.Comment) error {
	q.stamp(&c.CreatedAt)
	return q.atomic(ctx, func(q *queries) error {
		id, err := q.insertRow(ctx, fmt.Sprintf("insert comment on ticket %d", c.TicketID),
			"comments", commentInsertCols, commentValues(c))
		if err != nil {
			return err
		}
		c.ID = id
		for i := range c.Attachments {
			if err := q.addAttachment(ctx, id, &c.Attachments[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (q *queries) addAttachment(ctx context.Context, commentID int64, a *model.Attachment) error {
	a.CommentID = commentID
	if content, ok := attachmentBlob(a); ok {
		if err := q.putBlob(ctx, a.SHA256, content); err != nil {
			return err
		}
	}
	id, err := q.insertRow(ctx, fmt.Sprintf("insert attachment %q of comment %d", a.Filename, commentID),
		"attachments", attachmentInsertCols, attachmentValues(a))
	if err != nil {
		return err
	}
	a.ID = id
	return nil
}

// attachmentBlob returns the blob to store for an attachment, setting its
// SHA256 (and Size, from the content), or false when the attachment names
// a blob already stored or is read from its raw message (RawPart, where
// the hash lets a reader check what it extracts; schemaV7). No content and
// no hash: an empty part, or one whose content was not kept (too large);
// it is stored as the empty blob, keeping its Size.
func attachmentBlob(a *model.Attachment) ([]byte, bool) {
	if a.Content == nil && a.SHA256 != "" {
		return nil, false
	}
	content := a.Content
	if content == nil {
		content = []byte{}
	} else {
		a.Size = int64(len(content))
	}
	sum := sha256.Sum256(content)
	a.SHA256 = hex.EncodeToString(sum[:])
	if a.RawPart > 0 {
		return nil, false
	}
	return content, true
}

// putBlob stores content under its hash unless it is there already; one
// larger than chunkSize in pieces (schemaV4).
func (q *queries) putBlob(ctx context.Context, hash string, content []byte) error {
	op := "store blob " + hash
	n, err := q.execRow(ctx, op, "blobs", blobCols, blobConflict, blobValues(hash, content))
	if err != nil || n == 0 || chunkCount(content) == 0 {
		return err // stored, or there already with its pieces
	}
	return q.writeChunks(ctx, op, blobChunks, hash, content)
}

// Blob returns the content stored under a SHA-256 (hex), or ErrNotFound.
func (q *queries) Blob(ctx context.Context, hash string) ([]byte, error) {
	op := "get blob " + hash
	type row struct {
		content []byte
		chunks  int
	}
	b, err := getOne(ctx, q, op, func(r rowScanner) (row, error) {
		var b row
		err := r.Scan(&b.content, &b.chunks)
		return b, err
	}, `SELECT content, chunks FROM blobs WHERE sha256 = ?`, hash)
	if err != nil || b.chunks == 0 {
		return b.content, err
	}
	return q.readChunks(ctx, op, blobChunks, hash)
}

// CommentByID returns one comment with its attachments' metadata (no Content).
func (q *queries) CommentByID(ctx context.Context, id int64) (model.Comment, error) {
	c, err := getOne(ctx, q, fmt.Sprintf("get comment %d", id), scanComment,
		`SELECT `+commentCols+` FROM comments WHERE id = ?`, id)
	if err != nil {
		return c, err
	}
	c.Attachments, err = getAll(ctx, q, fmt.Sprintf("list attachments of comment %d", id), scanAttachment,
		`SELECT `+attachmentCols+` FROM attachments a WHERE a.comment_id = ? ORDER BY a.id`, id)
	return c, err
}

// Comments returns a ticket's comments and notes, oldest first, each with its
// attachments' metadata (no Content; see Blob).
func (q *queries) Comments(ctx context.Context, ticketID int64) ([]model.Comment, error) {
	op := fmt.Sprintf("list comments of ticket %d", ticketID)
	cs, err := getAll(ctx, q, op, scanComment,
		`SELECT `+commentCols+` FROM comments WHERE ticket_id = ? ORDER BY created_at, id`, ticketID)
	if err != nil {
		return nil, err
	}
	as, err := getAll(ctx, q, op, scanAttachment, `SELECT `+attachmentCols+`
		FROM attachments a JOIN comments c ON c.id = a.comment_id WHERE c.ticket_id = ? ORDER BY a.id`, ticketID)
	if err != nil {
		return nil, err
	}
	index := make(map[int64]int, len(cs))
	for i, c := range cs {
		index[c.ID] = i
	}
	for _, a := range as {
		if i, ok := index[a.CommentID]; ok {
			cs[i].Attachments = append(cs[i].Attachments, a)
		}
	}
	return cs, nil
}

// CountCommentsBySince counts the comments an author made on a ticket at or
// after since (B2 loop_limit).
func (q *queries) CountCommentsBySince(ctx context.Context, ticketID, authorID int64, since time.Time) (int, error) {
	return q.count(ctx, fmt.Sprintf("count comments of user %d on ticket %d", authorID, ticketID),
		`SELECT COUNT(*) FROM comments WHERE ticket_id = ? AND author_id = ? AND created_at >= ?`,
		ticketID, authorID, dbTime(since))
}
