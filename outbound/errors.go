package outbound

import (
	"errors"
	"fmt"
	"net/textproto"
	"strings"
)

// DeliveryError is a failed submission. It is permanent only when the
// relay said so with a 5xx reply, or the message cannot be sent at all;
// anything else (4xx, a network error, a timeout) is temporary.
type DeliveryError struct {
	Stage     string // "connect", "MAIL FROM", "RCPT TO", "DATA", "message"
	Code      int    // the SMTP reply code, 0 without a reply
	Reply     string // the server's reply, "550 5.1.1 no such user", or the error text
	Permanent bool
	Err       error
}

func (e *DeliveryError) Error() string {
	if e.Code != 0 {
		return e.Stage + ": " + e.Reply
	}
	return e.Stage + ": " + e.Err.Error()
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a permanent delivery failure.
func IsPermanent(err error) bool {
	var d *DeliveryError
	return errors.As(err, &d) && d.Permanent
}

// Permanent wraps err as a permanent failure of stage.
func Permanent(stage string, err error) error {
	return &DeliveryError{Stage: stage, Reply: err.Error(), Permanent: true, Err: err}
}

// smtpError classifies an error of one SMTP command.
func smtpError(stage string, err error) *DeliveryError {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		reply := fmt.Sprintf("%03d %s", tp.Code, strings.Join(strings.Fields(tp.Msg), " "))
		return &DeliveryError{Stage: stage, Code: tp.Code, Reply: reply, Permanent: tp.Code >= 500 && tp.Code < 600, Err: err}
	}
	return &DeliveryError{Stage: stage, Reply: err.Error(), Err: err}
}
