package imapsource

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"math/rand/v2"
	"mime"
	"mime/quotedprintable"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/helpdesk-gw/helpdesk/message"
	"github.com/helpdesk-gw/helpdesk/model"
)

// helpdeskMix is a deterministic stream of realistic helpdesk mail from
// customers, for the IMAP benchmark: new tickets from many people at about
// 50 customer domains, replies by the requester to one of their earlier
// messages (In-Reply-To and References naming it, its text quoted), some
// reply-all answers by a colleague on the Cc, bodies as
// multipart/alternative with a signature, and a few base64 attachments.
// A reply always comes after the message it answers.
type helpdeskMix struct {
	Raw [][]byte

	New         int // messages that open a ticket
	Replies     int // replies by the requester: comments
	CCReplies   int // reply-all answers by a colleague on the ticket's Cc: comments
	WithCC      int // messages with a Cc of a colleague
	Attachments int // messages with a PDF or PNG attachment
	Parts       int // leaf MIME parts over all messages
	Bytes       int64
	Charsets    map[string]int // messages by the charset of their text
}

// expected is the outcome the gateway should record for each message.
func (m *helpdeskMix) expected() map[model.Outcome]int {
	return map[model.Outcome]int{model.OutcomeCreated: m.New, model.OutcomeCommented: m.Replies + m.CCReplies}
}

// summary describes the mix in one line: counts and sizes.
func (m *helpdeskMix) summary() string {
	sizes := make([]int, len(m.Raw))
	for i, r := range m.Raw {
		sizes[i] = len(r)
	}
	sort.Ints(sizes)
	pct := func(p float64) float64 { return float64(sizes[int(p*float64(len(sizes)-1))]) / 1024 }
	inRange := 0
	for _, s := range sizes {
		if s >= 3<<10 && s <= 15<<10 {
			inRange++
		}
	}
	n := len(m.Raw)
	return fmt.Sprintf("mix of %d: %d new (%.0f%%), %d replies (%.0f%%), %d reply-all by a Cc'd colleague (%.0f%%); "+
		"%d with a Cc, %d with an attachment (%.1f%%); charsets %v; average %.1f KB, median %.1f KB, "+
		"p10 %.1f KB, p90 %.1f KB, max %.0f KB, %.0f%% within 3–15 KB",
		n, m.New, 100*float64(m.New)/float64(n), m.Replies, 100*float64(m.Replies)/float64(n),
		m.CCReplies, 100*float64(m.CCReplies)/float64(n), m.WithCC, m.Attachments,
		100*float64(m.Attachments)/float64(n), m.Charsets, float64(m.Bytes)/float64(n)/1024,
		pct(0.5), pct(0.1), pct(0.9), pct(1), 100*float64(inRange)/float64(n))
}

// newHelpdeskMix generates n messages from seed; the same seed gives the
// same bytes.
func newHelpdeskMix(n int, seed uint64) *helpdeskMix {
	g := &mixGen{rng: rand.New(rand.NewPCG(seed, 0x68656c7064657368)),
		now: time.Date(2026, 11, 23, 7, 30, 0, 0, time.UTC), mix: &helpdeskMix{Charsets: map[string]int{}}}
	g.makeDomains(50)
	for i := 0; i < n; i++ {
		g.next(i)
	}
	return g.mix
}

// mixAgent is a customer's mail client; each writes its own kind of
// headers, Message-IDs, boundaries, HTML and quotes.
type mixAgent int

const (
	agentOutlook mixAgent = iota
	agentGmail
	agentApple
	agentThunderbird
)

type mixDomain struct {
	host, company, city, street, phone string
	tz                                 *time.Location
	selector                           string
	relayIP                            string
	disclaimer                         string
	people                             []*mixPerson
}

type mixPerson struct {
	name, email, title, mobile string
	agent                      mixAgent
	domain                     *mixDomain
}

// mixMsg is what a reply needs of the message it answers.
type mixMsg struct {
	id      string
	refs    []string
	from    *mixPerson
	date    time.Time
	text    string // the whole plain text, quotes included
	ownText string // the text the author wrote, signature included
	html    string // the HTML body's content, quotes included
	ownHTML string
	subject string
}

// mixThread is a ticket as the customers see it.
type mixThread struct {
	requester, cc *mixPerson
	subject       string
	lastOwn       *mixMsg // latest message of the requester
	lastCCd       *mixMsg // latest message with the colleague on the Cc
	replies       int
}

type mixGen struct {
	rng     *rand.Rand
	now     time.Time
	mix     *helpdeskMix
	domains []*mixDomain
	weights []float64 // cumulative choice weight of each domain
	threads []*mixThread
	unused  []int // indexes of the sentences of mixDetails not yet in the message being written
}

// maxThreadReplies keeps each ticket well under the gateway's loop limit
// (20 comments per sender per ticket in 10 minutes).
const maxThreadReplies = 5

// next appends message i: a reply to a recent thread or a new ticket.
func (g *mixGen) next(i int) {
	g.now = g.now.Add(time.Duration(g.rng.ExpFloat64() * float64(25*time.Second)))
	x := g.rng.Float64()
	switch {
	case len(g.threads) > 20 && x >= 0.90:
		if t := g.pickThread(true); t != nil {
			g.reply(i, t, true)
			return
		}
		fallthrough
	case len(g.threads) > 20 && x >= 0.60:
		if t := g.pickThread(false); t != nil {
			g.reply(i, t, false)
			return
		}
	}
	g.newTicket(i)
}

// pickThread chooses one of the recent threads that can take a reply
// (with a colleague on the Cc, if withCC), or nil.
func (g *mixGen) pickThread(withCC bool) *mixThread {
	const window = 400
	lo := max(0, len(g.threads)-window)
	for try := 0; try < 8; try++ {
		t := g.threads[lo+g.rng.IntN(len(g.threads)-lo)]
		if t.replies < maxThreadReplies && (!withCC || t.cc != nil) {
			return t
		}
	}
	return nil
}

func (g *mixGen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *mixGen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.rng.IntN(16)]
	}
	return string(b)
}

func (g *mixGen) alnum(n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[g.rng.IntN(len(chars))]
	}
	return string(b)
}

func (g *mixGen) b64(n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[g.rng.IntN(len(chars))]
	}
	return string(b)
}

func (g *mixGen) uuid() string {
	return strings.ToUpper(g.hex(8) + "-" + g.hex(4) + "-4" + g.hex(3) + "-a" + g.hex(3) + "-" + g.hex(12))
}

