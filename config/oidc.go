package config

import (
	"net"
	"net/url"
	"strings"
)

// OIDC is staff single sign-on with OpenID Connect (W1), the [oidc]
// table: when Issuer is set, staff sign in through it, and a sign-in link
// sent by mail no longer makes anyone staff in the console. The redirect
// URL is not configured: it is base_url + SSOCallbackPath, which must be
// registered with the provider.
type OIDC struct {
	// Issuer is the provider's issuer URL (HELPDESK_OIDC_ISSUER); its
	// /.well-known/openid-configuration names everything else.
	Issuer string `toml:"issuer"`
	// ClientID is this helpdesk's client at the provider
	// (HELPDESK_OIDC_CLIENT_ID); ID tokens must name it as their audience.
	ClientID string `toml:"client_id"`
	// ClientSecret is the client's secret (HELPDESK_OIDC_CLIENT_SECRET, or
	// ${NAME} in the file).
	ClientSecret string `toml:"client_secret"`
}

// SSOCallbackPath is where the provider sends the browser back, under
// base_url.
const SSOCallbackPath = "/signin/sso/callback"

// Enabled reports whether single sign-on is configured.
func (o OIDC) Enabled() bool { return o.Issuer != "" || o.ClientID != "" || o.ClientSecret != "" }

// SSORedirectURL is the redirect URL to register with the provider: the
// portal's base URL and SSOCallbackPath.
func (c Config) SSORedirectURL() string {
	return strings.TrimSuffix(c.BaseURL, "/") + SSOCallbackPath
}

// validateOIDC checks the [oidc] table: all three keys or none, an
// issuer served over https (http only on loopback, for trying), and a
// base_url to derive the redirect URL from.
func (c Config) validateOIDC(bad func(key, format string, args ...any)) {
	o := c.OIDC
	if !o.Enabled() {
		return
	}
	u, err := url.Parse(o.Issuer)
	switch {
	case o.Issuer == "":
		bad("oidc.issuer", "want the provider's issuer URL such as https://login.example.com (client_id and client_secret are set)")
	case err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
		bad("oidc.issuer", "want the provider's issuer URL such as https://login.example.com, got %q", o.Issuer)
	case u.Scheme != "https" && !(u.Scheme == "http" && loopbackHost(u.Hostname())):
		bad("oidc.issuer", "want an https:// URL (http:// only on loopback, for trying), got %q", o.Issuer)
	}
	if o.ClientID == "" {
		bad("oidc.client_id", "want the client id registered with the provider")
	}
	if o.ClientSecret == "" {
		bad("oidc.client_secret", "want the client's secret, as ${NAME} naming an environment variable or in HELPDESK_OIDC_CLIENT_SECRET")
	}
	if c.BaseURL == "" {
		bad("oidc.issuer", "single sign-on needs base_url (HELPDESK_BASE_URL): the redirect URL is base_url%s", SSOCallbackPath)
	}
}

// redacted hides the client secret.
func (o OIDC) redacted() OIDC {
	if o.ClientSecret != "" {
		o.ClientSecret = "(redacted)"
	}
	return o
}

// loopbackHost reports whether h names this machine.
func loopbackHost(h string) bool {
	ip := net.ParseIP(h)
	return h == "localhost" || (ip != nil && ip.IsLoopback())
}
