package templates

import (
	"html"
	htmltemplate "html/template"
	"regexp"
	"strings"
	"unicode/utf8"
)

// htmlFuncs are the functions HTML templates may call besides the
// built-ins:
//   - text: plain text (a comment's body) as escaped HTML paragraphs, with
//     web and mail addresses as links;
//   - marker: the reply marker line, small and grey, at the top of a mail.
var htmlFuncs = htmltemplate.FuncMap{
	"text":   func(s string) htmltemplate.HTML { return htmltemplate.HTML(textBlocks(s)) },
	"marker": func(s string) htmltemplate.HTML { return htmltemplate.HTML(markerHTML(s)) },
}

const (
	bodyStyle      = `font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5;color:#222222`
	paragraphStyle = `margin:0 0 1em 0`
	markerStyle    = `color:#8c8c8c;font-size:12px;margin:0 0 1.5em 0`
	signatureStyle = `color:#6b6b6b;margin:1.5em 0 0 0`
)

// document wraps the inside of an HTML body in a whole document.
func document(inner string) string {
	return "<!DOCTYPE html>\n<html>\n<head>\n" +
		`<meta http-equiv="Content-Type" content="text/html; charset=utf-8">` + "\n" +
		`<meta name="viewport" content="width=device-width, initial-scale=1">` + "\n" +
		"</head>\n<body style=\"" + bodyStyle + "\">\n" + strings.TrimSpace(inner) + "\n</body>\n</html>\n"
}

func markerHTML(m string) string {
	return `<div style="` + markerStyle + `">` + html.EscapeString(m) + `</div>`
}

// TextToHTML turns a notification's text body into an HTML document that
// says the same: every character escaped, paragraphs at blank lines, line
// breaks kept, http(s) and mail addresses as links, the reply marker line
// small and grey, and the signature below "-- " muted. It is the HTML part
// of a notification whose kind has no HTML template of the text's origin,
// and of outbox rows queued without an HTML body.
func TextToHTML(text string) string {
	return document(textBlocks(text))
}

// textBlocks renders plain text as HTML blocks (see TextToHTML).
func textBlocks(text string) string {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	var out, para []string
	flush := func() {
		if len(para) > 0 {
			out = append(out, `<p style="`+paragraphStyle+`">`+strings.Join(para, "<br>\n")+`</p>`)
			para = nil
		}
	}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i, l := range lines {
		switch {
		case strings.Contains(l, "Reply above this line") && len(strings.TrimSpace(l)) < 80:
			flush()
			out = append(out, markerHTML(strings.TrimSpace(l)))
		case l == "-- ":
			flush()
			var sig []string
			for _, s := range lines[i+1:] {
				sig = append(sig, linkify(s))
			}
			out = append(out, `<div style="`+signatureStyle+`">-- <br>`+"\n"+strings.Join(sig, "<br>\n")+`</div>`)
			return strings.Join(out, "\n")
		case strings.TrimSpace(l) == "":
			flush()
		default:
			para = append(para, linkify(l))
		}
	}
	flush()
	return strings.Join(out, "\n")
}

// links finds web addresses (http, https) and mail addresses in text.
var links = regexp.MustCompile(`https?://[^\s<>"]+|[A-Za-z0-9._%+=\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+`)

// linkify escapes one line of text and makes its addresses links. Only
// http, https and mailto links are made, so no script can hide in one.
func linkify(line string) string {
	if !strings.Contains(line, "://") && !strings.Contains(line, "@") {
		return html.EscapeString(line)
	}
	var b strings.Builder
	last := 0
	for _, m := range links.FindAllStringIndex(line, -1) {
		start, end := m[0], m[1]
		// Punctuation that ends a sentence is not part of the address.
		for end > start {
			r, size := utf8.DecodeLastRuneInString(line[start:end])
			if !strings.ContainsRune(".,;:!?)]}'\"»”", r) {
				break
			}
			end -= size
		}
		if end == start {
			continue
		}
		addr := line[start:end]
		href := addr
		if !strings.HasPrefix(addr, "http") {
			href = "mailto:" + addr
		}
		b.WriteString(html.EscapeString(line[last:start]))
		b.WriteString(`<a href="` + html.EscapeString(href) + `">` + html.EscapeString(addr) + `</a>`)
		last = end
	}
	b.WriteString(html.EscapeString(line[last:]))
	return b.String()
}
