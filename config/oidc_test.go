package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestW1_SSOConfigFromFileAndEnvironment: the [oidc] table reads its
// secret from ${NAME}, the environment wins, the redirect URL follows
// base_url, and the secret never shows in the printed configuration.
func TestW1_SSOConfigFromFileAndEnvironment(t *testing.T) {
	p := filepath.Join(t.TempDir(), "h.toml")
	os.WriteFile(p, []byte(`base_url = "https://help.example.com/"
metrics = "127.0.0.1:9025"
[oidc]
issuer = "https://login.example.com"
client_id = "helpdesk"
client_secret = "${SSO_SECRET}"
`), 0o600)
	c, err := Load(p, env(map[string]string{"SSO_SECRET": "s3cr3t-of-the-client", "HELPDESK_OIDC_CLIENT_ID": "helpdesk-prod"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.OIDC.Enabled() || c.OIDC.Issuer != "https://login.example.com" || c.OIDC.ClientID != "helpdesk-prod" || c.OIDC.ClientSecret != "s3cr3t-of-the-client" {
		t.Fatalf("oidc = %+v", c.OIDC)
	}
	if got := c.SSORedirectURL(); got != "https://help.example.com/signin/sso/callback" {
		t.Errorf("redirect URL %q", got)
	}
	red := c.Redacted()
	if strings.Contains(red, "s3cr3t") || !strings.Contains(red, "[oidc]") || !strings.Contains(red, `client_secret = "(redacted)"`) {
		t.Errorf("redacted configuration shows the client secret or hides the table:\n%s", red)
	}
	if _, err := Load(p, env(nil)); err == nil || !strings.Contains(err.Error(), "oidc.client_secret") {
		t.Errorf("an unset ${SSO_SECRET} is not an error naming oidc.client_secret: %v", err)
	}
}

// TestW1_SSOConfigWrongValuesNameTheKey: half a configuration, an issuer
// over plain http off loopback, or no base_url is refused, naming the key.
func TestW1_SSOConfigWrongValuesNameTheKey(t *testing.T) {
	base := map[string]string{"HELPDESK_BASE_URL": "http://127.0.0.1:8025"}
	with := func(kv ...string) func(string) string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return env(m)
	}
	cases := []struct {
		name string
		env  func(string) string
		key  string
	}{
		{"no issuer", with("HELPDESK_OIDC_CLIENT_ID", "hd", "HELPDESK_OIDC_CLIENT_SECRET", "x"), "oidc.issuer"},
		{"no client id", with("HELPDESK_OIDC_ISSUER", "https://login.example.com", "HELPDESK_OIDC_CLIENT_SECRET", "x"), "oidc.client_id"},
		{"no secret", with("HELPDESK_OIDC_ISSUER", "https://login.example.com", "HELPDESK_OIDC_CLIENT_ID", "hd"), "oidc.client_secret"},
		{"plain http off loopback", with("HELPDESK_OIDC_ISSUER", "http://login.example.com", "HELPDESK_OIDC_CLIENT_ID", "hd", "HELPDESK_OIDC_CLIENT_SECRET", "x"), "oidc.issuer"},
		{"no base_url", env(map[string]string{"HELPDESK_OIDC_ISSUER": "https://login.example.com", "HELPDESK_OIDC_CLIENT_ID": "hd", "HELPDESK_OIDC_CLIENT_SECRET": "x"}), "base_url"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("", tc.env)
			if err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Errorf("want an error naming %s, got %v", tc.key, err)
			}
		})
	}
	ok := with("HELPDESK_OIDC_ISSUER", "http://127.0.0.1:5556/dex", "HELPDESK_OIDC_CLIENT_ID", "hd", "HELPDESK_OIDC_CLIENT_SECRET", "x")
	if _, err := Load("", ok); err != nil {
		t.Errorf("an http issuer on loopback is refused: %v", err)
	}
}
