// Package oauthtest runs an OAuth 2.0 authorisation server for tests, on a
// loopback port: a token endpoint (client credentials and refresh-token
// grants) issuing opaque tokens that expire after a chosen lifetime, and an
// introspection endpoint (RFC 7662) that mail servers under test, such as
// Dovecot's oauth2 passdb or a go-smtp server, ask whether a token is
// valid and for which mailbox.
//
// A client's secret can be changed while the test runs (a revoked secret),
// and every token can be revoked at once; counts of what was issued and
// asked let tests wait for events instead of sleeping.
package oauthtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t thumbprints
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Client is one registered application.
type Client struct {
	Secret string
	// Certificate, when set, lets the client prove itself with a JWT
	// assertion signed by its key (RFC 7523) instead of the secret.
	Certificate *x509.Certificate
	// ServiceAccount, when set, is the public key of a service account
	// (the client id is its email): a JWT it signs gets a token acting as
	// the JWT's subject, one of Mailboxes (domain-wide delegation).
	ServiceAccount *rsa.PublicKey
	RefreshToken   string   // accepted by the refresh-token grant ("" refuses it)
	Mailboxes      []string // the mailboxes its tokens may open
}

// Server is a running authorisation server.
type Server struct {
	URL           string // http://127.0.0.1:PORT
	TokenURL      string // URL + /token
	IntrospectURL string // URL + /introspect

	srv *httptest.Server

	mu       sync.Mutex
	lifetime time.Duration
	clients  map[string]*Client
	tokens   map[string]issued
	issuedN  int
	refused  int
	asked    int
}

type issued struct {
	client  string
	subject string // the user a service account acts as
	expires time.Time
}

// Start runs a server until t ends; tokens last lifetime (rounded to whole
// seconds as expires_in says, at least one).
func Start(t testing.TB, lifetime time.Duration) *Server {
	t.Helper()
	s := &Server{lifetime: lifetime, clients: map[string]*Client{}, tokens: map[string]issued{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("/introspect", s.introspect)
	s.srv = httptest.NewServer(mux) // 127.0.0.1
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL
	s.TokenURL, s.IntrospectURL = s.URL+"/token", s.URL+"/introspect"
	return s
}

// AddClient registers (or replaces) a client.
func (s *Server) AddClient(id string, c Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cc := c
	s.clients[id] = &cc
}

// SetSecret changes a client's secret: the old one is refused from now on
// (a revoked or rotated secret). Tokens already issued stay valid.
func (s *Server) SetSecret(id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[id].Secret = secret
}

// RevokeTokens makes every token issued so far invalid.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]issued{}
}

// Issued is how many tokens the endpoint has issued.
func (s *Server) Issued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issuedN
}

// Refused is how many token requests were refused.
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// Check says whether token is valid now for mailbox.
func (s *Server) Check(token, mailbox string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.userLocked(token)
	return ok && s.grantedLocked(token, mailbox)
}

// userLocked returns the first mailbox token opens, if it is valid.
func (s *Server) userLocked(token string) (string, bool) {
	is, ok := s.tokens[token]
	if !ok || !time.Now().Before(is.expires) {
		return "", false
	}
	c := s.clients[is.client]
	if c == nil || len(c.Mailboxes) == 0 {
		return "", false
	}
	if is.subject != "" {
		return is.subject, true
	}
	return c.Mailboxes[0], true
}

