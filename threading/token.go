package threading

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"strings"
)

// Signer signs and verifies tokens with the helpdesk's secret (T1).
type Signer struct {
	secret []byte
}

// NewSigner returns a Signer for secret, which must not be empty.
func NewSigner(secret []byte) *Signer { return &Signer{secret: append([]byte(nil), secret...)} }

var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

const macLen = 10 // 80 bits of HMAC: enough against guessing, short enough for a local part

func (s *Signer) mac(kind byte, payload []byte) []byte {
	h := hmac.New(sha256.New, s.secret)
	h.Write([]byte{kind})
	h.Write(payload)
	return h.Sum(nil)[:macLen]
}

// seal encodes payload||mac in lower-case base32 (local parts may be
// lower-cased by mail servers).
func (s *Signer) seal(kind byte, payload []byte) string {
	return b32.EncodeToString(append(payload, s.mac(kind, payload)...))
}

// open verifies a sealed string and returns its payload.
func (s *Signer) open(kind byte, text string) ([]byte, bool) {
	raw, err := b32.DecodeString(strings.ToLower(text))
	if err != nil || len(raw) <= macLen {
		return nil, false
	}
	payload, mac := raw[:len(raw)-macLen], raw[len(raw)-macLen:]
	if !hmac.Equal(mac, s.mac(kind, payload)) {
		return nil, false
	}
	return payload, true
}

// Token kinds, mixed into the MAC so a token of one kind never verifies as another.
const (
	kindReply  byte = 'r'
	kindFollow byte = 'f'
	kindBounce byte = 'b'
	kindMsgID  byte = 'm'
)

// ReplyToken names a ticket and the recipient it was issued to (T1, T2).
type ReplyToken struct {
	TicketID int64
	// Staff is set when the token was issued to a staff member; it proves
	// nothing once they stop being staff (T2).
	Staff bool
	// recipient is a short hash of the address it was issued to.
	recipient [6]byte
}

func recipientHash(s *Signer, email string) [6]byte {
	var out [6]byte
	copy(out[:], s.mac('e', []byte(strings.ToLower(email))))
	return out
}

// IssuedTo reports whether the token was issued to email (T2).
func (t ReplyToken) IssuedTo(s *Signer, email string) bool {
	return recipientHash(s, email) == t.recipient
}

// ReplyToken issues the token for ticketID and recipient (T1, T2).
func (s *Signer) ReplyToken(ticketID int64, recipient string, staff bool) string {
	return s.seal(kindReply, s.replyPayload(ticketID, recipient, staff))
}

func (s *Signer) replyPayload(ticketID int64, recipient string, staff bool) []byte {
	buf := binary.AppendUvarint(nil, uint64(ticketID))
	flags := byte(0)
	if staff {
		flags = 1
	}
	buf = append(buf, flags)
	h := recipientHash(s, recipient)
	return append(buf, h[:]...)
}

// ParseReplyToken verifies a reply token; ok is false for anything changed
// or made up (T1).
func (s *Signer) ParseReplyToken(text string) (ReplyToken, bool) {
	return s.parseTicketToken(kindReply, text)
}

func (s *Signer) parseTicketToken(kind byte, text string) (ReplyToken, bool) {
	payload, ok := s.open(kind, text)
	if !ok {
		return ReplyToken{}, false
	}
	id, n := binary.Uvarint(payload)
	if n <= 0 || id == 0 || id > 1<<62 || len(payload) != n+1+6 {
		return ReplyToken{}, false
	}
	t := ReplyToken{TicketID: int64(id), Staff: payload[n] == 1}
	copy(t.recipient[:], payload[n+1:])
	return t, true
}

// FollowToken issues the token of a ticket's follow address for recipient (N5).
func (s *Signer) FollowToken(ticketID int64, recipient string) string {
	return s.seal(kindFollow, s.replyPayload(ticketID, recipient, false))
}

// ParseFollowToken verifies a follow token.
func (s *Signer) ParseFollowToken(text string) (ReplyToken, bool) {
	return s.parseTicketToken(kindFollow, text)
}

// BounceToken names an outbox row for a VERP return path (B3).
func (s *Signer) BounceToken(outboxID int64) string {
	return s.seal(kindBounce, binary.AppendUvarint(nil, uint64(outboxID)))
}

// ParseBounceToken verifies a bounce token and returns the outbox row id.
func (s *Signer) ParseBounceToken(text string) (int64, bool) {
	payload, ok := s.open(kindBounce, text)
	if !ok {
		return 0, false
	}
	id, n := binary.Uvarint(payload)
	if n <= 0 || n != len(payload) || id == 0 || id > 1<<62 {
		return 0, false
	}
	return int64(id), true
}