// makeDomains creates n customer domains with their people; a few large
// customers write much of the mail (weights fall off as 1/(rank+3)).
func (g *mixGen) makeDomains(n int) {
	seen := map[string]bool{}
	tlds := []string{".example", ".example.com", ".example.net", ".example.org"}
	forms := []string{"GmbH", "Ltd", "B.V.", "S.A.", "AG", "Inc.", "SAS", "AB", "S.r.l.", "ApS"}
	total := 0.0
	for len(g.domains) < n {
		a, b := g.pick(mixCompanyA), g.pick(mixCompanyB)
		if seen[a+b] {
			continue
		}
		seen[a+b] = true
		city := mixCities[g.rng.IntN(len(mixCities))]
		company := a + " " + b + " " + g.pick(forms)
		d := &mixDomain{
			host: strings.ToLower(a+"-"+b) + g.pick(tlds), company: company, city: city.name,
			street:   fmt.Sprintf("%s %d, %s %s", city.street, 1+g.rng.IntN(120), city.postcode, city.name),
			phone:    fmt.Sprintf("%s %d %d", city.dial, 100+g.rng.IntN(900), 1000+g.rng.IntN(9000)),
			tz:       time.FixedZone("", city.offset*3600),
			selector: g.pick([]string{"selector1", "google", "s1", "mail", "dkim", "k1"}),
			relayIP:  fmt.Sprintf("203.0.113.%d", 1+g.rng.IntN(254)),
		}
		if g.rng.IntN(10) < 6 {
			d.disclaimer = fmt.Sprintf(mixDisclaimer, company, city.name, 10000+g.rng.IntN(90000))
		}
		people := 15 + g.rng.IntN(50)
		emails := map[string]bool{}
		form := g.rng.IntN(3)
		for len(d.people) < people {
			first, last := g.pick(mixFirst), g.pick(mixLast)
			local := fold(first) + "." + fold(last)
			switch form {
			case 1:
				local = fold(first)[:1] + fold(last)
			case 2:
				local = fold(first) + fold(last)[:1]
			}
			if emails[local] {
				continue
			}
			emails[local] = true
			agent := agentOutlook
			switch x := g.rng.IntN(100); {
			case x >= 85:
				agent = agentThunderbird
			case x >= 70:
				agent = agentApple
			case x >= 45:
				agent = agentGmail
			}
			d.people = append(d.people, &mixPerson{name: first + " " + last, email: local + "@" + d.host,
				title: g.pick(mixTitles), mobile: fmt.Sprintf("%s %d %d", city.mobile, 100+g.rng.IntN(900), 1000+g.rng.IntN(9000)),
				agent: agent, domain: d})
		}
		g.domains = append(g.domains, d)
		total += 1 / float64(len(g.domains)+2)
		g.weights = append(g.weights, total)
	}
}

// fold is name as the local part of an address: lower case, ASCII.
func fold(name string) string {
	return strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "é", "e", "è", "e", "ë", "e", "ê", "e",
		"á", "a", "à", "a", "ã", "a", "å", "a", "í", "i", "ó", "o", "ø", "o", "ú", "u", "ñ", "n", "ç", "c",
		"'", "", " ", "").Replace(strings.ToLower(name))
}

func (g *mixGen) domain() *mixDomain {
	x := g.rng.Float64() * g.weights[len(g.weights)-1]
	return g.domains[sort.SearchFloat64s(g.weights, x)]
}

// newTicket appends message i, a new request from a customer.
func (g *mixGen) newTicket(i int) {
	d := g.domain()
	from := d.people[g.rng.IntN(len(d.people))]
	var cc *mixPerson
	if g.rng.IntN(100) < 22 {
		for cc == nil || cc == from {
			cc = d.people[g.rng.IntN(len(d.people))]
		}
	}
	topic := mixTopics[g.rng.IntN(len(mixTopics))]
	ref := g.reference()
	subject := strings.ReplaceAll(topic.subject, "%s", ref)
	g.unused = g.unused[:0]
	paras := []string{strings.ReplaceAll(g.pick(topic.opening), "%s", ref)}
	for k := 1 + g.rng.IntN(4); k > 0; k-- {
		paras = append(paras, g.details(2+g.rng.IntN(3)))
	}
	g.mix.New++
	t := &mixThread{requester: from, cc: cc, subject: subject}
	m := g.write(i, from, cc, nil, subject, paras, nil)
	t.lastOwn, t.lastCCd = m, m
	g.threads = append(g.threads, t)
}

// reply appends message i, answering thread t: by the requester to their
// own latest message, or (byCC) reply-all by the colleague on the Cc to
// the latest message they received.
func (g *mixGen) reply(i int, t *mixThread, byCC bool) {
	from, parent, cc := t.requester, t.lastOwn, t.cc
	var to *mixPerson
	if byCC {
		from, parent, cc, to = t.cc, t.lastCCd, nil, t.requester
		g.mix.CCReplies++
	} else {
		g.mix.Replies++
		if cc != nil && g.rng.IntN(10) < 3 {
			cc = nil // replied, not replied to all
		}
	}
	g.unused = g.unused[:0]
	paras := []string{g.pick(mixFollowUps)}
	for k := g.rng.IntN(3); k > 0; k-- {
		paras = append(paras, g.details(1+g.rng.IntN(3)))
	}
	prefix := "Re: "
	if from.agent == agentOutlook {
		prefix = "RE: "
	}
	m := g.write(i, from, cc, to, prefix+t.subject, paras, parent)
	t.replies++
	if !byCC {
		t.lastOwn = m
		if cc != nil {
			t.lastCCd = m
		}
	}
}

// reference is an order, invoice or case number.
func (g *mixGen) reference() string {
	switch g.rng.IntN(3) {
	case 0:
		return fmt.Sprintf("%d-%05d", 2026, g.rng.IntN(100000))
	case 1:
		return fmt.Sprintf("SO-%07d", g.rng.IntN(10000000))
	}
	return fmt.Sprintf("%d", 400000+g.rng.IntN(600000))
}

// details is a paragraph of n sentences of mixDetails, none used before
// in the message being written.
func (g *mixGen) details(n int) string {
	if len(g.unused) < n {
		g.unused = g.rng.Perm(len(mixDetails))
	}
	s := make([]string, n)
	for i := range s {
		s[i] = mixDetails[g.unused[len(g.unused)-1]]
		g.unused = g.unused[:len(g.unused)-1]
	}
	return strings.Join(s, " ")
}