func (s *Server) grantedLocked(token, mailbox string) bool {
	is := s.tokens[token]
	if is.subject != "" {
		return strings.EqualFold(is.subject, mailbox)
	}
	for _, m := range s.clients[is.client].Mailboxes {
		if strings.EqualFold(m, mailbox) {
			return true
		}
	}
	return false
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	if r.PostForm.Get("grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		s.serviceAccountToken(w, r.PostForm.Get("assertion"))
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.clients[id]
	switch {
	case c != nil && r.PostForm.Get("client_assertion_type") != "":
		if !s.assertionValid(id, c, r.PostForm.Get("client_assertion_type"), r.PostForm.Get("client_assertion")) {
			s.refused++
			oauthError(w, http.StatusUnauthorized, "invalid_client")
			return
		}
	case c == nil || c.Secret == "" || c.Secret != secret:
		s.refused++
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	case r.PostForm.Get("grant_type") == "refresh_token" && (c.RefreshToken == "" || r.PostForm.Get("refresh_token") != c.RefreshToken):
		s.refused++
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	case r.PostForm.Get("grant_type") != "refresh_token" && r.PostForm.Get("grant_type") != "client_credentials":
		s.refused++
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	s.issueLocked(w, id, "")
}

// issueLocked answers with a new token of client id, acting as subject
// when not empty; s.mu is held.
func (s *Server) issueLocked(w http.ResponseWriter, id, subject string) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	tok := "tok-" + hex.EncodeToString(b[:])
	secs := max(int(s.lifetime/time.Second), 1)
	s.tokens[tok] = issued{client: id, subject: subject, expires: time.Now().Add(time.Duration(secs) * time.Second)}
	s.issuedN++
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": secs})
}

// serviceAccountToken answers the JWT bearer grant (RFC 7523) of a
// service account: the JWT, signed RS256 by its key, names it (iss), the
// user it acts as (sub, one it was delegated) and this endpoint (aud).
func (s *Server) serviceAccountToken(w http.ResponseWriter, jwt string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	parts := strings.Split(jwt, ".")
	var claims struct {
		Iss, Sub, Aud string
		Exp           int64
	}
	var cb, sig []byte
	var err error
	if len(parts) == 3 {
		cb, err = base64.RawURLEncoding.DecodeString(parts[1])
		if err == nil {
			sig, err = base64.RawURLEncoding.DecodeString(parts[2])
		}
	}
	if len(parts) != 3 || err != nil || json.Unmarshal(cb, &claims) != nil {
		s.refused++
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	c := s.clients[claims.Iss]
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if c == nil || c.ServiceAccount == nil || rsa.VerifyPKCS1v15(c.ServiceAccount, crypto.SHA256, sum[:], sig) != nil {
		s.refused++
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	if claims.Aud != s.TokenURL || time.Now().Unix() >= claims.Exp || !slices.ContainsFunc(c.Mailboxes, func(m string) bool { return strings.EqualFold(m, claims.Sub) }) {
		s.refused++
		oauthError(w, http.StatusBadRequest, "unauthorized_client")
		return
	}
	s.issueLocked(w, claims.Iss, claims.Sub)
}

// introspect answers RFC 7662 requests: the token comes as a form field
// (POST), a query parameter (GET) or a bearer Authorization header.
func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	tok := r.Form.Get("token")
	if h := r.Header.Get("Authorization"); tok == "" && strings.HasPrefix(h, "Bearer ") {
		tok = strings.TrimPrefix(h, "Bearer ")
	}
	s.mu.Lock()
	s.asked++
	user, ok := s.userLocked(tok)
	exp := s.tokens[tok].expires
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		_ = json.NewEncoder(w).Encode(map[string]any{"active": false})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"active": true, "username": user, "exp": exp.Unix()})
}

func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": "refused by the test authorisation server"})
}

// assertionValid checks a client assertion (RFC 7523): a JWT signed RS256
// by the client's certificate (named by its x5t thumbprint), issued by and
// about the client, for this token endpoint, and not expired.
func (s *Server) assertionValid(id string, c *Client, typ, jwt string) bool {
	if c.Certificate == nil || typ != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		return false
	}
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return false
	}
	var header struct{ Alg, X5t string }
	var claims struct {
		Aud, Iss, Sub string
		Exp           int64
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &header) != nil || json.Unmarshal(cb, &claims) != nil {
		return false
	}
	thumb := sha1.Sum(c.Certificate.Raw) //nolint:gosec // x5t is SHA-1 by definition
	pub, ok := c.Certificate.PublicKey.(*rsa.PublicKey)
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	return ok && header.Alg == "RS256" && header.X5t == base64.RawURLEncoding.EncodeToString(thumb[:]) &&
		rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) == nil &&
		claims.Iss == id && claims.Sub == id && claims.Aud == s.TokenURL && time.Now().Unix() < claims.Exp
}
