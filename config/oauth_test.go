package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadFile writes body as a configuration file and loads it with vars.
func loadFile(t *testing.T, body string, vars map[string]string) (Config, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "helpdesk.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(p, env(vars))
}

const m365File = `imap = "imaps://billing%40help.example@outlook.office365.com/INBOX?oauth=office365&team=billing imaps://support%40help.example@outlook.office365.com/INBOX?oauth=office365&auth=oauthbearer"
smtp = "smtp://support%40help.example@smtp.office365.com:587?oauth=office365"

[oauth.office365]
provider = "microsoft"
tenant = "help.example"
client_id = "app-id"
client_secret = "${M365_SECRET}"

[oauth.gmail]
provider = "google"
client_id = "gid"
client_secret = "${G_SECRET}"
refresh_token = "${G_REFRESH}"
`

// TestOAuthMailboxesReadTheirClientAndTeam: mailboxes name their OAuth
// client and team; secrets come from ${NAME} and never show when printed.
func TestOAuthMailboxesReadTheirClientAndTeam(t *testing.T) {
	c, err := loadFile(t, m365File, map[string]string{"M365_SECRET": "m365-s3cret", "G_SECRET": "g-s3cret", "G_REFRESH": "1//refresh-s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := c.IMAPMailboxes()
	if err != nil {
		t.Fatal(err)
	}
	if m := ms[0]; m.OAuth != "office365" || m.Auth != "xoauth2" || m.Team != "billing" || m.Username != "billing@help.example" {
		t.Errorf("first mailbox %+v", m)
	}
	if m := ms[1]; m.Auth != "oauthbearer" || m.Team != "" {
		t.Errorf("second mailbox %+v", m)
	}
	if o := c.OAuth["office365"]; o.ClientSecret != "m365-s3cret" || o.Flow() != "client_credentials" {
		t.Errorf("office365 %+v", o)
	}
	if o := c.OAuth["gmail"]; o.RefreshToken != "1//refresh-s3cret" || o.Flow() != "refresh_token" {
		t.Errorf("gmail %+v", o)
	}
	if SMTPOAuth(c.SMTP) != "office365" {
		t.Errorf("smtp oauth %q", SMTPOAuth(c.SMTP))
	}
	printed := c.Redacted()
	for _, secret := range []string{"m365-s3cret", "g-s3cret", "refresh-s3cret"} {
		if strings.Contains(printed, secret) {
			t.Errorf("Redacted() shows %s:\n%s", secret, printed)
		}
	}
	if !strings.Contains(printed, `client_id = "app-id"`) || !strings.Contains(printed, `tenant = "help.example"`) {
		t.Errorf("Redacted() hides what is not secret:\n%s", printed)
	}
}

// TestOAuthMistakesNameTheKey: each wrong setting is refused naming its key.
func TestOAuthMistakesNameTheKey(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"[oauth.a]\nprovider = \"microsoft\"\nclient_id = \"x\"\nclient_secret = \"s\"\n", "oauth.a.tenant: required for provider microsoft"},
		{"[oauth.a]\nprovider = \"google\"\nclient_id = \"x\"\nclient_secret = \"s\"\n", "oauth.a.refresh_token: required for provider google"},
		{"[oauth.a]\nprovider = \"generic\"\nclient_id = \"x\"\nclient_secret = \"s\"\n", "oauth.a.token_url: required"},
		{"[oauth.a]\nprovider = \"generic\"\nclient_id = \"x\"\nclient_secret = \"s\"\ntoken_url = \"http://auth.example/token\"\n", "oauth.a.token_url: want an https:// URL"},
		{"[oauth.a]\nprovider = \"yahoo\"\n", "oauth.a.provider: want microsoft, google or generic"},
		{"[oauth.a]\nprovider = \"google\"\nservice_account_key = \"/k.json\"\nrefresh_token = \"r\"\n", "oauth.a.service_account_key: a service account replaces"},
		{"[oauth.a]\nprovider = \"generic\"\ntoken_url = \"https://x.example/t\"\nclient_id = \"c\"\nclient_secret = \"s\"\nservice_account_key = \"/k.json\"\n", "oauth.a.service_account_key: for provider google only"},
		{"[oauth.a]\nprovider = \"microsoft\"\ntenant = \"t\"\nclient_id = \"x\"\n", "oauth.a.client_secret: required for provider microsoft (client_credentials flow), or client_certificate"},
		{"[oauth.a]\nprovider = \"microsoft\"\ntenant = \"t\"\nclient_id = \"x\"\nclient_secret = \"s\"\nclient_certificate = \"/c.pem\"\n", "oauth.a.client_certificate: replaces client_secret"},
		{"[oauth.a]\nprovider = \"microsoft\"\nclient_id = \"x\"\ntenant = \"t\"\nclient_secret = \"${UNSET}\"\n", "oauth.a.client_secret: environment variable UNSET"},
		{"imap = \"imaps://u%40x.example@imap.x.example/?oauth=nope\"\n", "oauth=nope names no [oauth.nope] table"},
		{"smtp = \"smtps://u%40x.example@smtp.x.example?oauth=nope\"\n", "config key smtp: oauth=nope names no [oauth.nope] table"},
		{"imap = \"imaps://u%40x.example:pw@imap.x.example/?oauth=a&auth=plain\"\n", "want auth=xoauth2 or auth=oauthbearer"},
		{"imap = \"imaps://u%40x.example:pw@imap.x.example/?oauth=a\"\n", "leave the password out of the URL"},
		{"imap = \"imaps://u%40x.example@imap.x.example/?auth=oauthbearer\"\n", "needs oauth=NAME"},
		{"imap = \"imaps://u%40x.example:pw@imap.x.example/?team=Billing_Desk\"\n", "team=\"billing_desk\": want a team's slug"},
	} {
		if _, err := loadFile(t, c.body, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s\nerror %v\nwant one containing %q", c.body, err, c.want)
		}
	}
}
