package message

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// inlineSamples is where the inline-reply samples live (their sources are
// in its README.md).
const inlineSamples = "quote/testdata/inline"

// qa is an answer and a piece of the question it answers.
type qa struct{ question, answer string }

// TestInlineReplySamples reads real Gmail replies written between the
// quoted lines, as the pipeline does (Parse, then Reply), once whole (the
// text part is used) and once as HTML only (a Gmail reply whose text is
// only in its HTML part), and checks what a support agent sees: each
// answer, right under the quoted lines it answers; no attribution, no
// list footer, no quote left below the last answer.
func TestInlineReplySamples(t *testing.T) {
	tests := []struct {
		file    string
		answers []qa
		absent  []string
	}{
		{"dvb-s-channel-searching-2.eml", []qa{
			{"Could you tell me how?", "Try also scan-s2 with:"},
			{"http://kedge.wz.cz/dvb/scans2.txt", "I don't see any problem with scan output."},
			{"let me know and I'll do it.", "No, no need."},
		}, []string{"Roman Jarosz", "wrote:", "linux-dvb mailing list", "When console shows"}},
		{"dvb-s-channel-searching-1.eml", []qa{
			{`where /root/dvb/Astra-19.2E is file with "S 11567500 V 22000000 5/6"`, "I think that's the main issue."},
			{"http://kedge.wz.cz/dvb/lsmod.txt", "I meant to ask what is the origin of the driver."},
			{"and the result in http://kedge.wz.cz/dvb/channels.conf", "You've posted the same link for both outputs."},
			{"out of range (950000..2150000)", "It could be anything."},
		}, []string{"wrote:", "linux-dvb mailing list", "I have a problem with DVB-S channel searching"}},
		{"technisat-hd2-rotor.eml", []qa{
			{"is not in the scan-s2 an szap-s2 utilities but in the driver.", "I don't have a rotor nor HD2 card"},
			{"do not have schematics or any documentation.", "My 1027 card worked fine"},
		}, []string{"2008/12/5", "Michel.", "linux-dvb mailing list"}},
		{"scan-s2-rotor-support.eml", []qa{
			{"(implicitly -> explicitly?)", "Oh man, I'll probably never remember the difference"},
			{"May be no longer up-to-date.", "Google search shows that you're right about it"},
		}, []string{"wrote:", "barry bouwsma", "Howdy, this is probably a stupid question"}},
		{"scan-patch-nit.eml", []qa{
			{"The attached patch will fix this problem.", "I probably missed that post"},
			{"apply it soon if nobody objects.", "I don't understand what's wrong with NIT advartised frequency?"},
		}, []string{"wrote:", "Christoph Pfister", "Hartmut"}},
	}
	for _, tt := range tests {
		m := parseSample(t, tt.file)
		for form, reply := range map[string]string{"text": m.Reply(), "html only": htmlOnly(t, m).Reply()} {
			for _, a := range tt.answers {
				if err := answeredUnder(reply, a); err != "" {
					t.Errorf("%s (%s): %s\n%s", tt.file, form, err, reply)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(reply, s) {
					t.Errorf("%s (%s): the reply shows %q\n%s", tt.file, form, s, reply)
				}
			}
		}
		want, err := os.ReadFile(filepath.Join(inlineSamples, "linux-media", strings.TrimSuffix(tt.file, ".eml")+".want"))
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Reply(); got != strings.TrimRight(string(want), "\n") {
			t.Errorf("%s: Reply() =\n%s\nwant\n%s", tt.file, got, want)
		}
	}
}

// TestNotInlineReplySamples checks real replies that look like inline
// replies and are not: only what the writer wrote is shown.
func TestNotInlineReplySamples(t *testing.T) {
	bottom := parseSample(t, "scan-patch-bottom-post.eml")
	for form, m := range map[string]*Message{"text": bottom, "html only": htmlOnly(t, bottom)} {
		got := m.Reply()
		if !strings.HasPrefix(got, "There is no need for NIT message.") || strings.Contains(got, ">") {
			t.Errorf("bottom post (%s): the reply is not only the answer:\n%s", form, got)
		}
	}
	k9 := parseSample(t, "k9-wrapped-quote-top-post.eml")
	if got := k9.Reply(); !strings.HasPrefix(got, "Hello Hans and Laurent") || strings.Contains(got, "Volatile controls") {
		t.Errorf("K-9 top post: %s", got)
	}
	for file, want := range map[string]string{"gmail_reply.html": "foo\n\nbar", "apple_reply.html": "Foo\n\nBar"} {
		b, err := os.ReadFile(filepath.Join(inlineSamples, "quotequail", file))
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse([]byte("From: a@example.com\nContent-Type: text/html; charset=utf-8\n\n"+string(b)), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Reply(); got != want {
			t.Errorf("quotequail %s: Reply() = %q, want %q (a signature below the quote is not an answer)", file, got, want)
		}
	}
}

func parseSample(t *testing.T, file string) *Message {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(inlineSamples, "linux-media", file))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(b, Options{})
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return m
}

// htmlOnly returns m as its sender would have sent it with the HTML part
// only.
func htmlOnly(t *testing.T, m *Message) *Message {
	t.Helper()
	if m.html == "" {
		t.Fatal("no HTML part")
	}
	h, err := Parse([]byte("From: a@example.com\nContent-Type: text/html; charset=utf-8\n\n"+m.html), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// answeredUnder returns "" when a.answer is a line of the writer's in
// reply with the quoted lines right above it containing a.question, and
// what is wrong otherwise. Whitespace is normalised.
func answeredUnder(reply string, a qa) string {
	lines := strings.Split(reply, "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), ">") || !strings.Contains(normWSTest(l), normWSTest(a.answer)) {
			continue
		}
		j := i - 1
		for j >= 0 && strings.TrimSpace(lines[j]) == "" {
			j--
		}
		var quote []string
		for ; j >= 0 && strings.HasPrefix(strings.TrimSpace(lines[j]), ">"); j-- {
			quote = append([]string{strings.TrimLeft(strings.TrimSpace(lines[j]), "> ")}, quote...)
		}
		if !strings.Contains(normWSTest(strings.Join(quote, " ")), normWSTest(a.question)) {
			return "answer " + quoteStr(a.answer) + " is not under its question " + quoteStr(a.question)
		}
		return ""
	}
	return "answer " + quoteStr(a.answer) + " is missing"
}

func normWSTest(s string) string { return strings.Join(strings.Fields(s), " ") }

func quoteStr(s string) string { return `"` + s + `"` }