// write renders one message from's client would send and records it in
// the mix. to is a customer in To (a reply-all by a colleague), else the
// helpdesk is in To.
func (g *mixGen) write(i int, from, cc, to *mixPerson, subject string, paras []string, parent *mixMsg) *mixMsg {
	d := from.domain
	date := g.now.In(d.tz)
	m := &mixMsg{from: from, date: date, subject: subject}
	switch from.agent {
	case agentOutlook:
		m.id = fmt.Sprintf("<%s%s@%s.eurprd0%d.prod.outlook.com>", strings.ToUpper(g.hex(4))+"PR0"+fmt.Sprint(g.rng.IntN(10))+"MB",
			strings.ToUpper(g.hex(32)), "DB9PR0"+fmt.Sprint(g.rng.IntN(10))+"MB"+fmt.Sprint(1000+g.rng.IntN(9000)), 1+g.rng.IntN(9))
	case agentGmail:
		m.id = fmt.Sprintf("<CA%s+%s=%s@mail.gmail.com>", g.alnum(10), g.alnum(22), g.alnum(12))
	case agentApple:
		m.id = fmt.Sprintf("<%s@%s>", g.uuid(), d.host)
	default:
		m.id = fmt.Sprintf("<%s@%s>", strings.ToLower(g.uuid()), d.host)
	}
	if parent != nil {
		m.refs = append(append([]string{}, parent.refs...), parent.id)
		if len(m.refs) > 10 {
			m.refs = append(m.refs[:1:1], m.refs[len(m.refs)-9:]...)
		}
	}

	greeting := g.pick([]string{"Hello,", "Hi,", "Hello support team,", "Dear Sir or Madam,", "Hi there,", "Good morning,", "Hallo zusammen,", "Dear support,"})
	if parent != nil {
		greeting = g.pick([]string{"Hi,", "Hello again,", "Hello,", "Hi again,", "Dear support,"})
	}
	closing := g.pick([]string{"Best regards,", "Kind regards,", "Thanks in advance,", "Many thanks,", "Cheers,", "Regards,", "Mit freundlichen Grüßen,"})
	first := strings.Fields(from.name)[0]
	sigText := fmt.Sprintf("-- \n%s\n%s | %s\nPhone: %s | Mobile: %s\n%s\nwww.%s", from.name, from.title, d.company,
		d.phone, from.mobile, d.street, d.host)
	if d.disclaimer != "" {
		sigText += "\n\n" + d.disclaimer
	}
	var attach *mixAttachment
	if g.rng.IntN(1000) < 75 {
		attach = g.attachment(date)
		paras = append(paras, fmt.Sprintf("I've attached %s%s.", attach.name, g.pick([]string{"", " for reference", " so you can see what I mean", " as requested"})))
	}

	// The plain text: what from wrote, the signature, the quoted history.
	var tb strings.Builder
	tb.WriteString(greeting + "\n\n")
	for _, p := range paras {
		tb.WriteString(p + "\n\n")
	}
	tb.WriteString(closing + "\n" + first + "\n\n" + sigText + "\n")
	m.ownText = tb.String()
	if from.agent == agentThunderbird {
		m.ownText = wrapFlowed(m.ownText, 72)
	}
	text := m.ownText
	if parent != nil {
		quoted := parent.text
		if len(quoted) > 6000 {
			quoted = parent.ownText
		}
		text += "\n" + g.attribution(from.agent, parent, false) + "\n" + quoteLines(quoted)
	}
	m.text = text

	// The HTML: the same words in the client's markup.
	var hb strings.Builder
	for _, p := range append(append([]string{greeting}, paras...), closing+"\n"+first) {
		esc := strings.ReplaceAll(html.EscapeString(p), "\n", "<br>\n")
		switch from.agent {
		case agentOutlook:
			fmt.Fprintf(&hb, "<p class=\"MsoNormal\"><span lang=\"EN-GB\" style=\"font-size:11.0pt;font-family:&quot;Calibri&quot;,sans-serif\">%s<o:p></o:p></span></p>\r\n<p class=\"MsoNormal\"><span lang=\"EN-GB\"><o:p>&nbsp;</o:p></span></p>\r\n", esc)
		case agentGmail:
			fmt.Fprintf(&hb, "<div>%s</div><div><br></div>", esc)
		case agentApple:
			fmt.Fprintf(&hb, "<div>%s</div><div><br></div>\r\n", esc)
		default:
			fmt.Fprintf(&hb, "<p>%s</p>\r\n", esc)
		}
	}
	hb.WriteString(g.htmlSignature(from))
	m.ownHTML = hb.String()
	body := m.ownHTML
	if parent != nil {
		quoted := parent.html
		if len(quoted) > 14000 {
			quoted = parent.ownHTML
		}
		attr := html.EscapeString(g.attribution(from.agent, parent, true))
		switch from.agent {
		case agentOutlook:
			body += "<div style=\"border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm\"><p class=\"MsoNormal\">" + attr +
				"<o:p></o:p></p></div>\r\n<blockquote style=\"border:none;border-left:solid #CCCCCC 1.0pt;padding:0cm 0cm 0cm 6.0pt;margin-left:4.8pt\">" + quoted + "</blockquote>\r\n"
		case agentGmail:
			body += "<br><div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">" + attr +
				"<br></div><blockquote class=\"gmail_quote\" style=\"margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex\">" + quoted + "</blockquote></div>"
		case agentApple:
			body += "<div><br><blockquote type=\"cite\"><div>" + attr + "</div><br><div>" + quoted + "</div></blockquote></div>\r\n"
		default:
			body += "<div class=\"moz-cite-prefix\">" + attr + "<br></div>\r\n<blockquote type=\"cite\" cite=\"mid:" +
				strings.Trim(parent.id, "<>") + "\">" + quoted + "</blockquote>\r\n"
		}
	}
	m.html = body

	raw := g.render(m, cc, to, parent, attach)
	g.mix.Raw = append(g.mix.Raw, raw)
	g.mix.Bytes += int64(len(raw))
	g.mix.Parts += 2
	if attach != nil {
		g.mix.Parts++
		g.mix.Attachments++
	}
	if cc != nil {
		g.mix.WithCC++
	}
	return m
}

// attribution is the "On … wrote:" line a client puts over the quote.
func (g *mixGen) attribution(agent mixAgent, parent *mixMsg, htmlForm bool) string {
	d := parent.date
	who := parent.from.name + " <" + parent.from.email + ">"
	switch agent {
	case agentOutlook:
		return fmt.Sprintf("On %s, %s wrote:", d.Format("Monday, 2 January 2006 15:04"), who)
	case agentGmail:
		return fmt.Sprintf("On %s at %s, %s wrote:", d.Format("Mon, 2 Jan 2006"), d.Format("15:04"), who)
	case agentApple:
		return fmt.Sprintf("On %s, at %s, %s wrote:", d.Format("2 Jan 2006"), d.Format("15:04"), who)
	}
	return fmt.Sprintf("On %s, %s wrote:", d.Format("02.01.06 15:04"), parent.from.name)
}

// quoteLines puts "> " before each line of s.
func quoteLines(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	var b strings.Builder
	for _, l := range lines {
		if strings.HasPrefix(l, ">") {
			b.WriteString(">" + l + "\n")
		} else if l == "" {
			b.WriteString(">\n")
		} else {
			b.WriteString("> " + l + "\n")
		}
	}
	return b.String()
}

