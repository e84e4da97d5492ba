package web

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/helpdesk-gw/helpdesk/access"
	"github.com/helpdesk-gw/helpdesk/ingest"
	"github.com/helpdesk-gw/helpdesk/model"
	"github.com/helpdesk-gw/helpdesk/policy"
)

// maxUpload bounds a new ticket's form, attachments included.
const maxUpload = 25 << 20

// newTicketForm shows the form to open a ticket (W3): subject, text,
// attachments, the organisation (a person in several chooses; default
// O6) and CCs.
func (s *Server) newTicketForm(w http.ResponseWriter, r *http.Request, v *viewer) {
	p, err := access.NewFacts(s.o.Store).PersonOf(r.Context(), v.User)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	choice := policy.ChooseOrganisation(p, "")
	s.render(w, r, http.StatusOK, "new", map[string]any{"Orgs": p.Memberships, "Default": choice.OrgID})
}

// openTicket opens a ticket from the form through the ingest pipeline, as
// the same mail would (W4): the message is built as the person's mail to
// the support address (support+SLUG@ naming the organisation, I3), with
// the CCs in Cc (C1, C3) and the files attached, and ingested; its
// outcome is the mail's (O7, O8 may refuse it, I6). The raw message is
// kept like any other.
func (s *Server) openTicket(w http.ResponseWriter, r *http.Request, v *viewer) {
	if s.o.Pipeline == nil {
		http.Error(w, "opening tickets on the web is off", http.StatusNotFound)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		http.Error(w, "the form is too large or broken (at most 25 MiB)", http.StatusRequestEntityTooLarge)
		return
	}
	subject := oneLine(r.FormValue("subject"))
	body := strings.TrimSpace(r.FormValue("body"))
	if subject == "" || body == "" {
		s.render(w, r, http.StatusBadRequest, "new", map[string]any{"Missing": true})
		return
	}
	to := s.o.Acts.Addresses().Support()
	if slug := r.FormValue("org"); slug != "" && commandsSlug(slug) {
		a := s.o.Acts.Addresses()
		to = a.Local + "+" + slug + "@" + a.Domain
	}
	var ccs []string
	for _, c := range strings.FieldsFunc(r.FormValue("cc"), func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
		if e := model.NormalizeEmail(c); plausibleEmail(e) {
			ccs = append(ccs, e)
		}
	}
	raw, err := buildMessage(v.User, to, ccs, subject, body, r.MultipartForm, s.o.Clock(), s.o.Acts.Addresses().Domain)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	res, err := s.o.Pipeline.Ingest(r.Context(), ingest.Input{Raw: raw, Mailbox: "web", NewTicketOnly: true})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if res.Outcome != model.OutcomeCreated {
		s.render(w, r, http.StatusUnprocessableEntity, "refused", map[string]any{"Reason": res.Reason})
		return
	}
	http.Redirect(w, r, "/t/"+strconv.FormatInt(res.TicketID, 10)+"?opened=1", http.StatusSeeOther)
}

// commandsSlug reports whether s has a slug's shape (O1).
func commandsSlug(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// oneLine keeps a header value on one line.
func oneLine(s string) string {
	return strings.TrimSpace(strings.Join(strings.Fields(s), " "))
}

// buildMessage writes the form as an RFC 5322 message from u.
func buildMessage(u model.User, to string, ccs []string, subject, body string, form *multipart.Form, now time.Time, domain string) ([]byte, error) {
	var b bytes.Buffer
	id := make([]byte, 12)
	rand.Read(id)
	from := (&mail.Address{Name: u.Name, Address: u.Email}).String() // quoted: a name cannot add an address
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\n", from, to)
	if len(ccs) > 0 {
		fmt.Fprintf(&b, "Cc: %s\r\n", strings.Join(ccs, ", "))
	}
	fmt.Fprintf(&b, "Subject: %s\r\nDate: %s\r\nMessage-ID: <web-%s@%s>\r\nMIME-Version: 1.0\r\nX-Helpdesk-Channel: web\r\n",
		mime.QEncoding.Encode("utf-8", subject), now.UTC().Format(time.RFC1123Z), hex.EncodeToString(id), domain)
	var files []*multipart.FileHeader
	if form != nil {
		for _, f := range form.File["files"] {
			if f.Filename != "" && f.Size > 0 {
				files = append(files, f)
			}
		}
	}
	text := strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")
	if len(files) == 0 {
		fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n", wrap64([]byte(text)))
		return b.Bytes(), nil
	}
	mw := multipart.NewWriter(&b)
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n", mw.Boundary())
	part, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"}, "Content-Transfer-Encoding": {"base64"}})
	if err != nil {
		return nil, err
	}
	io.WriteString(part, wrap64([]byte(text)))
	for _, f := range files {
		fh, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("read attachment %s: %w", f.Filename, err)
		}
		content, err := io.ReadAll(fh)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("read attachment %s: %w", f.Filename, err)
		}
		ct := f.Header.Get("Content-Type")
		if _, _, err := mime.ParseMediaType(ct); err != nil || ct == "" {
			ct = "application/octet-stream"
		}
		name := mime.QEncoding.Encode("utf-8", oneLine(f.Filename))
		part, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {ct},
			"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": name})},
			"Content-Transfer-Encoding": {"base64"}})
		if err != nil {
			return nil, err
		}
		io.WriteString(part, wrap64(content))
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// wrap64 is base64 in lines of 76 characters.
func wrap64(b []byte) string {
	enc := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(enc) > 76 {
		out.WriteString(enc[:76])
		out.WriteString("\r\n")
		enc = enc[76:]
	}
	out.WriteString(enc)
	return out.String()
}
