package mailauth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-gw/helpdesk/internal/oauthtest"
	"github.com/helpdesk-gw/helpdesk/mailauth"
)

// selfSigned makes an RSA certificate and returns it with its PEM (the
// certificate and its PKCS #8 key).
func selfSigned(t *testing.T) (*x509.Certificate, []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "helpdesk"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	return cert, append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})...)
}

// TestMicrosoftCertificateCredential: an app-only client proves itself
// with a JWT signed by its certificate's key instead of a secret; a
// certificate the endpoint does not know is refused as invalid_client.
func TestMicrosoftCertificateCredential(t *testing.T) {
	as := oauthtest.Start(t, time.Hour)
	cert, pemBytes := selfSigned(t)
	as.AddClient("app", oauthtest.Client{Certificate: cert})
	s, err := mailauth.New(mailauth.Options{Provider: mailauth.ProviderMicrosoft, Tenant: "t1", ClientID: "app",
		ClientCertificate: pemBytes, TokenURL: as.TokenURL})
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := s.Token(context.Background()); err != nil || tok.Value == "" {
		t.Fatalf("token %+v, %v", tok, err)
	}
	if d := s.String(); !strings.Contains(d, "certificate ") || strings.Contains(d, "PRIVATE") {
		t.Errorf("String() = %q", d)
	}
	_, other := selfSigned(t)
	s2, _ := mailauth.New(mailauth.Options{Provider: mailauth.ProviderMicrosoft, Tenant: "t1", ClientID: "app",
		ClientCertificate: other, TokenURL: as.TokenURL})
	var te *mailauth.TokenError
	if _, err := s2.Token(context.Background()); !errors.As(err, &te) || te.Code != "invalid_client" {
		t.Errorf("another certificate: %v, want invalid_client", err)
	}
	for _, bad := range [][]byte{[]byte("not a pem"), pemBytes[:strings.Index(string(pemBytes), "-----BEGIN PRIVATE KEY")]} {
		if _, err := mailauth.New(mailauth.Options{Provider: mailauth.ProviderMicrosoft, Tenant: "t1", ClientID: "app",
			ClientCertificate: bad}); err == nil || !strings.Contains(err.Error(), "CERTIFICATE and its RSA PRIVATE KEY") {
			t.Errorf("a PEM without its key: %v", err)
		}
	}
}
