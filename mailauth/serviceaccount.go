package mailauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/jwt"
)

// serviceAccountKey is the part of a Google service account's JSON key
// the JWT flow needs.
type serviceAccountKey struct {
	Type         string `json:"type"`
	ClientEmail  string `json:"client_email"`
	PrivateKey   string `json:"private_key"`
	PrivateKeyID string `json:"private_key_id"`
	TokenURI     string `json:"token_uri"`
}

// setServiceAccount reads the service account's key and chooses its flow.
func (s *Source) setServiceAccount() error {
	o := &s.o
	var k serviceAccountKey
	if err := json.Unmarshal(o.ServiceAccountKey, &k); err != nil {
		return fmt.Errorf("mailauth: service account key: %w", err)
	}
	if k.Type != "service_account" || k.ClientEmail == "" || k.PrivateKey == "" {
		return errors.New("mailauth: service account key: want the JSON key of a service account (type, client_email, private_key)")
	}
	if o.Subject == "" {
		return errors.New("mailauth: a service account needs the user it acts as (the mailbox's address)")
	}
	if o.TokenURL == "" {
		o.TokenURL = k.TokenURI
	}
	if o.TokenURL == "" {
		o.TokenURL = GoogleTokenURL
	}
	if len(o.Scopes) == 0 {
		o.Scopes = []string{GoogleScope}
	}
	o.ClientID = k.ClientEmail
	s.flow = FlowServiceAccount
	s.fetch = func(ctx context.Context, _ string) (*oauth2.Token, error) {
		c := jwt.Config{Email: k.ClientEmail, PrivateKey: []byte(k.PrivateKey), PrivateKeyID: k.PrivateKeyID,
			Subject: o.Subject, Scopes: o.Scopes, TokenURL: o.TokenURL}
		return c.TokenSource(ctx).Token()
	}
	return nil
}