// wrapFlowed wraps long lines at width the way format=flowed does: a soft
// break leaves a trailing space.
func wrapFlowed(s string, width int) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		for len(line) > width {
			cut := strings.LastIndexByte(line[:width], ' ')
			if cut <= 0 {
				break
			}
			b.WriteString(line[:cut+1] + "\n")
			line = line[cut+1:]
		}
		b.WriteString(line + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// htmlSignature is from's signature as their client writes it.
func (g *mixGen) htmlSignature(p *mixPerson) string {
	d := p.domain
	esc := html.EscapeString
	var b strings.Builder
	switch p.agent {
	case agentOutlook:
		fmt.Fprintf(&b, "<table class=\"MsoNormalTable\" border=\"0\" cellspacing=\"0\" cellpadding=\"0\" style=\"border-collapse:collapse\"><tr>"+
			"<td width=\"320\" valign=\"top\" style=\"width:240.0pt;padding:0cm 5.4pt 0cm 5.4pt\">"+
			"<p class=\"MsoNormal\"><b><span style=\"font-size:10.0pt;font-family:&quot;Arial&quot;,sans-serif;color:#1F3864\">%s<o:p></o:p></span></b></p>\r\n"+
			"<p class=\"MsoNormal\"><span style=\"font-size:9.0pt;font-family:&quot;Arial&quot;,sans-serif;color:#595959\">%s | %s<o:p></o:p></span></p>\r\n"+
			"<p class=\"MsoNormal\"><span style=\"font-size:9.0pt;font-family:&quot;Arial&quot;,sans-serif;color:#595959\">Phone: %s | Mobile: %s<o:p></o:p></span></p>\r\n"+
			"<p class=\"MsoNormal\"><span style=\"font-size:9.0pt;font-family:&quot;Arial&quot;,sans-serif;color:#595959\">%s<o:p></o:p></span></p>\r\n"+
			"<p class=\"MsoNormal\"><span style=\"font-size:9.0pt;font-family:&quot;Arial&quot;,sans-serif\"><a href=\"https://www.%s/\"><span style=\"color:#0563C1\">www.%s</span></a><o:p></o:p></span></p>\r\n"+
			"</td></tr></table>\r\n", esc(p.name), esc(p.title), esc(d.company), esc(d.phone), esc(p.mobile), esc(d.street), d.host, d.host)
	case agentGmail:
		fmt.Fprintf(&b, "<div><br></div><span class=\"gmail_signature_prefix\">-- </span><br><div dir=\"ltr\" class=\"gmail_signature\"><div dir=\"ltr\">"+
			"<div><b>%s</b></div><div><font color=\"#666666\">%s | %s</font></div><div><font color=\"#666666\">Phone: %s | Mobile: %s</font></div>"+
			"<div><font color=\"#666666\">%s</font></div><div><a href=\"https://www.%s/\" target=\"_blank\">www.%s</a></div></div></div>",
			esc(p.name), esc(p.title), esc(d.company), esc(d.phone), esc(p.mobile), esc(d.street), d.host, d.host)
	default:
		fmt.Fprintf(&b, "<div>-- <br>%s<br>%s | %s<br>Phone: %s | Mobile: %s<br>%s<br><a href=\"https://www.%s/\">www.%s</a></div>\r\n",
			esc(p.name), esc(p.title), esc(d.company), esc(d.phone), esc(p.mobile), esc(d.street), d.host, d.host)
	}
	if d.disclaimer != "" {
		fmt.Fprintf(&b, "<p style=\"font-size:7.5pt;color:#808080;font-family:Arial,sans-serif\">%s</p>\r\n", esc(d.disclaimer))
	}
	return b.String()
}

// mixAttachment is a file a customer attaches.
type mixAttachment struct {
	name, ctype string
	data        []byte
}

// attachment makes a PDF or PNG of 30–200 KB (random content after the
// format's signature).
func (g *mixGen) attachment(date time.Time) *mixAttachment {
	size := 30<<10 + g.rng.IntN(170<<10)
	a := &mixAttachment{data: make([]byte, size)}
	var seed [32]byte
	for i := range seed {
		seed[i] = byte(g.rng.Uint32())
	}
	rand.NewChaCha8(seed).Read(a.data)
	if g.rng.IntN(2) == 0 {
		a.ctype = "application/pdf"
		a.name = g.pick([]string{"invoice_%s.pdf", "Scan_%s.pdf", "delivery-note-%s.pdf", "contract %s signed.pdf", "error-report-%s.pdf"})
		a.name = strings.Replace(a.name, "%s", fmt.Sprint(1000+g.rng.IntN(9000)), 1)
		copy(a.data, "%PDF-1.7\r\n%\xe2\xe3\xcf\xd3\r\n1 0 obj\r\n<</Type/Catalog/Pages 2 0 R>>\r\nendobj\r\n")
		copy(a.data[len(a.data)-7:], "%%EOF\r\n")
	} else {
		a.ctype = "image/png"
		a.name = g.pick([]string{"Screenshot " + date.Format("2006-01-02") + " at " + date.Format("15.04.05") + ".png",
			"image001.png", "error.png", "Bildschirmfoto " + date.Format("2006-01-02 150405") + ".png", "label-preview.png"})
		copy(a.data, "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x07\x80\x00\x00\x04\x38\x08\x06\x00\x00\x00")
	}
	return a
}

// render writes the message as from's client and the relays would.
func (g *mixGen) render(m *mixMsg, cc, to *mixPerson, parent *mixMsg, attach *mixAttachment) []byte {
	p, d := m.from, m.from.domain
	arrived := m.date.Add(time.Duration(1+g.rng.IntN(4)) * time.Second).UTC()
	var h strings.Builder
	hdr := func(k, v string) { h.WriteString(k + ": " + v + "\r\n") }
	hdr("Return-Path", "<"+p.email+">")
	hdr("Delivered-To", "support@help.example")
	hdr("Received", fmt.Sprintf("from mail-%s.%s (mail-%s.%s [%s])\r\n\tby mx1.help.example (Postfix) with ESMTPS id 4%s\r\n\tfor <support@help.example>; %s (UTC)",
		d.selector, d.host, d.selector, d.host, d.relayIP, g.alnum(11), arrived.Format(time.RFC1123Z)))
	hdr("Authentication-Results", fmt.Sprintf("mx1.help.example;\r\n\tdkim=pass (2048-bit key; unprotected) header.d=%s header.i=@%s header.s=%s header.b=%s;\r\n\tspf=pass (mx1.help.example: domain of %s designates %s as permitted sender) smtp.mailfrom=%s;\r\n\tdmarc=pass (p=quarantine dis=none) header.from=%s",
		d.host, d.host, d.selector, g.b64(8), p.email, d.relayIP, p.email, d.host))
	if p.agent == agentGmail {
		hdr("Received", fmt.Sprintf("by mail-ed1-f%d.google.com with SMTP id 4fb4d7f45d1cf-%s;\r\n\t%s", 40+g.rng.IntN(40),
			g.hex(12), m.date.Format("Mon, 02 Jan 2006 15:04:05 -0700 (MST)")))
		hdr("X-Google-Smtp-Source", "AGHT+I"+g.b64(76))
		hdr("X-Received", fmt.Sprintf("by 2002:a05:6402:%s:b0:%s with SMTP id %s;\r\n\t%s", g.hex(4), g.hex(3), g.hex(16),
			m.date.Format("Mon, 02 Jan 2006 15:04:05 -0700 (MST)")))
	} else {
		ip := fmt.Sprintf("10.%d.%d.%d", g.rng.IntN(256), g.rng.IntN(256), 1+g.rng.IntN(254))
		hdr("Received", fmt.Sprintf("from [%s] (vpn-%d.%s [%s])\r\n\tby mail-%s.%s (Postfix) with ESMTPSA id %s\r\n\tfor <support@help.example>; %s",
			ip, g.rng.IntN(100), d.host, ip, d.selector, d.host, strings.ToUpper(g.hex(10)), m.date.Format(time.RFC1123Z)))
	}
	sig := g.b64(344)
	var folded strings.Builder
	for len(sig) > 70 {
		folded.WriteString(sig[:70] + "\r\n\t ")
		sig = sig[70:]
	}
	folded.WriteString(sig)
	hdr("DKIM-Signature", fmt.Sprintf("v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n\td=%s; s=%s; t=%d;\r\n\th=from:to:cc:subject:date:message-id:in-reply-to:references:mime-version:content-type;\r\n\tbh=%s=;\r\n\tb=%s=",
		d.host, d.selector, m.date.Unix(), g.b64(43), folded.String()))

	wordEnc := mime.QEncoding
	if p.agent == agentGmail {
		wordEnc = mime.BEncoding
	}
	addr := func(q *mixPerson) string { return wordEnc.Encode("utf-8", q.name) + " <" + q.email + ">" }
	hdr("From", addr(p))
	if to != nil {
		hdr("To", addr(to))
		hdr("Cc", "Support <support@help.example>")
	} else {
		hdr("To", "Support <support@help.example>")
		if cc != nil {
			hdr("Cc", addr(cc))
		}
	}
	hdr("Subject", wordEnc.Encode("utf-8", m.subject))
	hdr("Date", m.date.Format(time.RFC1123Z))
	hdr("Message-ID", m.id)
	if parent != nil {
		hdr("In-Reply-To", parent.id)
		hdr("References", strings.Join(m.refs, "\r\n "))
	}
	switch p.agent {
	case agentOutlook:
		hdr("Thread-Topic", wordEnc.Encode("utf-8", strings.TrimPrefix(m.subject, "RE: ")))
		hdr("Thread-Index", g.b64(44))
		hdr("X-MS-Has-Attach", map[bool]string{true: "yes", false: ""}[attach != nil])
		hdr("X-MS-TNEF-Correlator", "")
		hdr("X-Mailer", "Microsoft Outlook 16.0")
		hdr("Content-Language", g.pick([]string{"en-GB", "de-DE", "en-US", "nl-NL", "fr-FR"}))
	case agentGmail:
		hdr("X-Gm-Message-State", "AOJu0Y"+g.b64(60))
		hdr("X-Gm-Gg", "ASbGnc"+g.b64(70))
	case agentApple:
		hdr("X-Mailer", "Apple Mail (2.3826.400.131.1.6)")
	default:
		hdr("User-Agent", "Mozilla Thunderbird")
		hdr("Content-Language", "en-US")
	}
	hdr("MIME-Version", "1.0")

	charset, cte := "utf-8", "quoted-printable"
	switch p.agent {
	case agentOutlook:
		charset = "windows-1252"
	case agentGmail:
		charset = "UTF-8"
	case agentThunderbird:
		cte = "8bit"
	}
	text := strings.ReplaceAll(m.text, "\n", "\r\n")
	htmlDoc := g.htmlDocument(p.agent, m.html, charset)
	if charset == "windows-1252" {
		t, err1 := charmap.Windows1252.NewEncoder().String(text)
		hd, err2 := charmap.Windows1252.NewEncoder().String(htmlDoc)
		if err1 == nil && err2 == nil {
			text, htmlDoc = t, hd
		} else {
			charset = "utf-8"
		}
	}
	g.mix.Charsets[strings.ToLower(charset)]++

	boundary := func() string {
		switch p.agent {
		case agentOutlook:
			return "_00" + fmt.Sprint(g.rng.IntN(10)) + "_" + strings.ToUpper(g.hex(28)) + "DB9PR0MB_"
		case agentGmail:
			return "0000000000" + g.hex(18)
		case agentApple:
			return "Apple-Mail=_" + g.uuid()
		}
		return "------------" + g.alnum(24)
	}
	var body bytes.Buffer
	alt := boundary()
	if attach != nil {
		mixed := boundary()
		hdr("Content-Type", "multipart/mixed;\r\n\tboundary=\""+mixed+"\"")
		h.WriteString("\r\n")
		body.WriteString("This is a multi-part message in MIME format.\r\n--" + mixed + "\r\n")
		body.WriteString("Content-Type: multipart/alternative;\r\n\tboundary=\"" + alt + "\"\r\n\r\n")
		writeAlternative(&body, alt, charset, cte, text, htmlDoc, p.agent == agentThunderbird)
		body.WriteString("\r\n--" + mixed + "\r\n")
		fmt.Fprintf(&body, "Content-Type: %s;\r\n\tname=\"%s\"\r\nContent-Description: %s\r\nContent-Disposition: attachment;\r\n\tfilename=\"%s\"; size=%d;\r\n\tcreation-date=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
			attach.ctype, attach.name, attach.name, attach.name, len(attach.data), m.date.Format(time.RFC1123Z))
		enc := base64.StdEncoding.EncodeToString(attach.data)
		for len(enc) > 76 {
			body.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		body.WriteString(enc + "\r\n\r\n--" + mixed + "--\r\n")
	} else {
		hdr("Content-Type", "multipart/alternative;\r\n\tboundary=\""+alt+"\"")
		h.WriteString("\r\n")
		writeAlternative(&body, alt, charset, cte, text, htmlDoc, p.agent == agentThunderbird)
	}
	return append([]byte(h.String()), body.Bytes()...)
}

// writeAlternative writes the multipart/alternative body: text, then HTML.
func writeAlternative(w *bytes.Buffer, boundary, charset, cte, text, htmlDoc string, flowed bool) {
	params := "charset=" + charset
	if flowed {
		params += "; format=flowed"
	}
	for _, part := range []struct{ ctype, content string }{{"text/plain; " + params, text}, {"text/html; charset=" + charset, htmlDoc}} {
		enc := cte
		if enc == "8bit" && hasLongLine(part.content, 990) {
			enc = "quoted-printable" // as Thunderbird does: 8bit lines end before 998 bytes
		}
		fmt.Fprintf(w, "--%s\r\nContent-Type: %s\r\nContent-Transfer-Encoding: %s\r\n\r\n", boundary, part.ctype, enc)
		if enc == "quoted-printable" {
			qp := quotedprintable.NewWriter(w)
			qp.Write([]byte(part.content))
			qp.Close()
		} else {
			w.WriteString(part.content)
		}
		w.WriteString("\r\n")
	}
	w.WriteString("--" + boundary + "--\r\n")
}

// hasLongLine reports whether s has a line longer than n bytes.
func hasLongLine(s string, n int) bool {
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			i = len(s)
		}
		if i > n {
			return true
		}
		s = s[min(i+1, len(s)):]
	}
	return false
}

