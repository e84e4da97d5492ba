package mailauth

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// SASL mechanisms that carry a bearer token.
const (
	XOAUTH2     = "XOAUTH2"     // Google's and Microsoft's
	OAUTHBEARER = "OAUTHBEARER" // RFC 7628
)

// SASL is a client of XOAUTH2 or OAUTHBEARER with one token, for a
// go-sasl style Start/Next exchange. When the server refuses the token it
// sends an error challenge (a JSON object); Next answers it as the
// mechanism requires (an empty response for XOAUTH2, %x01 for OAUTHBEARER)
// and keeps the server's reason in Refusal, after which the server
// answers NO (IMAP) or 535 (SMTP).
type SASL struct {
	Mech  string // XOAUTH2 or OAUTHBEARER
	User  string // the mailbox address
	Token string
	Host  string // OAUTHBEARER: the server's host and port (optional)
	Port  int
	// Refusal is the server's error challenge: its status, and the scope
	// it wants when it says.
	Refusal string
	// NoEmptyResponse answers XOAUTH2's error challenge with %x01 instead
	// of an empty response, for a client that cannot send an empty one
	// (go-imap sends "=", which Dovecot refuses as bad base64); the server
	// refuses the sign-in either way.
	NoEmptyResponse bool
}

// NewSASL returns a client of mech ("" is XOAUTH2) for user with token.
func NewSASL(mech, user, token string) (*SASL, error) {
	mech = strings.ToUpper(mech)
	switch mech {
	case "":
		mech = XOAUTH2
	case XOAUTH2, OAUTHBEARER:
	default:
		return nil, fmt.Errorf("mailauth: SASL mechanism %q: want XOAUTH2 or OAUTHBEARER", mech)
	}
	return &SASL{Mech: mech, User: user, Token: token}, nil
}

// Start gives the initial response.
func (c *SASL) Start() (mech string, ir []byte, err error) {
	if c.Mech == OAUTHBEARER {
		var b strings.Builder
		b.WriteString("n,a=" + saslName(c.User) + ",")
		if c.Host != "" {
			b.WriteString("\x01host=" + c.Host)
		}
		if c.Port != 0 {
			b.WriteString("\x01port=" + strconv.Itoa(c.Port))
		}
		b.WriteString("\x01auth=Bearer " + c.Token + "\x01\x01")
		return OAUTHBEARER, []byte(b.String()), nil
	}
	return XOAUTH2, []byte("user=" + c.User + "\x01auth=Bearer " + c.Token + "\x01\x01"), nil
}

// Next answers the server's error challenge, keeping its reason.
func (c *SASL) Next(challenge []byte) ([]byte, error) {
	c.Refusal = describeRefusal(challenge)
	if c.Mech == OAUTHBEARER || c.NoEmptyResponse {
		return []byte{0x01}, nil
	}
	return []byte{}, nil
}

// describeRefusal reads an error challenge such as
// {"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}.
func describeRefusal(challenge []byte) string {
	var v struct {
		Status string `json:"status"`
		Scope  string `json:"scope"`
	}
	if err := json.Unmarshal(challenge, &v); err != nil || v.Status == "" {
		return strings.TrimSpace(string(challenge))
	}
	if v.Scope != "" {
		return "status " + v.Status + ", scope wanted " + v.Scope
	}
	return "status " + v.Status
}

// saslName escapes ',' and '=' in an authorisation identity (RFC 5801).
func saslName(s string) string {
	return strings.NewReplacer("=", "=3D", ",", "=2C").Replace(s)
}

// RefusedHint says what an operator should check when a mail server
// refused a token the endpoint gave: the token was valid for the endpoint
// but not for this mailbox.
func RefusedHint(provider string) string {
	switch provider {
	case ProviderMicrosoft:
		return "check admin consent for IMAP.AccessAsApp / SMTP.SendAsApp, the scope " + MicrosoftScope +
			", the service principal registered in Exchange Online (New-ServicePrincipal) and its mailbox permission (Add-MailboxPermission FullAccess), and that the user name is the mailbox address"
	case ProviderGoogle:
		return "check the scope " + GoogleScope + " was granted, that the user who consented is the mailbox's user, and that IMAP is enabled for the mailbox"
	}
	return "check the consent, the scopes granted, and the application's permission on the mailbox"
}

// Hint says what to check when a mail server refuses a fresh token of
// this Source.
func (s *Source) Hint() string { return RefusedHint(s.o.Provider) }
