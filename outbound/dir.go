package outbound

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	mail "github.com/wneessen/go-mail"
)

// Dir is a Transport that writes each message to a folder as
// MESSAGE-ID.eml, with Return-Path and Envelope-To headers on top as a
// delivering server would add them: for running the helpdesk without a
// relay, and for looking at what it would send. A message sent again
// (a retry after a crash) replaces its own file.
type Dir struct{ Path string }

// Send writes msg to d.Path through a temporary file.
func (d Dir) Send(ctx context.Context, msg *mail.Msg) error {
	from, err := msg.GetSender(false)
	if err != nil {
		return Permanent("message", err)
	}
	rcpts, err := msg.GetRecipients()
	if err != nil {
		return Permanent("message", err)
	}
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == '<' || r == '>' || r < ' ' {
			return -1
		}
		return r
	}, msg.GetMessageID())
	if name == "" || name[0] == '.' {
		return Permanent("message", fmt.Errorf("message-id %q makes no file name", msg.GetMessageID()))
	}
	if err := os.MkdirAll(d.Path, 0o750); err != nil {
		return &DeliveryError{Stage: "DATA", Reply: err.Error(), Err: err}
	}
	f, err := os.CreateTemp(d.Path, ".tmp-*")
	if err != nil {
		return &DeliveryError{Stage: "DATA", Reply: err.Error(), Err: err}
	}
	defer os.Remove(f.Name())
	_, err = fmt.Fprintf(f, "Return-Path: %s\r\nEnvelope-To: %s\r\n", from, strings.Join(rcpts, ", "))
	if err == nil {
		_, err = msg.WriteTo(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(d.Path, name+".eml"))
	}
	if err != nil {
		return &DeliveryError{Stage: "DATA", Reply: err.Error(), Err: err}
	}
	return nil
}