// htmlDocument wraps body in the document a client sends.
func (g *mixGen) htmlDocument(agent mixAgent, body, charset string) string {
	body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")
	switch agent {
	case agentOutlook:
		return "<html xmlns:v=\"urn:schemas-microsoft-com:vml\" xmlns:o=\"urn:schemas-microsoft-com:office:office\" xmlns:w=\"urn:schemas-microsoft-com:office:word\" xmlns:m=\"http://schemas.microsoft.com/office/2004/12/omml\" xmlns=\"http://www.w3.org/TR/REC-html40\">\r\n" +
			"<head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=" + charset + "\">\r\n<meta name=\"Generator\" content=\"Microsoft Word 15 (filtered medium)\">\r\n" +
			"<style><!--\r\n/* Font Definitions */\r\n@font-face\r\n\t{font-family:\"Cambria Math\";\r\n\tpanose-1:2 4 5 3 5 4 6 3 2 4;}\r\n@font-face\r\n\t{font-family:Calibri;\r\n\tpanose-1:2 15 5 2 2 2 4 3 2 4;}\r\n" +
			"/* Style Definitions */\r\np.MsoNormal, li.MsoNormal, div.MsoNormal\r\n\t{margin:0cm;\r\n\tfont-size:11.0pt;\r\n\tfont-family:\"Calibri\",sans-serif;\r\n\tmso-fareast-language:EN-US;}\r\n" +
			"a:link, span.MsoHyperlink\r\n\t{mso-style-priority:99;\r\n\tcolor:#0563C1;\r\n\ttext-decoration:underline;}\r\nspan.EmailStyle17\r\n\t{mso-style-type:personal-compose;\r\n\tfont-family:\"Calibri\",sans-serif;\r\n\tcolor:windowtext;}\r\n" +
			".MsoChpDefault\r\n\t{mso-style-type:export-only;\r\n\tfont-family:\"Calibri\",sans-serif;\r\n\tmso-fareast-language:EN-US;}\r\n@page WordSection1\r\n\t{size:612.0pt 792.0pt;\r\n\tmargin:70.85pt 70.85pt 2.0cm 70.85pt;}\r\n" +
			"div.WordSection1\r\n\t{page:WordSection1;}\r\n--></style><!--[if gte mso 9]><xml>\r\n<o:shapedefaults v:ext=\"edit\" spidmax=\"1026\" />\r\n</xml><![endif]--><!--[if gte mso 9]><xml>\r\n<o:shapelayout v:ext=\"edit\">\r\n<o:idmap v:ext=\"edit\" data=\"1\" />\r\n</o:shapelayout></xml><![endif]-->\r\n" +
			"</head>\r\n<body lang=\"EN-GB\" link=\"#0563C1\" vlink=\"#954F72\" style=\"word-wrap:break-word\">\r\n<div class=\"WordSection1\">\r\n" + body + "</div>\r\n</body>\r\n</html>\r\n"
	case agentGmail:
		return "<div dir=\"ltr\">" + body + "</div>\r\n"
	case agentApple:
		return "<html aria-label=\"message body\"><head><meta http-equiv=\"content-type\" content=\"text/html; charset=utf-8\"></head><body style=\"overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;\">" + body + "</body></html>"
	}
	return "<!DOCTYPE html>\r\n<html>\r\n  <head>\r\n    <meta http-equiv=\"content-type\" content=\"text/html; charset=UTF-8\">\r\n  </head>\r\n  <body>\r\n" + body + "  </body>\r\n</html>\r\n"
}

