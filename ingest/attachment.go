package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/helpdesk-gw/helpdesk/message"
	"github.com/helpdesk-gw/helpdesk/model"
)

// AttachmentStore is what AttachmentContent reads: *store.Store and
// *store.Tx have it.
type AttachmentStore interface {
	CommentByID(ctx context.Context, id int64) (model.Comment, error)
	RawByID(ctx context.Context, id int64) (model.RawMessage, error)
	Blob(ctx context.Context, hash string) ([]byte, error)
}

// ErrAttachmentMismatch is returned when the part an attachment names in
// its raw message is not the content recorded (its SHA-256 differs): the
// parser lists that message's attachments differently than when it was
// ingested.
var ErrAttachmentMismatch = errors.New("attachment does not match its raw message")

// AttachmentContent returns an attachment's content. An attachment
// ingested from mail is not stored apart (schema 7): it is read again from
// the comment's raw message, parsed without size limits, and checked
// against its recorded SHA-256. Others are read from their blob.
func (p *Pipeline) AttachmentContent(ctx context.Context, st AttachmentStore, a model.Attachment) ([]byte, error) {
	if a.RawPart <= 0 {
		content, err := st.Blob(ctx, a.SHA256)
		if err != nil {
			return nil, fmt.Errorf("attachment %d: %w", a.ID, err)
		}
		return content, nil
	}
	c, err := st.CommentByID(ctx, a.CommentID)
	if err != nil {
		return nil, fmt.Errorf("attachment %d: comment %d: %w", a.ID, a.CommentID, err)
	}
	raw, err := st.RawByID(ctx, c.RawMessageID)
	if err != nil {
		return nil, fmt.Errorf("attachment %d: raw message %d: %w", a.ID, c.RawMessageID, err)
	}
	opts := p.opts.Parse
	opts.MaxAttachmentSize, opts.MaxTotalSize = 0, 0 // it was kept when ingested; the limits may have changed since
	msg, err := message.Parse(raw.Raw, opts)
	if err != nil {
		return nil, fmt.Errorf("attachment %d: parse raw message %d: %w", a.ID, raw.ID, err)
	}
	if a.RawPart > len(msg.Attachments) {
		return nil, fmt.Errorf("attachment %d: raw message %d has %d attachments, not %d: %w",
			a.ID, raw.ID, len(msg.Attachments), a.RawPart, ErrAttachmentMismatch)
	}
	content := msg.Attachments[a.RawPart-1].Content
	if content == nil {
		content = []byte{}
	}
	sum := sha256.Sum256(content)
	if hex.EncodeToString(sum[:]) != a.SHA256 {
		return nil, fmt.Errorf("attachment %d: part %d of raw message %d: %w", a.ID, a.RawPart, raw.ID, ErrAttachmentMismatch)
	}
	return content, nil
}
