package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/policy"
	"github.com/helpdesk-gw/helpdesk/ticket"
)

// policyView reports whether the act's actor may see the ticket (R1–R5).
func policyView(a *ticket.Act, v *access.TicketView) bool {
	return policy.Rights(a.Actor.Person, v.Facts).View
}

// texts are the portal's words in English and Norwegian (bokmål), as the
// mail templates are.
var texts = map[string]map[string]string{
	"en": {
		"signin": "Sign in", "email": "Your email address", "send": "Send me a sign-in link",
		"signin.help": "We send a link to your address: open it to sign in. No password.",
		"sent":        "If this address may sign in, a link is on its way to it. It works once, for 15 minutes.",
		"confirm":     "Sign in to see your tickets", "expired": "This sign-in link is used or has expired. Ask for a new one.",
		"signout": "Sign out", "tickets": "Tickets", "status": "Status", "any": "any", "search": "Search subjects",
		"filter": "Filter", "next": "Older tickets", "none": "No tickets.", "subject": "Subject", "changed": "Last change",
		"org": "Organisation", "comment": "Add a comment", "post": "Send comment", "readonly": "You may read this ticket but not comment on it.",
		"internal": "Internal note", "notfound": "There is no such page, or it is not yours to see.",
		"posted": "Your comment was added.", "out": "You are signed out.", "bad": "That does not look like an email address.",
		"files": "Attachments", "back": "All tickets", "new": "New ticket", "text": "What happened?", "ccs": "Copy to (CC), separated by commas",
		"open": "Open the ticket", "zone": "Your time zone", "setzone": "Show times in it", "requester": "Requester", "follow": "Follow this ticket", "unfollow": "Stop following",
		"addcc": "Add people to this ticket (CC)", "addccbtn": "Add", "opened": "Your ticket was opened; a confirmation is on its way by mail.", "missing": "Give a subject and a text.", "refused": "The ticket could not be opened: this helpdesk does not accept tickets from your address for that organisation.",
		"sso.title": "Staff sign-in", "sso.button": "Sign in with single sign-on", "sso.address": "Address:",
		"sso.help":        "Staff of this helpdesk sign in with single sign-on, not with a link by mail.",
		"sso.staffonly":   "Staff sign in with single sign-on: a sign-in link sent by mail does not sign in staff. Nobody was signed in.",
		"sso.notstaff":    "This address is not a staff member's here: single sign-on is for staff only, and nobody was signed in. Customers and partners sign in with a link sent by mail.",
		"sso.failed":      "Single sign-on did not complete, and nobody was signed in. Start again.",
		"sso.unverified":  "Your identity provider has not verified this email address, so nobody was signed in.",
		"sso.unreachable": "The sign-in service cannot be reached just now. Try again in a moment.",
	},
	"nb": {
		"signin": "Logg inn", "email": "E-postadressen din", "send": "Send meg en innloggingslenke",
		"signin.help": "Vi sender en lenke til adressen din: åpne den for å logge inn. Uten passord.",
		"sent":        "Hvis denne adressen kan logge inn, er en lenke på vei. Den virker én gang, i 15 minutter.",
		"confirm":     "Logg inn for å se sakene dine", "expired": "Denne innloggingslenken er brukt eller utløpt. Be om en ny.",
		"signout": "Logg ut", "tickets": "Saker", "status": "Status", "any": "alle", "search": "Søk i emner",
		"filter": "Filtrer", "next": "Eldre saker", "none": "Ingen saker.", "subject": "Emne", "changed": "Sist endret",
		"org": "Organisasjon", "comment": "Skriv en kommentar", "post": "Send kommentar", "readonly": "Du kan lese denne saken, men ikke kommentere.",
		"internal": "Internt notat", "notfound": "Siden finnes ikke, eller den er ikke din å se.",
		"posted": "Kommentaren din ble lagt til.", "out": "Du er logget ut.", "bad": "Det ser ikke ut som en e-postadresse.",
		"files": "Vedlegg", "back": "Alle saker", "new": "Ny sak", "text": "Hva har skjedd?", "ccs": "Kopi til (CC), skilt med komma",
		"open": "Opprett saken", "zone": "Tidssonen din", "setzone": "Vis tider i den", "requester": "Innmelder", "follow": "Følg denne saken", "unfollow": "Slutt å følge",
		"addcc": "Legg til personer i saken (CC)", "addccbtn": "Legg til", "opened": "Saken din er opprettet; en bekreftelse kommer på e-post.", "missing": "Skriv et emne og en tekst.", "refused": "Saken kunne ikke opprettes: brukerstøtten tar ikke imot saker fra adressen din for den organisasjonen.",
		"sso.title": "Innlogging for ansatte", "sso.button": "Logg inn med felles pålogging (SSO)", "sso.address": "Adresse:",
		"sso.help":        "Ansatte ved brukerstøtten logger inn med felles pålogging (SSO), ikke med en lenke på e-post.",
		"sso.staffonly":   "Ansatte logger inn med felles pålogging (SSO): en innloggingslenke på e-post logger ikke inn ansatte. Ingen ble logget inn.",
		"sso.notstaff":    "Denne adressen tilhører ingen ansatt her: felles pålogging er bare for ansatte, og ingen ble logget inn. Kunder og partnere logger inn med en lenke på e-post.",
		"sso.failed":      "Felles pålogging ble ikke fullført, og ingen ble logget inn. Begynn på nytt.",
		"sso.unverified":  "Identitetsleverandøren din har ikke bekreftet denne e-postadressen, så ingen ble logget inn.",
		"sso.unreachable": "Innloggingstjenesten svarer ikke akkurat nå. Prøv igjen om litt.",
	},
}

// lang picks the visitor's language from Accept-Language: Norwegian when
// they prefer it, else English.
func lang(r *http.Request) map[string]string {
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "nb"), strings.HasPrefix(tag, "no"), strings.HasPrefix(tag, "nn"):
			return texts["nb"]
		case strings.HasPrefix(tag, "en"):
			return texts["en"]
		}
	}
	return texts["en"]
}

var funcs = template.FuncMap{
	"lines": func(s string) []string { return strings.Split(s, "\n") },
	"when":  when,
	"json":  compactJSON,
}

// compactJSON is v as one line of JSON, for the audit log's before and
// after; the template escapes it.
func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}

// urlQuery escapes s for a query parameter.
func urlQuery(s string) string { return url.QueryEscape(s) }