// mixTopic is a kind of request: its subject and first paragraphs; %s is
// an order, invoice or case number.
type mixTopic struct {
	subject string
	opening []string
}

var mixTopics = []mixTopic{
	{"Invoice %s shows the wrong VAT rate", []string{
		"Our invoice %s was issued with 19% VAT, but as an EU business with a valid VAT ID we should be invoiced under the reverse-charge procedure. Could you please send a corrected invoice?",
		"Invoice %s lists VAT at the standard rate, although our VAT ID is stored in the account. Our accounts payable team cannot book it like this."}},
	{"Cannot log in after the password reset", []string{
		"Since I reset my password yesterday I cannot log in any more. The reset link worked and I chose a new password, but the login page just says “invalid credentials”.",
		"After resetting my password this morning the login form keeps sending me back to the start page without an error message. I tried it in Chrome and in Firefox."}},
	{"Order %s arrived damaged", []string{
		"Order %s was delivered today, but two of the five boxes were crushed and the devices inside are damaged. I took photos of the packaging before opening it.",
		"The delivery for order %s arrived with a torn outer carton and a broken display on one of the units. The driver noted the damage on the delivery note."}},
	{"Export to CSV times out for large reports", []string{
		"When I export the monthly report to CSV the download stops after about a minute with a timeout. Smaller date ranges work, but the full month never finishes.",
		"The CSV export of our sales report fails with “Gateway Timeout” as soon as the report covers more than two weeks."}},
	{"Question about our contract renewal", []string{
		"Our annual contract (customer number %s) runs out at the end of next month. Before we renew, I would like to understand whether the new pricing tiers apply to us.",
		"We are reviewing our contract %s ahead of the renewal and have a few questions about the notice period and the price adjustment clause."}},
	{"API returns 502 on /v2/shipments since this morning", []string{
		"Since about 08:15 this morning, every call to POST /v2/shipments returns 502 Bad Gateway. GET requests still work. Request ID of the last failure: %s.",
		"Our integration started failing today: the shipments endpoint answers 502 for roughly half of the requests. An example request ID is %s."}},
	{"Please add two more seats to our account", []string{
		"We have two new colleagues starting on Monday. Could you please add two more seats to our subscription (account %s) and send us the updated quote?",
		"Please increase the number of licences on account %s from 25 to 27; our team is growing."}},
	{"Delivery to the warehouse delayed again", []string{
		"The delivery for order %s was announced for Tuesday and has now been postponed for the third time. Our warehouse planned staff for it each time.",
		"Once again the shipment %s did not arrive in the agreed time window. We need a reliable date, otherwise our production line stands still."}},
	{"Wrong shipping address on order %s", []string{
		"I just noticed that order %s will be shipped to our old office address. We moved in September; the new address is in the signature below.",
		"Order %s shows the billing address as the delivery address. Could you change the delivery address before it ships?"}},
	{"SSO with Azure AD fails for new users", []string{
		"New users in our tenant cannot sign in with SSO. They get the error AADSTS50105 after entering their password. Existing users are not affected.",
		"Since we added a new group to the enterprise application, single sign-on fails for everyone in it with “user not assigned to a role”."}},
	{"Refund for duplicate charge %s", []string{
		"Our credit card was charged twice for the same payment (transaction %s). Please refund the second charge.",
		"We were billed twice this month; both charges carry the reference %s. Could you check and refund one of them?"}},
	{"Dashboard charts are empty since the update", []string{
		"Since the update on the weekend, the charts on our dashboard stay empty. The tables below them still show data, so the data itself seems to be there.",
		"After the latest release none of the widgets on the overview dashboard render; they show a spinner forever."}},
	{"How do I change the billing contact?", []string{
		"Our billing contact has left the company. How can I change the address that receives invoices for account %s?",
		"Could you tell me where in the settings I can change the billing e-mail address? Invoices still go to a former colleague."}},
	{"Printed labels are cut off on the right side", []string{
		"Shipping labels printed from the web app are cut off on the right side, so the barcode cannot be scanned. We use a Zebra ZD421 with 100×150 mm labels.",
		"Since Monday our labels print about 1 cm too far to the right and the tracking number is missing. Nothing changed on our printers."}},
	{"Data retention settings for our workspace", []string{
		"Our data protection officer asked how long you keep deleted records and log files. Can we configure the retention period for our workspace?",
		"For our GDPR documentation I need to know where our data is stored and for how long backups are kept after a record is deleted."}},
	{"Urgent: production sync stopped at %s", []string{
		"The synchronisation between our ERP and your platform stopped at %s and has not resumed. Orders are piling up; please treat this as urgent.",
		"Our nightly sync job has been stuck since %s. The status page says everything is operational, but nothing arrives on our side."}},
}

