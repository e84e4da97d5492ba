package web

import (
	"errors"
	"mime"
	"net/http"
	"strconv"

	"github.com/helpdesk-gw/helpdesk/access"
)

// attachment serves one file of a comment the viewer may see (W3, R7):
// the index is the comment's position on the page and the file's among
// the comment's; anything else is the same 404 as a missing ticket. The
// file is always a download (Content-Disposition: attachment, nosniff),
// so that nothing in it runs in the portal's origin.
func (s *Server) attachment(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, ok := ticketID(r)
	ci, err1 := strconv.Atoi(r.PathValue("c"))
	fi, err2 := strconv.Atoi(r.PathValue("f"))
	if !ok || err1 != nil || err2 != nil || s.o.Pipeline == nil {
		s.notFound(w, r)
		return
	}
	ctx := r.Context()
	seen, err := access.NewFacts(s.o.Store).TicketAs(ctx, v.User.Email, id)
	if errors.Is(err, access.ErrNotVisible) {
		s.notFound(w, r)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	if ci < 0 || ci >= len(seen.Comments) || fi < 0 || fi >= len(seen.Comments[ci].Attachments) {
		s.notFound(w, r)
		return
	}
	a := seen.Comments[ci].Attachments[fi]
	content, err := s.o.Pipeline.AttachmentContent(ctx, s.o.Store, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ct := a.ContentType
	if _, _, err := mime.ParseMediaType(ct); err != nil || ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename}))
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Write(content)
}
