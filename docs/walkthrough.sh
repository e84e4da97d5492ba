#!/usr/bin/env bash
# The README's walk-through: organisations, a partner, a CC, a staff note,
# a forged staff reply, an auto-reply and a bounce, using only the helpdesk
# command. Run it in an empty folder:
#   HELPDESK=/path/to/helpdesk bash docs/walkthrough.sh
# (HELPDESK defaults to "go run ./cmd/helpdesk" from the repository root.)
set -u
here=$(cd "$(dirname "$0")" && pwd)
mails=$here/walkthrough
HELPDESK=${HELPDESK:-"go run $here/../cmd/helpdesk"}
export HELPDESK_ADDRESS=support@help.example
export HELPDESK_AUTHSERV_ID=mx.help.example
export HELPDESK_DB=${HELPDESK_DB:-sqlite:walkthrough.db}
export HELPDESK_SECRET=${HELPDESK_SECRET:-walkthrough-secret-0123456789}

step() {
	echo
	printf '$ helpdesk'; printf ' %q' "$@"; echo
	$HELPDESK "$@"
	echo "(exit $?)"
}

# Staff: the first owner needs no --as (S1); after that every change names its actor (S2).
step staff add owner@help.example --role owner
export HELPDESK_AS=owner@help.example
step staff add sam@help.example --role agent
# Organisations (O1, O2), and a partner attached to its client (O5).
step org add acme --name "Acme Ltd" --domain acme.com
step org add partnerco --name "Partner & Co" --domain partner.example
step org add freemail --name "Nope" --domain gmail.com
step org domain add acme partner.example --reason "Partner & Co is Acme's IT partner"
# Ann opens a ticket, CC'ing Carl (C1) and a no-reply address (C3).
step ingest "$mails/01-ann-opens.eml"
step ticket show 1
step outbox list
# The partner is not CC'd and acme is 'own': no rights (R5, I6).
step ingest "$mails/02-partner-writes.eml"
# Bob, a colleague of Ann's, is registered by an admin (O3: member of acme).
step user add bob@acme.com --name "Bob Example"
# What would sharing acme as 'view' do? Preview, then do it (A1).
step org set acme --access view --dry-run
step org set acme --access view --reason "customer asked for shared visibility"
# Now the partner can read but not comment (R6, I5): held in quarantine.
step ingest "$mails/03-partner-again.eml"
step quarantine list
# Ann (proven by DMARC) CC's the partner (C2); the partner now comments (R3, R6).
step ingest "$mails/04-ann-ccs-partner.eml"
step ingest "$mails/05-partner-comments.eml"
# Sam writes an internal note to the note address, with Ann in Cc (I7, R7, C4, N2).
step ingest "$mails/06-staff-note.eml"
# A forged staff reply (no trusted proof) changes nothing (I9).
step ingest "$mails/07-forged-staff.eml"
# An out-of-office reply is recorded on the ticket, not answered (B1).
step ingest "$mails/08-out-of-office.eml"
# A bounce opens no ticket (B3).
step ingest "$mails/09-bounce.eml"
# Who can read ticket 1, and why?
step ticket access 1
step ticket show 1
step outbox list --ticket 1
step audit