// mixDetails are sentences that fill a request.
var mixDetails = []string{
	"We use the web app on Windows 11 with the latest version of Chrome.",
	"I already cleared the browser cache and tried a private window, without success.",
	"Three of my colleagues see exactly the same behaviour.",
	"The problem started after your maintenance window on Saturday night.",
	"Our finance department needs this sorted before the end of the month.",
	"It worked fine until last week, and nothing changed on our side as far as I know.",
	"Could you please let me know the expected time for a fix?",
	"If you need access to our test environment, just let me know and I will set up an account for you.",
	"This is blocking our team, so a quick answer would be much appreciated.",
	"We have about 40 users on this account, most of them in the warehouse.",
	"The same happens on the mobile app (iOS 18.1, version 5.4.2).",
	"I have checked the knowledge base article on this topic but it describes an older version of the screen.",
	"Our IT department confirmed that the firewall is not blocking anything.",
	"The error does not appear every time, roughly in one out of three attempts.",
	"We are happy to join a short call if that makes it easier.",
	"Please note that I am out of the office on Friday; my colleague can answer questions in the meantime.",
	"For reference, our customer number is in the subject of the original order confirmation.",
	"The amount in question is €1,249.50 including shipping.",
	"I would appreciate it if you could confirm receipt of this message.",
	"Our contact at your sales team, Mr. Weber, suggested that I write to this address.",
	"We rely on this feature for our daily reporting to the management board.",
	"The message in the browser console reads “TypeError: cannot read properties of undefined”.",
	"Is there a workaround we could use until the problem is fixed?",
	"We already restarted the integration service twice today.",
	"Our auditors asked for written confirmation, so an answer by e-mail would be ideal.",
	"The issue affects both our German and our Dutch subsidiary.",
	"I tried again at 14:30 and 16:05 with the same result.",
	"Everything else in the account seems to work normally.",
}

// mixFollowUps open a requester's reply.
var mixFollowUps = []string{
	"Thanks for the quick answer.",
	"Unfortunately the problem is still there.",
	"I tried what you suggested, but it did not help.",
	"Just following up on this – is there any news?",
	"Here is the additional information you asked for.",
	"That worked, thank you! You can close the ticket.",
	"Sorry, I forgot to mention one more detail.",
	"Could you give me an update on the status?",
	"My colleague found out a bit more in the meantime.",
	"We still have not received a reply to my message below.",
	"The problem came back this morning.",
	"I can confirm that the new version fixed it for most users, but not for all of them.",
}

var mixCompanyA = []string{"Kestrel", "Northwind", "Bluebird", "Harbour", "Alpine", "Meridian", "Granite", "Silver", "Lindgren",
	"Rhein", "Vantage", "Oakridge", "Falcon", "Polaris", "Cedar", "Juniper", "Atlas", "Brightwater", "Nordic", "Iberia",
	"Castell", "Mosel", "Elbe", "Tulip", "Maple", "Zephyr", "Orion", "Solent", "Danube", "Pioneer"}

var mixCompanyB = []string{"Freight", "Logistics", "Foods", "Systems", "Pharma", "Textiles", "Engineering", "Retail", "Analytics",
	"Energy", "Robotics", "Print", "Medical", "Finance", "Tools", "Furniture", "Labs", "Components", "Media", "Packaging"}

