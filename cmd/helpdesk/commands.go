package main

import "context"

// commandSpec declares one command (STYLE habit 15): the words that name
// it, its arguments, its flags and a one-line summary. Usage lines, help
// and the parsing of its flags all come from this declaration.
type commandSpec struct {
	Words   string // "org set"
	Args    string // positional arguments: "SLUG", "EMAIL SLUG", "[FILE ...]"
	Flags   []flagSpec
	Summary string
	// CreatesStore: the command creates a store that does not exist yet
	// (cli.md: serve, ingest, and the staff add that creates the first
	// owner). Every other command refuses to run without one.
	CreatesStore bool
	Run          func(ctx context.Context, e *env, in *invocation) error
}

// Flags shared by several commands.
var (
	fForce     = flagSpec{Name: "force", Kind: flagBool, Help: "accept a public suffix or a free-mail domain (O2)"}
	fName      = flagSpec{Name: "name", Value: "NAME", Help: "display name"}
	fOrgAcc    = flagSpec{Name: "access", Value: "own|view|comment", Choices: true, Help: "what members see of each other's tickets (A1)"}
	fIntake    = flagSpec{Name: "intake", Value: "open|registered", Choices: true, Help: "who may open tickets (O8)"}
	fCCAdd     = flagSpec{Name: "cc-adders", Value: "requester|participants", Choices: true, Help: "who may add CCs by mail (C2)"}
	fLang      = flagSpec{Name: "language", Value: "en|nb", Help: "language of the mails to the organisation's people"}
	fRole      = flagSpec{Name: "role", Value: "agent|admin|owner", Required: true, Choices: true, Help: "the staff role (S1)"}
	fDomains   = flagSpec{Name: "domain", Value: "D", Kind: flagList, Required: true, Help: "an email domain, *.DOMAIN for its subdomains (O2)"}
	fNotify    = flagSpec{Name: "notify", Value: "team|assigned|none", Choices: true, Help: "what the staff member is told of (N7)"}
	fFile      = flagSpec{Name: "file", Value: "F", Help: "read the text from F (default: standard input)"}
	fStaffTeam = flagSpec{Name: "team", Value: "SLUG", Kind: flagList, Help: "a team the staff member is in; the list replaces the old one (S4)"}
	fTeamAddr  = flagSpec{Name: "address", Value: "EMAIL", Kind: flagList, Help: "an intake address routed to the team (I10)"}
	fTeamOrg   = flagSpec{Name: "org", Value: "SLUG", Kind: flagList, Help: "an organisation routed to the team (I10)"}
)

// commands is every command, in the order help lists them. Add a command
// by adding one entry.
var commands []*commandSpec

