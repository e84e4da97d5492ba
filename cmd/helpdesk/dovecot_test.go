package main

import (
	"testing"

	"github.com/helpdesk-gw/helpdesk/internal/dovecottest"
)

// dovecotPass is every test user's password on the throwaway Dovecot.
const dovecotPass = dovecottest.Password

// dovecot is the throwaway Dovecot of internal/dovecottest, with the names
// the process tests use.
type dovecot struct {
	*dovecottest.Server
	addr     string
	uid, gid int
}

// startDovecot starts Dovecot for t and stops it when t ends.
func startDovecot(t *testing.T) *dovecot {
	t.Helper()
	s := dovecottest.Start(t)
	return &dovecot{Server: s, addr: s.Addr, uid: s.UID, gid: s.GID}
}

func (d *dovecot) seed(t *testing.T, user string, msgs [][]byte) { t.Helper(); d.Seed(t, user, msgs) }
