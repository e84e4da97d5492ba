#!/usr/bin/env bash
# The README's walk-through: organisations, a partner, a CC, a staff note,
# a forged staff reply, an auto-reply and a bounce, using only the helpdesk
# command. Run it in an empty folder, from anywhere:
#   mkdir /tmp/try && cd /tmp/try && bash /path/to/repo/docs/walkthrough.sh
# It builds the command from the repository it lives in (set HELPDESK to
# a built binary to skip that), keeps its store in ./walkthrough.db, and
# stops with a non-zero exit at the first step whose outcome is not the
# one expected, naming that step.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
mails=$here/walkthrough

fail() {
	echo "walkthrough: $*" >&2
	exit 1
}

export HELPDESK_ADDRESS=support@help.example
export HELPDESK_AUTHSERV_ID=mx.help.example
export HELPDESK_DB=${HELPDESK_DB:-sqlite:walkthrough.db}
export HELPDESK_SECRET=${HELPDESK_SECRET:-walkthrough-secret-0123456789}
unset HELPDESK_AS HELPDESK_CONFIG

if [ -e walkthrough.db ]; then
	fail "walkthrough.db exists in $(pwd): run the walk-through in an empty folder"
fi
if [ -z "${HELPDESK:-}" ]; then
	command -v go >/dev/null || fail "building the helpdesk command needs Go (or set HELPDESK to a built binary)"
	bin=$(mktemp -d "${TMPDIR:-/tmp}/helpdesk-walkthrough.XXXXXX") || fail "cannot make a temporary folder"
	trap 'rm -rf "$bin"' EXIT
	echo "building helpdesk from $repo ..."
	go build -C "$repo" -o "$bin/helpdesk" ./cmd/helpdesk || fail "could not build the helpdesk command from $repo"
	HELPDESK=$bin/helpdesk
fi

# step WANT_EXIT ARGS...: runs helpdesk ARGS, prints its output and exit
# code, and stops the walk-through when the exit code is not WANT_EXIT.
out=""
step() {
	local want=$1 code
	shift
	echo
	printf '$ helpdesk'
	printf ' %q' "$@"
	echo
	out=$("$HELPDESK" "$@" 2>&1)
	code=$?
	printf '%s\n(exit %d)\n' "$out" "$code"
	current="helpdesk $*"
	[ "$code" = "$want" ] || fail "step '$current' exited $code, expected $want"
}

# expect TEXT: the last step's output contains TEXT.
expect() {
	case $out in
	*"$1"*) ;;
	*) fail "step '$current' did not print '$1'" ;;
	esac
}

# ingest OUTCOME FILE: ingests one of the walk-through's mails and checks
# its outcome.
ingest() {
	step 0 ingest "$mails/$2"
	expect ": $1"
}

# Staff: the first owner needs no --as (S1); after that every change names its actor (S2).
step 0 staff add owner@help.example --role owner
export HELPDESK_AS=owner@help.example
step 0 staff add sam@help.example --role agent
# Organisations (O1, O2), and a partner attached to its client (O5).
step 0 org add acme --name "Acme Ltd" --domain acme.com
step 0 org add partnerco --name "Partner & Co" --domain partner.example
step 1 org add freemail --name "Nope" --domain gmail.com
expect "O2"
step 0 org domain add acme partner.example --reason "Partner & Co is Acme's IT partner"
# Ann opens a ticket, CC'ing Carl (C1) and a no-reply address (C3).
ingest "created ticket 1" 01-ann-opens.eml
step 0 ticket show 1
expect "cc: carl@cc.example"
step 0 outbox list
# The partner is not CC'd and acme is 'own': no rights (R5, I6).
ingest rejected 02-partner-writes.eml
# Bob, a colleague of Ann's, is registered by an admin (O3: member of acme).
step 0 user add bob@acme.com --name "Bob Example"
# What would sharing acme as 'view' do? Preview, then do it (A1).
step 0 org set acme --access view --dry-run
expect "bob@acme.com gains view on ticket 1"
step 0 org set acme --access view --reason "customer asked for shared visibility"
# Now the partner can read but not comment (R6, I5): held in quarantine.
ingest "rejected ticket 1" 03-partner-again.eml
step 0 quarantine list
expect "pat@partner.example"
# Ann (proven by DMARC) CC's the partner (C2); the partner now comments (R3, R6).
ingest commented 04-ann-ccs-partner.eml
ingest commented 05-partner-comments.eml
# Sam writes an internal note to the note address, with Ann in Cc (I7, R7, C4, N2).
ingest noted 06-staff-note.eml
# A forged staff reply (no trusted proof) changes nothing (I9).
ingest rejected 07-forged-staff.eml
# An out-of-office reply is recorded on the ticket, not answered (B1).
ingest "auto_reply ticket 1" 08-out-of-office.eml
# A bounce opens no ticket (B3).
ingest bounce 09-bounce.eml
# Who can read ticket 1, and why?
step 0 ticket access 1
expect "bob@acme.com"
expect "pat@partner.example"
step 0 ticket show 1
expect "assignee sam@help.example"
step 0 outbox list --ticket 1
step 0 audit
expect "org.set"
echo
echo "walkthrough: every step had the outcome expected"
