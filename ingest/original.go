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

// ContentStore is what AttachmentContent and CommentOriginal read:
// *store.Store and *store.Tx have it.
type ContentStore interface {
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
func (p *Pipeline) AttachmentContent(ctx context.Context, st ContentStore, a model.Attachment) ([]byte, error) {
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
	// The recorded place first; then, should the parser list this
	// message's attachments differently since, any part with the same
	// hash (the content is what was recorded either way).
	if a.RawPart <= len(msg.Attachments) && hashOf(msg.Attachments[a.RawPart-1].Content) == a.SHA256 {
		return nonNil(msg.Attachments[a.RawPart-1].Content), nil
	}
	for _, part := range msg.Attachments {
		if hashOf(part.Content) == a.SHA256 {
			p.log.Warn("attachment found at another place in its raw message", "attachment", a.ID, "raw", raw.ID, "part", a.RawPart)
			return nonNil(part.Content), nil
		}
	}
	return nil, fmt.Errorf("attachment %d: no part of raw message %d (of %d) has its content: %w",
		a.ID, raw.ID, len(msg.Attachments), ErrAttachmentMismatch)
}

// hashOf is the hex SHA-256 the store records for a raw message and for an
// attachment's content.
func hashOf(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// Original is what a comment made from mail shows beyond its Body.
type Original struct {
	Text string // the whole text, quotes and signature included
	HTML string // the HTML part, sanitised; "" when the message had none
}

// CommentOriginal returns the untrimmed text and the sanitised HTML of a
// comment made from mail, read from its raw message with the pipeline's
// parse options (decision 45): they are not stored with the comment. A
// comment stored with them (before, or without a raw message) returns
// those.
func (p *Pipeline) CommentOriginal(ctx context.Context, st ContentStore, c model.Comment) (Original, error) {
	if c.RawMessageID == 0 || c.FullBody != "" || c.HTML != "" {
		return Original{Text: c.FullBody, HTML: c.HTML}, nil
	}
	raw, err := st.RawByID(ctx, c.RawMessageID)
	if err != nil {
		return Original{}, fmt.Errorf("comment %d: raw message %d: %w", c.ID, c.RawMessageID, err)
	}
	msg, err := message.Parse(raw.Raw, p.opts.Parse)
	if err != nil {
		return Original{}, fmt.Errorf("comment %d: parse raw message %d: %w", c.ID, raw.ID, err)
	}
	return Original{Text: msg.Text, HTML: msg.HTML()}, nil
}
