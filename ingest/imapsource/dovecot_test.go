package imapsource

import (
	"testing"

	"github.com/helpdesk-gw/helpdesk/internal/dovecottest"
)

// dovecot is the throwaway Dovecot of internal/dovecottest, with the names
// these tests use.
type dovecot struct {
	*dovecottest.Server
	dir, addr string
	uid, gid  int
}

// startDovecot starts Dovecot for t (skipping, or failing under
// HELPDESK_TEST_STRICT=1, without the binary) and stops it when t ends.
func startDovecot(t testing.TB) *dovecot {
	t.Helper()
	s := dovecottest.Start(t)
	return &dovecot{Server: s, dir: s.Dir, addr: s.Addr, uid: s.UID, gid: s.GID}
}

func (d *dovecot) seed(t testing.TB, user string, msgs [][]byte) { t.Helper(); d.Seed(t, user, msgs) }

func dovecotBinary() (string, bool) { return dovecottest.Binary() }