func init() {
	commands = []*commandSpec{
		{Words: "serve", Summary: "run the gateway (poller, sender, HTTP)", CreatesStore: true, Run: cmdServe,
			Flags: []flagSpec{{Name: "check", Kind: flagBool, Help: "validate the configuration, print it with secrets redacted, and exit"}}},
		{Words: "ingest", Args: "[FILE ...]", Summary: "ingest raw RFC 5322 messages (stdin if no FILE)", CreatesStore: true, Run: cmdIngest,
			Flags: []flagSpec{{Name: "mailbox", Value: "NAME", Help: "the mailbox the messages came from"}}},

		{Words: "org add", Args: "SLUG", Summary: "create an organisation (O1, O2)", Run: cmdOrgAdd,
			Flags: []flagSpec{fName, fDomains, fOrgAcc, fIntake, fCCAdd, fLang, fForce}},
		{Words: "org set", Args: "SLUG", Summary: "change an organisation's settings (A1, O8, C2)", Run: cmdOrgSet,
			Flags: []flagSpec{fName, fOrgAcc, fIntake, fCCAdd, fLang}},
		{Words: "org domain add", Args: "SLUG DOMAIN", Summary: "add a domain to an organisation (O2, O4)", Run: cmdOrgDomainAdd,
			Flags: []flagSpec{fForce}},
		{Words: "org domain remove", Args: "SLUG DOMAIN", Summary: "remove a domain from an organisation (O4)", Run: cmdOrgDomainRemove,
			Flags: []flagSpec{{Name: "force", Kind: flagBool, Help: "accepted as on add; any domain may be removed"}}},
		{Words: "org sync", Args: "SLUG", Summary: "apply the organisation's domains to existing users (O4)", Run: cmdOrgSync},
		{Words: "org list", Summary: "list the organisations", Run: cmdOrgList},

		{Words: "user add", Args: "EMAIL", Summary: "register a user (an existing user is registered, exit 0)", Run: cmdUserAdd,
			Flags: []flagSpec{fName, {Name: "org", Value: "SLUG", Kind: flagList, Help: "make the user a member of this organisation"}}},
		{Words: "user set", Args: "EMAIL", Summary: "change a user's name or default organisation (O6)", Run: cmdUserSet,
			Flags: []flagSpec{fName, {Name: "default-org", Value: "SLUG", Help: "the organisation of the user's new tickets (O6)"}}},
		{Words: "user show", Args: "EMAIL", Summary: "show a user, their role and memberships", Run: cmdUserShow},

		{Words: "member set", Args: "EMAIL SLUG", Summary: "create or change a membership (A2, N5)", Run: cmdMemberSet,
			Flags: []flagSpec{
				{Name: "access", Value: "own|org", Choices: true, Help: "the member's own tickets, or all the organisation's (A2)"},
				{Name: "follow-all", Kind: flagBool, Excludes: "no-follow-all", Help: "be told of every ticket of the organisation (N5)"},
				{Name: "no-follow-all", Kind: flagBool, Help: "stop following every ticket"},
			}},
		{Words: "member remove", Args: "EMAIL SLUG", Summary: "remove a membership", Run: cmdMemberRemove},

		// staff add may create the store: its handler narrows that to the
		// first owner (S1).
		{Words: "staff add", Args: "EMAIL", Summary: "give someone a staff role (S1; the first owner needs no --as)", CreatesStore: true,
			Run: cmdStaff("staff.add"), Flags: []flagSpec{fRole, fNotify, fStaffTeam}},
		{Words: "staff set", Args: "EMAIL", Summary: "change a staff member's role (S1) or what they are told of (N7)", Run: cmdStaffSet,
			Flags: []flagSpec{{Name: "role", Value: "agent|admin|owner", Choices: true, Help: "the staff role (S1)"}, fNotify, fStaffTeam}},
		{Words: "staff list", Summary: "list the staff with their roles, notify settings and teams", Run: cmdStaffList},
		{Words: "staff remove", Args: "EMAIL", Summary: "take a staff role away (S1)", Run: cmdStaffRemove},

		{Words: "ticket list", Summary: "list tickets, oldest first", Run: cmdTicketList,
			Flags: []flagSpec{
				{Name: "org", Value: "SLUG", Help: "only this organisation's tickets"},
				{Name: "status", Value: "S", Help: "only tickets in this status: open, pending, solved or closed"},
				{Name: "assignee", Value: "EMAIL|none", Help: "only tickets assigned to EMAIL, or to nobody"},
				{Name: "team", Value: "SLUG|none", Help: "only the tickets of this team, or of none (I10)"},
				{Name: "limit", Value: "N", Kind: flagInt, Help: "at most N tickets (the oldest)"},
				{Name: "after", Value: "ID", Kind: flagInt, Help: "only tickets with a greater id: the next page after the last one listed"},
			}},
		{Words: "ticket show", Args: "ID", Summary: "show a ticket with its comments", Run: cmdTicketShow,
			Flags: []flagSpec{{Name: "as-viewer", Value: "EMAIL", Help: "what that person would see (R1-R7)"}}},
		{Words: "ticket access", Args: "ID", Summary: "who can see the ticket, and why (R1-R7)", Run: cmdTicketAccess},
		{Words: "ticket cc", Args: "ID", Summary: "add or remove CCs as --as (C5, N3)", Run: cmdTicketCC,
			Flags: []flagSpec{
				{Name: "add", Value: "EMAIL", Kind: flagList, Help: "add this address as a CC"},
				{Name: "remove", Value: "EMAIL", Kind: flagList, Help: "remove this CC"},
			}},

		{Words: "ticket reply", Args: "ID", Summary: "a public answer as --as, notified as by mail (N1)", Run: cmdTicketReply(false),
			Flags: []flagSpec{fFile}},
		{Words: "ticket note", Args: "ID", Summary: "an internal note as --as, to staff only (N2, R7)", Run: cmdTicketReply(true),
			Flags: []flagSpec{fFile}},
		{Words: "ticket set", Args: "ID", Summary: "change a ticket's fields as --as (I8, S1, I3)", Run: cmdTicketSet,
			Flags: []flagSpec{
				{Name: "status", Value: "open|pending|solved|closed", Choices: true, Help: "the ticket's status"},
				{Name: "priority", Value: "low|normal|high|urgent", Choices: true, Help: "the ticket's priority"},
				{Name: "type", Value: "question|incident|change|problem", Choices: true, Help: "the ticket's type"},
				{Name: "assign", Value: "EMAIL|me|none", Help: "the staff member it is assigned to (S1)"},
				{Name: "org", Value: "SLUG", Help: "one of the requester's organisations (I3)"},
				{Name: "team", Value: "SLUG|none", Help: "the ticket's team, or none (I10)"},
			}},

		{Words: "team add", Args: "SLUG", Summary: "create a team of staff (S4) and route to it (I10)", Run: cmdTeamAdd,
			Flags: []flagSpec{{Name: "name", Value: "NAME", Required: true, Help: "the team's name"}, fTeamAddr, fTeamOrg}},
		{Words: "team set", Args: "SLUG", Summary: "change a team; a list given replaces the old one (S4, I10)", Run: cmdTeamSet,
			Flags: []flagSpec{fName, fTeamAddr, fTeamOrg,
				{Name: "disabled", Kind: flagBool, Excludes: "enabled", Help: "route no new tickets to it (I10)"},
				{Name: "enabled", Kind: flagBool, Help: "route new tickets to it again"},
				{Name: "default", Kind: flagBool, Excludes: "no-default", Help: "make it the global default team (I10)"},
				{Name: "no-default", Kind: flagBool, Help: "stop it being the default team"},
			}},
		{Words: "team remove", Args: "SLUG", Summary: "delete a team; its tickets lose it, on their history (S4)", Run: cmdTeamRemove},
		{Words: "team member add", Args: "SLUG EMAIL", Summary: "add a staff member to a team (S4)", Run: cmdTeamMember(true)},
		{Words: "team member remove", Args: "SLUG EMAIL", Summary: "take a staff member off a team (S4)", Run: cmdTeamMember(false)},
		{Words: "team list", Summary: "list the teams with their members and routing", Run: cmdTeamList},

		{Words: "outbox list", Summary: "list notifications, one row per recipient", Run: cmdOutboxList,
			Flags: []flagSpec{
				{Name: "ticket", Value: "ID", Kind: flagInt, Help: "only this ticket's notifications"},
				{Name: "status", Value: "queued|sent|failed", Choices: true, Help: "only notifications in this state"},
			}},
		{Words: "outbox retry", Args: "ID", Summary: "send a failed notification again, as --as (checked again at send time)", Run: cmdOutboxRetry},
		{Words: "quarantine list", Summary: "list messages held for staff", Run: cmdQuarantineList},
		{Words: "quarantine show", Args: "ID", Summary: "show a held message: headers, text, and why it is held", Run: cmdQuarantineShow},
		{Words: "quarantine release", Args: "ID", Summary: "put a held message on its ticket", Run: cmdQuarantine(true)},
		{Words: "quarantine discard", Args: "ID", Summary: "drop a held message", Run: cmdQuarantine(false)},

		{Words: "audit", Summary: "the audit log, oldest first", Run: cmdAudit,
			Flags: []flagSpec{
				{Name: "actor", Value: "EMAIL", Help: "only what this person did"},
				{Name: "action", Value: "A", Help: "only this action (org.set), or a group of them (org)"},
				{Name: "since", Value: "TIME", Help: "only entries at or after TIME (2026-11-23 or 2026-11-23T10:00:00Z)"},
			}},

		{Words: "backup", Args: "PATH", Summary: "copy the SQLite store to PATH, consistently, while serve runs (PostgreSQL: pg_dump)", Run: cmdBackup},

		{Words: "help", Args: "[COMMAND ...]", Summary: "print the commands, or a command's usage and flags", Run: cmdHelp},
		{Words: "version", Summary: "print the program's version and the schema version it knows", Run: cmdVersion},
	}
}
