package config

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// samplePath is the sample configuration operators start from.
const samplePath = "../docs/helpdesk.example.toml"

// siteKeys are the sample's keys set for an example site rather than to
// their defaults.
var siteKeys = map[string]bool{"db": true, "address": true, "secret": true, "authserv_id": true, "imap": true, "smtp": true}

// sampleEnv gives the variables the sample names as ${NAME}.
var sampleEnv = env(map[string]string{
	"HELPDESK_PG_PASSWORD": "pg-password", "HELPDESK_TOKEN_SECRET": "a-token-secret-of-32-characters!",
	"IMAP_PASSWORD": "imap-password", "SMTP_PASSWORD": "smtp-password", "M365_CLIENT_SECRET": "m365-secret",
})

// configKey is one TOML key of Config: its name ("oidc.issuer" for a key
// of a table) and the index of its field.
type configKey struct {
	name  string
	index []int
}

// configKeys are the TOML keys of Config, in the order of its fields; a
// struct field is a table, whose keys are listed instead.
func configKeys() []configKey {
	var keys []configKey
	t := reflect.TypeOf(Config{})
	for i := range t.NumField() {
		f := t.Field(i)
		k := f.Tag.Get("toml")
		if k == "" || k == "-" {
			continue
		}
		if f.Type.Kind() == reflect.Map && f.Type.Elem().Kind() == reflect.Struct {
			// named tables ([oauth.NAME]): keys without a default of their own (nil index)
			for j := range f.Type.Elem().NumField() {
				if sub := f.Type.Elem().Field(j).Tag.Get("toml"); sub != "" && sub != "-" {
					keys = append(keys, configKey{k + ".*." + sub, nil})
				}
			}
			continue
		}
		if f.Type.Kind() != reflect.Struct {
			keys = append(keys, configKey{k, []int{i}})
			continue
		}
		for j := range f.Type.NumField() {
			if sub := f.Type.Field(j).Tag.Get("toml"); sub != "" && sub != "-" {
				keys = append(keys, configKey{k + "." + sub, []int{i, j}})
			}
		}
	}
	return keys
}

// tomlLine is key = value as TOML, under its table's header for a key of
// a table.
func tomlLine(key, value string) string {
	if table, k, ok := strings.Cut(key, "."); ok {
		return "[" + table + "]\n" + k + " = " + value
	}
	return key + " = " + value
}

// sampleComments maps each key of the sample to the comment lines right
// above it.
func sampleComments(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var comment []string
	table := ""
	keyLine := regexp.MustCompile(`^([a-z_]+)\s*=`)
	tableLine := regexp.MustCompile(`^\[([a-z_]+)(\.[A-Za-z0-9_-]+)?\]\s*$`)
	for _, l := range strings.Split(string(b), "\n") {
		switch m, tm := keyLine.FindStringSubmatch(l), tableLine.FindStringSubmatch(l); {
		case strings.HasPrefix(l, "#"):
			comment = append(comment, strings.TrimSpace(strings.TrimPrefix(l, "#")))
		case tm != nil:
			table = tm[1] + "."
			if tm[2] != "" { // [oauth.NAME]: one of named tables
				table = tm[1] + ".*."
			}
			comment = nil
		case m != nil:
			out[table+m[1]] = strings.Join(comment, " ")
			comment = nil
		default:
			comment = nil
		}
	}
	return out
}

// TestSampleHasEveryKeyWithItsDefault fails when a key exists in the
// program but not in docs/helpdesk.example.toml, when its comment does not
// say its default, or when that default is not the program's.
func TestSampleHasEveryKeyWithItsDefault(t *testing.T) {
	comments := sampleComments(t)
	defaults := reflect.ValueOf(Defaults())
	said := regexp.MustCompile(`Default: ("[^"]*"|[0-9]+)`)
	for _, ck := range configKeys() {
		key := ck.name
		c, ok := comments[key]
		if !ok {
			t.Errorf("config key %s is missing from %s: add it with its default and one line saying what it does", key, samplePath)
			continue
		}
		if !strings.Contains(c, "Default: ") {
			t.Errorf("%s: the comment above %s does not say its default (\"Default: ...\")", samplePath, key)
			continue
		}
		m := said.FindStringSubmatch(c)
		if m == nil || ck.index == nil { // a list, described in words (its value is checked by TestSampleLoads), or a key of named tables
			continue
		}
		var got Config
		if _, err := toml.Decode(tomlLine(key, m[1]), &got); err != nil {
			t.Errorf("%s: the default said for %s, %s, is not a value of it: %v", samplePath, key, m[1], err)
			continue
		}
		if g, w := reflect.ValueOf(got).FieldByIndex(ck.index).Interface(), defaults.FieldByIndex(ck.index).Interface(); !reflect.DeepEqual(g, w) {
			t.Errorf("%s says %s defaults to %s; the program's default is %v", samplePath, key, m[1], w)
		}
	}
}

// TestSampleLoads: the sample is valid with its secrets in the
// environment, and every key outside its first part is set to the default.
func TestSampleLoads(t *testing.T) {
	c, err := Load(samplePath, sampleEnv)
	if err != nil {
		t.Fatalf("%s does not load: %v", samplePath, err)
	}
	got, want := reflect.ValueOf(c), reflect.ValueOf(Defaults())
	for _, ck := range configKeys() {
		key := ck.name
		if siteKeys[key] || ck.index == nil {
			continue
		}
		if g, w := got.FieldByIndex(ck.index).Interface(), want.FieldByIndex(ck.index).Interface(); !reflect.DeepEqual(g, w) {
			t.Errorf("%s sets %s to %v; the default is %v (the sample keeps defaults outside its first part)", samplePath, key, g, w)
		}
	}
	if c.Secret != "a-token-secret-of-32-characters!" || !strings.Contains(c.DB, ":pg-password@") {
		t.Errorf("the sample's ${NAME} secrets were not read from the environment: secret %q, db %q", c.Secret, c.DB)
	}
	if _, err := Load(samplePath, env(nil)); err == nil || !strings.Contains(err.Error(), "is not set") {
		t.Errorf("the sample loads without its secrets in the environment: %v", err)
	}
}

// TestSampleHoldsNoSecret: every password and the token secret of the
// sample name an environment variable.
func TestSampleHoldsNoSecret(t *testing.T) {
	var raw Config
	if _, err := toml.DecodeFile(samplePath, &raw); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw.Secret, "${") {
		t.Errorf("secret = %q: want ${NAME}", raw.Secret)
	}
	if s := raw.OIDC.ClientSecret; s != "" && !strings.HasPrefix(s, "${") {
		t.Errorf("oidc.client_secret = %q: want ${NAME}", s)
	}
	for name, o := range raw.OAuth {
		for key, v := range map[string]string{"client_secret": o.ClientSecret, "refresh_token": o.RefreshToken} {
			if v != "" && !strings.HasPrefix(v, "${") {
				t.Errorf("oauth.%s.%s = %q: want ${NAME}", name, key, v)
			}
		}
	}
	password := regexp.MustCompile(`://[^:/@\s]+:([^@\s]*)@`)
	for key, v := range map[string]string{"db": raw.DB, "imap": raw.IMAP, "smtp": raw.SMTP} {
		for _, m := range password.FindAllStringSubmatch(v, -1) {
			if !strings.HasPrefix(m[1], "${") {
				t.Errorf("%s holds a password %q: want ${NAME}", key, m[1])
			}
		}
	}
}
