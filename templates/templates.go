// Package templates renders the helpdesk's notifications from text
// templates: acknowledgement, comment, internal note, the I5 and I6
// notices, added-as-CC, status change and command reports. The defaults are
// built in (embed) in English and Norwegian bokmål; a folder given in the
// configuration overrides any of them file by file.
//
// A template file holds a "Subject: …" line, a blank line, then the text
// body. Rendering fails only on a broken template; a missing language falls
// back to English.
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"
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
}

// Set is a loaded set of templates.
type Set struct {
	t map[string]*template.Template // key: lang/kind
}

// Kinds lists the template names every language provides.
var Kinds = []string{"ack", "comment", "note", "notice_view_only", "notice_rejected", "cc_added", "status", "command_report"}

// Load reads the built-in templates, then the files of overrideDir (if not
// empty) laid out the same way: LANG/KIND.txt.
func Load(overrideDir string) (*Set, error) {
	s := &Set{t: map[string]*template.Template{}}
	if err := s.loadFS(builtin, "mail"); err != nil {
		return nil, err
	}
	if overrideDir != "" {
		if _, err := os.Stat(overrideDir); err != nil {
			return nil, fmt.Errorf("templates folder: %w", err)
		}
		if err := s.loadFS(os.DirFS(overrideDir), "."); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *Set) loadFS(fsys fs.FS, root string) error {
	return fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".txt") {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("read template %s: %w", p, err)
		}
		lang := filepath.Base(filepath.Dir(p))
		kind := strings.TrimSuffix(filepath.Base(p), ".txt")
		t, err := template.New(kind).Option("missingkey=error").Parse(string(b))
		if err != nil {
			return fmt.Errorf("parse template %s: %w", p, err)
		}
		s.t[lang+"/"+kind] = t
		return nil
	})
}

// Rendered is one notification's subject and text body.
type Rendered struct {
	Subject string
	Text    string
}

// Render fills template kind in lang (English if lang has none).
func (s *Set) Render(lang, kind string, d Data) (Rendered, error) {
	t, ok := s.t[lang+"/"+kind]
	if !ok {
		t, ok = s.t["en/"+kind]
	}
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
	return Rendered{Subject: strings.TrimSpace(subject), Text: strings.TrimLeft(body, "\n")}, nil
}
