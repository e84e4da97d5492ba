package main

import (
	"context"
	"fmt"
	"time"

	"github.com/helpdesk-gw/helpdesk/config"
	"github.com/helpdesk-gw/helpdesk/web"
)

// ssoOptions is the portal's staff single sign-on from the [oidc] table
// (W1); nil when it is not configured.
func ssoOptions(cfg config.Config) *web.SSO {
	if !cfg.OIDC.Enabled() {
		return nil
	}
	return &web.SSO{Issuer: cfg.OIDC.Issuer, ClientID: cfg.OIDC.ClientID, ClientSecret: cfg.OIDC.ClientSecret}
}

// checkSSO is serve --check's line on how people sign in to the web: with
// [oidc], the issuer must answer its discovery document (the only server
// --check contacts); the client secret is never printed.
func checkSSO(cfg config.Config) (string, error) {
	o := ssoOptions(cfg)
	if o == nil {
		return "a link sent by mail, for staff too (single sign-on is off: no [oidc])", nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := web.CheckSSO(ctx, *o); err != nil {
		return "", fmt.Errorf("config key oidc.issuer: the provider does not answer its discovery document: %w", err)
	}
	return fmt.Sprintf("staff by single sign-on at %s (reachable), client_id %s, redirect URL %s (register it with the provider); "+
		"a mail link does not sign in staff (W1); others by a link sent by mail", o.Issuer, o.ClientID, cfg.SSORedirectURL()), nil
}
