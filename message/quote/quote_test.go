package quote

import (
	"strings"
	"testing"
)

func TestTrim(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain text stays", "Hello\n\nHow are you?\n", "Hello\n\nHow are you?"},
		{"on wrote", "Thanks!\n\nOn Mon, Feb 1, 2016 at 4:58 AM, Jane <jane@example.com> wrote:\n> old\n", "Thanks!"},
		{"on wrote wrapped", "Thanks!\n\nOn Mon, Feb 1, 2016 at 6:32 PM, Jeff Atwood <info@example.org>\nwrote:\n\n> old\n", "Thanks!"},
		{"french", "Merci\n\nLe 4 janv. 2016 19:03, \"Neil\"\n<info@example.org>\na écrit :\n\n> vieux\n", "Merci"},
		{"german gmail", "Danke\n\nMax <max@example.com> schrieb am Fr., 28.\nApr. 2017 um 11:53 Uhr:\n\n> alt\n", "Danke"},
		{"spanish", "Gracias\n\nEl jueves, 21 de noviembre de 2013, juan escribió:\n\n> viejo\n", "Gracias"},
		{"danish", "Tak\n\nDen 15. jun. 2016 kl. 20.42 skrev Jeff <info@example.org>:\n\nold", "Tak"},
		{"dutch", "Bedankt\nOp 16 aug. 2014 05:13 schreef \"ch\" <info@example.org> het\nvolgende geschreven:\n\n> oud\n", "Bedankt"},
		{"italian", "Grazie\n\nIl giorno 26 marzo 2016 alle 13.16 Sam <info@example.org> ha scritto:\n> vecchio\n", "Grazie"},
		{"trailing quote", "Yes.\n\n> Shall we?\n> \n", "Yes."},
		{"inline replies kept", "> Question one?\nAnswer one.\n\n> Question two?\nAnswer two.\n", "> Question one?\nAnswer one.\n\n> Question two?\nAnswer two."},
		{"only a quote is kept", "> just a quote\n", "> just a quote"},
		{"outlook block", "Reply\n\n________________________________\nFrom: A <a@example.com>\nSent: Thursday\nTo: B\nSubject: x\n\nold\n", "Reply"},
		{"original message", "Reply\n\n-----Original Message-----\nFrom: A\nold\n", "Reply"},
		{"german outlook", "Gruß\n\nVon: A <a@example.com>\nGesendet: Don 11 Februar 2016 11:23\nAn: B\nBetreff: x\n\nalt\n", "Gruß"},
		{"french outlook", "Salut\n\nDe : A <a@example.com>\nEnvoyé : jeudi\nÀ : B\nObjet : x\n\nvieux\n", "Salut"},
		{"norwegian outlook", "Hei\n\nFra: A <a@example.com>\nSendt: 5. juni\nTil: B\nEmne: x\n\ngammel\n", "Hei"},
		{"signature", "Body text\n\n-- \nJane Doe\nACME\n", "Body text"},
		{"reply marker", "My answer\n\n##- Reply above this line -##\n\nTicket #12 was updated\n", "My answer"},
		{"mobile signature", "Here is another email\n\nSent from my iPhone\n", "Here is another email"},
		{"sent from in a sentence stays", "Here\n\nSent from my desk, is much easier then my mobile phone.", "Here\n\nSent from my desk, is much easier then my mobile phone."},
		{"gmail forward kept", "FYI\n\n---------- Forwarded message ---------\nFrom: A <a@example.com>\nDate: Tue\nSubject: s\nTo: <b@example.com>\n\nforwarded body\n", "FYI\n\n---------- Forwarded message ---------\nFrom: A <a@example.com>\nDate: Tue\nSubject: s\nTo: <b@example.com>\n\nforwarded body"},
		{"apple forward kept", "See below\n\n> Begin forwarded message:\n>\n> From: A <a@example.com>\n> body\n", "See below\n\n> Begin forwarded message:\n>\n> From: A <a@example.com>\n> body"},
		{"attribution at top", "On Mon, Aug 19, 2013 at 2:36 AM, X <x@example.org> wrote:\n\n> quoted\n\nmy answer\n", "my answer"},
		{"not an attribution", "I wrote:\nthis is fine\n", "I wrote:\nthis is fine"},
		{"crlf", "Hi\r\n\r\nOn Mon, 1 Feb 2016, A <a@example.com> wrote:\r\n> x\r\n", "Hi"},
		{"empty", "", ""},
		{"all history", "On Mon, 1 Feb 2016, A <a@example.com> wrote:\n> x\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Trim(tt.in); got != tt.want {
				t.Errorf("Trim(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTrimLongInputIsLinear(t *testing.T) {
	// Many attribution-looking lines must not make Trim quadratic or deep.
	in := strings.Repeat("On Mon, 1 Feb 2016, A <a@example.com> wrote:\n", 2000) + "text\n"
	if got := Trim(in); got != "text" {
		t.Errorf("got %q", got)
	}
}

func FuzzTrim(f *testing.F) {
	for _, s := range []string{
		"Hello\n\nOn Mon, Feb 1, 2016 at 4:58 AM, Jane <jane@example.com> wrote:\n> old\n",
		"Reply\n-----Original Message-----\nFrom: a\n",
		"x\n-- \nsig",
		"> q\nanswer\n> q2\n",
		"Le 4 janv. 2016 19:03, \"N\"\n<i@e.org>\na écrit :\n",
		"\r\r\n>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Trim(s)
		if len(got) > len(s)+1 {
			t.Errorf("Trim grew the text: %d > %d", len(got), len(s))
		}
	})
}
