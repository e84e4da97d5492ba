package mailauth

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t is the certificate's SHA-1 thumbprint by definition (RFC 7515 4.1.7)
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// clientCert is a certificate credential: the client proves itself with a
// JWT signed by the certificate's private key (RFC 7523), instead of a
// secret. Microsoft Entra accepts it for app-only access.
type clientCert struct {
	key        *rsa.PrivateKey
	thumbprint string // base64url SHA-1 of the certificate's DER
}

// assertionType is the client_assertion_type of a signed JWT.
const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// parseClientCert reads a PEM with a CERTIFICATE and an RSA PRIVATE KEY
// (PKCS #1 or #8) block.
func parseClientCert(pemBytes []byte) (*clientCert, error) {
	var der []byte
	var key *rsa.PrivateKey
	for rest := pemBytes; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE":
			if der == nil {
				der = b.Bytes
			}
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("mailauth: client certificate's key: %w", err)
			}
			key = k
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("mailauth: client certificate's key: %w", err)
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, errors.New("mailauth: client certificate's key: want an RSA key")
			}
			key = rk
		}
	}
	if der == nil || key == nil {
		return nil, errors.New("mailauth: client certificate: want a PEM file with a CERTIFICATE and its RSA PRIVATE KEY")
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("mailauth: client certificate: %w", err)
	}
	if pub, ok := cert.PublicKey.(*rsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
		return nil, errors.New("mailauth: client certificate: the private key is not the certificate's")
	}
	sum := sha1.Sum(der) //nolint:gosec // see the import
	return &clientCert{key: key, thumbprint: base64.RawURLEncoding.EncodeToString(sum[:])}, nil
}

// assertion is a JWT for clientID at the token endpoint aud, valid for
// ten minutes from now.
func (c *clientCert) assertion(clientID, aud string, now time.Time) (string, error) {
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", err
	}
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "x5t": c.thumbprint})
	claims, _ := json.Marshal(map[string]any{"aud": aud, "iss": clientID, "sub": clientID, "jti": hex.EncodeToString(jti[:]),
		"nbf": now.Add(-time.Minute).Unix(), "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()})
	signed := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, c.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("mailauth: sign the client assertion: %w", err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}
