// Package templates renders the helpdesk's notifications from templates:
// acknowledgement, comment, internal note, the I5 and I6 notices,
// added-as-CC, status change and command reports. The defaults are built in
// (embed) in English and Norwegian bokmål; a folder given in the
// configuration overrides any of them file by file.
//
// Each kind has a text template, LANG/KIND.txt, holding a "Subject: …" line,
// a blank line, then the text body; and an HTML template, LANG/KIND.html,
// holding the inside of the HTML body (html/template, so every value is
// escaped). Render returns the subject, the text and a whole HTML document.
// The HTML part always says what the text part says: when an override
// folder replaces a kind's text but not its HTML, the HTML is derived from
// the overriding text (TextToHTML) rather than taken from the built-in HTML.
//
// Rendering fails only on a broken template; a missing language falls back
// to English.
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path"
	"strings"
	"text/template"

	"github.com/helpdesk-gw/helpdesk/model"
)

//go:embed mail
var builtin embed.FS

// ReplyMarker is the line above which a person writes their reply; the
// inbound side cuts everything from it down.
const ReplyMarker = "##- Reply above this line -##"

// Data is what a template may use.
type Data struct {
	HelpdeskName string
	TicketID     int64
	Subject      string
	ReplyAddress string
	Recipient    string
	AuthorName   string
	AuthorEmail  string
	Body         string
	Status       string
	Org          string   // chosen organisation (I3)
	OtherOrgs    []string // the requester's other organisations (I3)
	Notes        []string // things ignored or refused, and why (I8, P3)
	Marker       string
	// TrustedAuthserv is the authserv-id whose Authentication-Results
	// prove a sender (P1 a), "" when only reply tokens do (P1 b): the
	// unproven-staff notice (I9) says which proof counts.
	TrustedAuthserv string
	// Requester is the ticket's requester and Access who can see it and
	// why, one line each as 'ticket access' says it (N7's staff
	// notification).
	Requester string
	Access    []string
	// Link is the web address the mail leads to: the sign-in link (W1),
	// or a ticket's page (N7 with the web on); "" when there is none.
	Link string
}

// Set is a loaded set of templates.
type Set struct {
	t    map[string]*template.Template     // key: lang/kind
	h    map[string]*htmltemplate.Template // key: lang/kind
	over map[string]bool                   // lang/kind.ext loaded from the override folder
}

// Kinds lists the template names every language provides: those of the
// notification kinds declared in model (model.TemplateNames), so that a
// kind is added in one list.
var Kinds = model.TemplateNames()

// Load reads the built-in templates, then the files of overrideDir (if not
// empty) laid out the same way: LANG/KIND.txt and LANG/KIND.html.
func Load(overrideDir string) (*Set, error) {
	s := &Set{t: map[string]*template.Template{}, h: map[string]*htmltemplate.Template{}, over: map[string]bool{}}
	if err := s.loadFS(builtin, "mail", false); err != nil {
		return nil, err
	}
	if overrideDir != "" {
		if _, err := os.Stat(overrideDir); err != nil {
			return nil, fmt.Errorf("templates folder: %w", err)
		}
		if err := s.loadFS(os.DirFS(overrideDir), ".", true); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Set) loadFS(fsys fs.FS, root string, override bool) error {
	return fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := path.Ext(p)
		if ext != ".txt" && ext != ".html" {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("read template %s: %w", p, err)
		}
		key := path.Base(path.Dir(p)) + "/" + strings.TrimSuffix(path.Base(p), ext)
		if ext == ".txt" {
			t, err := template.New(key).Option("missingkey=error").Parse(string(b))
			if err != nil {
				return fmt.Errorf("parse template %s: %w", p, err)
			}
			s.t[key] = t
		} else {
			t, err := htmltemplate.New(key).Option("missingkey=error").Funcs(htmlFuncs).Parse(string(b))
			if err != nil {
				return fmt.Errorf("parse template %s: %w", p, err)
			}
			s.h[key] = t
		}
		s.over[key+ext] = override
		return nil
	})
}

// Rendered is one notification's subject, text body and HTML body.
type Rendered struct {
	Subject string
	Text    string
	HTML    string // a whole document, UTF-8
}

// Render fills template kind in lang (English if lang has none): the text
// template, and the HTML template of the same origin (see the package
// documentation), or else HTML derived from the text.
func (s *Set) Render(lang, kind string, d Data) (Rendered, error) {
	key := lang + "/" + kind
	if _, ok := s.t[key]; !ok {
		key = "en/" + kind
	}
	t, ok := s.t[key]
	if !ok {
		return Rendered{}, fmt.Errorf("no template %q", kind)
	}
	if d.Marker == "" {
		d.Marker = ReplyMarker
	}
	if d.HelpdeskName == "" {
		d.HelpdeskName = "Support"
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, d); err != nil {
		return Rendered{}, fmt.Errorf("render %s/%s: %w", lang, kind, err)
	}
	head, body, ok := strings.Cut(buf.String(), "\n\n")
	subject, found := strings.CutPrefix(head, "Subject: ")
	if !ok || !found {
		return Rendered{}, errors.New("template " + kind + ": must start with a Subject: line and a blank line")
	}
	r := Rendered{Subject: strings.TrimSpace(subject), Text: strings.TrimLeft(body, "\n")}
	h, ok := s.h[key]
	if !ok || s.over[key+".txt"] != s.over[key+".html"] {
		r.HTML = TextToHTML(r.Text)
		return r, nil
	}
	buf.Reset()
	if err := h.Execute(&buf, d); err != nil {
		return Rendered{}, fmt.Errorf("render %s/%s.html: %w", lang, kind, err)
	}
	r.HTML = document(buf.String())
	return r, nil
}
