package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/helpdesk-gw/helpdesk/config"
	"github.com/helpdesk-gw/helpdesk/ingest/imapsource"
	"github.com/helpdesk-gw/helpdesk/mailauth"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/outbound"
)

// oauthTokens are the token sources of the [oauth.NAME] clients: one per
// client, shared by the mailboxes and the relay naming it, or, for a Google
// service account, one per client and mailbox user it acts as.
type oauthTokens struct {
	opts map[string]mailauth.Options // by client name, files read
	made map[string]*mailauth.Source // by client name, and user for a service account
}

// oauthSources reads the [oauth.NAME] tables and the files they name, and
// checks each client's options.
func oauthSources(cfg config.Config) (*oauthTokens, error) {
	t := &oauthTokens{opts: map[string]mailauth.Options{}, made: map[string]*mailauth.Source{}}
	for _, name := range cfg.OAuthNames() {
		o := cfg.OAuth[name]
		files := map[string][]byte{}
		for key, path := range map[string]string{"client_certificate": o.ClientCertificate, "service_account_key": o.ServiceAccountKey} {
			if path == "" {
				continue
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, fmt.Errorf("config key oauth.%s.%s: %w", name, key, err)
			}
			files[key] = b
		}
		opts := mailauth.Options{Provider: o.Provider, Tenant: o.Tenant, ClientID: o.ClientID, ClientSecret: o.ClientSecret,
			ClientCertificate: files["client_certificate"], ServiceAccountKey: files["service_account_key"],
			RefreshToken: o.RefreshToken, TokenURL: o.TokenURL, Scopes: o.Scopes}
		if opts.ServiceAccountKey != nil {
			opts.Subject = "user@check.invalid" // each mailbox gives its own; this checks the key
		}
		if _, err := mailauth.New(opts); err != nil {
			return nil, fmt.Errorf("config key oauth.%s: %w", name, err)
		}
		t.opts[name] = opts
	}
	return t, nil
}

// source is the token source of client name for user (a mailbox's
// address); nil when name is "".
func (t *oauthTokens) source(name, user string) (*mailauth.Source, error) {
	opts, ok := t.opts[name]
	if !ok {
		return nil, nil
	}
	key := name
	if opts.ServiceAccountKey != nil {
		opts.Subject, key = user, name+"\x00"+strings.ToLower(user)
	}
	if src := t.made[key]; src != nil {
		return src, nil
	}
	src, err := mailauth.New(opts)
	if err != nil {
		return nil, fmt.Errorf("config key oauth.%s: %w", name, err)
	}
	t.made[key] = src
	return src, nil
}

// empty reports whether no client is configured.
func (t *oauthTokens) empty() bool { return len(t.opts) == 0 }

// oauthCheckTimeout bounds serve --check's sign-ins, all together.
const oauthCheckTimeout = time.Minute

// checkOAuth is serve --check's part for OAuth: it signs in once to each
// mailbox and to the relay that use an [oauth.NAME] client, reading and
// sending nothing, and returns a line for each saying which provider and
// flow it uses and that it signed in; a failure is an error naming the
// mailbox or relay, with what to check.
func checkOAuth(ctx context.Context, cfg config.Config, mailboxes []config.IMAPMailbox, relay outbound.SenderOptions) ([]string, error) {
	sources, err := oauthSources(cfg)
	if err != nil || sources.empty() {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, oauthCheckTimeout)
	defer cancel()
	var lines []string
	var errs []error
	for _, m := range mailboxes {
		src, err := sources.source(m.OAuth, m.Username)
		if src == nil {
			errs = append(errs, err)
			continue
		}
		mb := imapMailbox(m)
		mb.Token = src
		if err := imapsource.SignIn(ctx, mb); err != nil {
			errs = append(errs, fmt.Errorf("mailbox %s: OAuth sign-in (%s) failed: %w", m.Name, src, err))
			continue
		}
		lines = append(lines, fmt.Sprintf("mailbox %s: OAuth %s (%s), %s as %s: signed in once, no mail read",
			m.Name, m.OAuth, src, strings.ToUpper(mb.Auth), m.Username))
	}
	if src, err := sources.source(relay.OAuth, relay.Username); err != nil {
		errs = append(errs, err)
	} else if src != nil {
		relay.Token = src
		if err := signInRelay(ctx, relay); err != nil {
			errs = append(errs, fmt.Errorf("smtp relay: OAuth sign-in (%s) failed: %w", src, err))
		} else {
			lines = append(lines, fmt.Sprintf("relay: OAuth %s (%s), %s as %s: signed in once, nothing sent",
				relay.OAuth, src, relay.Auth, relay.Username))
		}
	}
	return lines, errors.Join(errs...)
}

// signInRelay signs in to the relay once and says QUIT.
func signInRelay(ctx context.Context, o outbound.SenderOptions) error {
	snd, err := outbound.NewSender(o, nil)
	if err != nil {
		return err
	}
	defer snd.Close()
	return snd.SignIn(ctx)
}

// checkMailboxTeams warns, at start, of a mailbox mapped to a team
// (team=SLUG) that does not exist or is disabled (its new tickets then go
// by the other routing steps, I10), or whose address is not one of the
// team's intake addresses (its tickets' notifications then come from the
// support address).
func (g *gateway) checkMailboxTeams(ctx context.Context, mailboxes []config.IMAPMailbox) {
	var teams []model.Team
	for _, m := range mailboxes {
		if m.Team == "" {
			continue
		}
		if teams == nil {
			var err error
			if teams, err = g.e.st.ListTeams(ctx); err != nil {
				g.log.Warn("cannot read the teams to check the mailboxes mapped to them", "err", err)
				return
			}
		}
		g.checkMailboxTeam(m, teams)
	}
}

func (g *gateway) checkMailboxTeam(m config.IMAPMailbox, teams []model.Team) {
	log := g.log.With("mailbox", m.Name, "team", m.Team)
	for _, t := range teams {
		switch {
		case t.Slug != m.Team:
			continue
		case t.Disabled:
			log.Warn("the team this mailbox is mapped to is disabled: its new tickets go by the other routing steps (I10)")
		case !slices.Contains(t.Addresses, model.NormalizeEmail(m.Username)):
			log.Info("this mailbox's address is not an intake address of its team: its tickets' notifications come from the support address (helpdesk team set SLUG --address ADDRESS to change that)")
		}
		return
	}
	log.Warn("this mailbox is mapped to a team that does not exist: its new tickets go by the other routing steps (I10) until the team is added")
}

// smtpSignInCollector exposes the relay's failed OAuth sign-ins as
// helpdesk_smtp_errors_total{kind}: auth (the relay refused the token and a
// renewed one), token (no token from the endpoint).
type smtpSignInCollector struct{ s *outbound.Sender }

var smtpErrorsDesc = prometheus.NewDesc("helpdesk_smtp_errors_total",
	"Failed sign-ins to the SMTP relay with OAuth, by kind: auth (the relay refused the token, a renewed one too), token (no token from the endpoint).",
	[]string{"kind"}, nil)

func (c smtpSignInCollector) Describe(ch chan<- *prometheus.Desc) { ch <- smtpErrorsDesc }

func (c smtpSignInCollector) Collect(ch chan<- prometheus.Metric) {
	refused, noToken := c.s.SignInFailures()
	ch <- prometheus.MustNewConstMetric(smtpErrorsDesc, prometheus.CounterValue, float64(refused), "auth")
	ch <- prometheus.MustNewConstMetric(smtpErrorsDesc, prometheus.CounterValue, float64(noToken), "token")
}
