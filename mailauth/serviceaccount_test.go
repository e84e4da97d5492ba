package mailauth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/internal/oauthtest"
	"github.com/helpdesk-gw/helpdesk/mailauth"
)

// serviceAccountKey makes a service account's JSON key, as Google's
// console gives it, and returns it with its public key.
func serviceAccountKey(t *testing.T, email, tokenURL string) ([]byte, *rsa.PublicKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	b, _ := json.Marshal(map[string]string{"type": "service_account", "client_email": email, "private_key_id": "k1",
		"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})), "token_uri": tokenURL})
	return b, &key.PublicKey
}

// TestGoogleServiceAccountActsAsTheMailboxUser: a service account with
// domain-wide delegation gets a token acting as the mailbox's user, and
// none for a user it was not delegated.
func TestGoogleServiceAccountActsAsTheMailboxUser(t *testing.T) {
	as := oauthtest.Start(t, time.Hour)
	const email = "helpdesk@proj.iam.gserviceaccount.com"
	key, pub := serviceAccountKey(t, email, as.TokenURL)
	as.AddClient(email, oauthtest.Client{ServiceAccount: pub, Mailboxes: []string{"support@help.example"}})
	s, err := mailauth.New(mailauth.Options{Provider: mailauth.ProviderGoogle, ServiceAccountKey: key, Subject: "support@help.example"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Token(context.Background())
	if err != nil || !as.Check(tok.Value, "support@help.example") || as.Check(tok.Value, "other@help.example") {
		t.Fatalf("token %+v, %v: not acting as support@help.example alone", tok, err)
	}
	if d := s.String(); s.Flow() != mailauth.FlowServiceAccount || !strings.Contains(d, "client id "+email) ||
		!strings.Contains(d, "acting as support@help.example") || strings.Contains(d, "PRIVATE") {
		t.Errorf("String() = %q", d)
	}
	other, _ := mailauth.New(mailauth.Options{Provider: mailauth.ProviderGoogle, ServiceAccountKey: key, Subject: "ceo@help.example"})
	var te *mailauth.TokenError
	if _, err := other.Token(context.Background()); !errors.As(err, &te) || te.Code != "unauthorized_client" {
		t.Errorf("a user not delegated: %v", err)
	}
	if _, err := mailauth.New(mailauth.Options{Provider: mailauth.ProviderGoogle, ServiceAccountKey: key}); err == nil ||
		!strings.Contains(err.Error(), "the user it acts as") {
		t.Errorf("no subject: %v", err)
	}
}
