package mailauth

import (
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/oauth2"
)

// TokenError is a failure to obtain a token: the endpoint refused (Code is
// its OAuth error code, such as invalid_client) or could not be reached
// (Code "unreachable").
type TokenError struct {
	Provider, Flow, Endpoint string
	Code                     string // invalid_client, invalid_grant, unauthorized_client, invalid_scope, unreachable…
	Description              string // the endpoint's error_description, or the network error
	Status                   int    // the HTTP status, 0 without an answer
}

func (e *TokenError) Error() string {
	msg := fmt.Sprintf("token endpoint %s (%s, %s): %s", e.Endpoint, e.Provider, e.Flow, e.Code)
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg + "; " + e.Hint()
}

// Hint says what an operator should check.
func (e *TokenError) Hint() string {
	switch e.Code {
	case "invalid_client":
		return "check the client id and client secret or certificate (expired, revoked, or of another application?)"
	case "unauthorized_client":
		return "the client may not use this flow or act as this user: check its consent, or a service account's domain-wide delegation and scopes"
	case "invalid_grant":
		return "the refresh token was refused (revoked, expired, or the password changed): obtain a new one; for a service account, check the mailbox's user exists"
	case "invalid_scope":
		return "check the scopes asked for and the permissions granted to the application"
	case "unreachable":
		return "check the token endpoint's address and the network"
	}
	return "check the application's registration, client id and secret, and consent"
}

// tokenError turns an error of the oauth2 package into a *TokenError,
// keeping the endpoint's answer and nothing that could hold a secret.
func (s *Source) tokenError(err error) *TokenError {
	te := &TokenError{Provider: s.o.Provider, Flow: s.flow, Endpoint: s.o.TokenURL}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		te.Code, te.Description = re.ErrorCode, re.ErrorDescription
		var body struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if te.Code == "" && json.Unmarshal(re.Body, &body) == nil { // the JWT flow leaves the answer unread
			te.Code, te.Description = body.Error, body.Description
		}
		if re.Response != nil {
			te.Status = re.Response.StatusCode
		}
		if te.Code == "" {
			te.Code = "refused"
		}
		return te
	}
	te.Code, te.Description = "unreachable", err.Error()
	return te
}