var mixCities = []struct {
	name, street, postcode, dial, mobile string
	offset                               int
}{
	{"Hamburg", "Speicherstraße", "20457", "+49 40", "+49 170", 1}, {"München", "Leopoldstraße", "80331", "+49 89", "+49 151", 1},
	{"Köln", "Hohenzollernring", "50667", "+49 221", "+49 160", 1}, {"Amsterdam", "Keizersgracht", "1012 AB", "+31 20", "+31 6", 1},
	{"Rotterdam", "Wilhelminakade", "3011 AA", "+31 10", "+31 6", 1}, {"Lyon", "Quai Perrache", "69002", "+33 4", "+33 6", 1},
	{"Paris", "Rue de la Boétie", "75008", "+33 1", "+33 7", 1}, {"Madrid", "Calle de Alcalá", "28013", "+34 91", "+34 612", 1},
	{"Milano", "Via Torino", "20121", "+39 02", "+39 347", 1}, {"Wien", "Kärntner Straße", "1010", "+43 1", "+43 664", 1},
	{"Zürich", "Bahnhofstrasse", "8001", "+41 44", "+41 79", 1}, {"København", "Vesterbrogade", "1050", "+45 33", "+45 20", 1},
	{"Göteborg", "Kungsportsavenyen", "411 04", "+46 31", "+46 70", 1}, {"Dublin", "Harcourt Street", "D02 X285", "+353 1", "+353 87", 0},
	{"Manchester", "Deansgate", "M1 1AE", "+44 161", "+44 7700", 0}, {"London", "Old Street", "EC1A 1BB", "+44 20", "+44 7911", 0},
	{"Lisboa", "Rua Augusta", "1100-148", "+351 21", "+351 912", 0}, {"Boston", "Atlantic Avenue", "MA 02110", "+1 617", "+1 857", -5},
	{"Chicago", "Wacker Drive", "IL 60601", "+1 312", "+1 773", -6}, {"Toronto", "King Street West", "ON M5H 2N2", "+1 416", "+1 647", -5},
}

var mixFirst = []string{"Anna", "Jürgen", "Zoë", "José", "Chloé", "Søren", "Björn", "François", "Siobhán", "Renée", "Inês",
	"Lukas", "Emma", "Noah", "Mia", "Oliver", "Sofia", "Liam", "Hannah", "Ethan", "Léa", "Mateo", "Fatima", "Yusuf",
	"Priya", "Arjun", "Mei", "Kenji", "Olga", "Pieter", "Annelies", "Giulia", "Marco", "Sven", "Ingrid", "Katarzyna",
	"Tomasz", "Eva", "Jakub", "Aoife", "Grace", "Daniel", "Laura", "Martin", "Julia", "Thomas", "Sarah", "David", "Ana", "Hélène"}

var mixLast = []string{"Müller", "Schmidt", "García", "Núñez", "O'Brien", "Dubois", "Lefèvre", "Rossi", "Bianchi", "Jansen",
	"de Vries", "Nowak", "Kowalski", "Andersson", "Johansson", "Nielsen", "Hansen", "Smith", "Jones", "Taylor", "Brown",
	"Wilson", "Patel", "Shah", "Khan", "Tanaka", "Suzuki", "Chen", "Wang", "Silva", "Santos", "Pereira", "Costa",
	"Weber", "Wagner", "Becker", "Hoffmann", "Fischer", "Meyer", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf",
	"Schröder", "Åberg", "Lindqvist", "Moreau", "Fernández"}

var mixTitles = []string{"Head of Logistics", "Accounts Payable", "IT Administrator", "Office Manager", "Operations Manager",
	"Purchasing", "Customer Service Lead", "Finance Director", "Warehouse Supervisor", "Project Manager", "CTO",
	"Data Protection Officer", "Team Lead Integration", "Managing Director"}

const mixDisclaimer = "This e-mail and any attachments are confidential and may be privileged. If you are not the intended " +
	"recipient, please notify the sender immediately and delete this e-mail and any copies. Any unauthorised copying, " +
	"disclosure or distribution of the material in this e-mail is strictly forbidden. %s, registered office %s, " +
	"commercial register HRB %d. Please consider the environment before printing this e-mail."

// TestHelpdeskMix checks the generated mix: the same seed gives the same
// bytes; the shares are as described; every message parses, both with
// go-message and with the gateway's parser, with the parts counted; a
// reply names an earlier message, by its author or by a colleague on its
// Cc, and quotes it.
func TestHelpdeskMix(t *testing.T) {
	const n = 1500
	mix := newHelpdeskMix(n, 7)
	again := newHelpdeskMix(n, 7)
	for i := range mix.Raw {
		if !bytes.Equal(mix.Raw[i], again.Raw[i]) {
			t.Fatalf("message %d differs between two runs with the same seed", i)
		}
	}
	t.Log(mix.summary())
	share := func(k int) float64 { return float64(k) / n }
	if s := share(mix.New); s < 0.55 || s > 0.68 {
		t.Errorf("new tickets %.2f of the mix, want about 0.6", s)
	}
	if s := share(mix.Replies + mix.CCReplies); s < 0.32 || s > 0.45 {
		t.Errorf("replies %.2f of the mix, want about 0.4", s)
	}
	if s := share(mix.Attachments); s < 0.05 || s > 0.10 {
		t.Errorf("attachments on %.3f of the mix, want 0.05–0.10", s)
	}
	if mix.New+mix.Replies+mix.CCReplies != n || mix.WithCC == 0 || mix.CCReplies == 0 {
		t.Errorf("counts %+v", *mix)
	}

	var p wholeParser
	type sent struct{ from, cc string }
	seen := map[string]sent{} // Message-ID → its author and Cc
	replies, attachments := 0, 0
	for i, raw := range mix.Raw {
		if err := p.parse(raw); err != nil {
			t.Fatalf("message %d: go-message: %v", i, err)
		}
		msg, err := message.Parse(raw, message.Options{})
		if err != nil {
			t.Fatalf("message %d: %v\n%s", i, err, raw)
		}
		if msg.Text == "" || msg.HTML() == "" || len(msg.Warnings) > 0 {
			t.Fatalf("message %d: text %d bytes, HTML %d bytes, warnings %q", i, len(msg.Text), len(msg.HTML()), msg.Warnings)
		}
		attachments += len(msg.Attachments)
		if _, dup := seen[msg.MessageID]; dup || msg.MessageID == "" {
			t.Fatalf("message %d: Message-ID %q repeated or missing", i, msg.MessageID)
		}
		var cc string
		if len(msg.Cc) > 0 {
			cc = msg.Cc[0].Email
		}
		seen[msg.MessageID] = sent{msg.From.Email, cc}
		if len(msg.InReplyTo) == 0 {
			continue
		}
		replies++
		parent, ok := seen[msg.InReplyTo[0]]
		if !ok {
			t.Fatalf("message %d answers %s, which came before it in no message", i, msg.InReplyTo[0])
		}
		if msg.From.Email != parent.from && msg.From.Email != parent.cc {
			t.Fatalf("message %d from %s answers a message from %s, Cc %s", i, msg.From.Email, parent.from, parent.cc)
		}
		if !strings.Contains(msg.Text, " wrote:") || !strings.Contains(msg.Text, "\n> ") {
			t.Fatalf("message %d quotes nothing:\n%s", i, msg.Text)
		}
	}
	if p.parts != mix.Parts || replies != mix.Replies+mix.CCReplies || attachments != mix.Attachments {
		t.Errorf("parsed %d parts, %d replies, %d attachments; the mix says %d, %d, %d",
			p.parts, replies, attachments, mix.Parts, mix.Replies+mix.CCReplies, mix.Attachments)
	}
}
