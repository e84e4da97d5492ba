package commands

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
)

func TestI8_R7_InvisibleCharactersCannotHideANote(t *testing.T) {
	for _, body := range []string{
		"\uFEFF#note\nThe customer is difficult.",
		"\u200B#note\nThe customer is difficult.",
		"\u200D\u2060\u00AD#note\nThe customer is difficult.",
		"\uFF03note\nThe customer is difficult.",
		"\u00A0\u2003#note\nThe customer is difficult.",
		"#\u200Bnote\nThe customer is difficult.",
	} {
		// The block at the top sees it (the parser every sender gets) …
		cmds, rest := ParseBlock(body)
		if got := names(cmds); !reflect.DeepEqual(got, []string{"note"}) || strings.Contains(rest, "note") {
			t.Errorf("ParseBlock(%q) = %v, rest %q: want the note command", body, got, rest)
		}
		// … and so does the staff parser.
		st := ParseStaff(body)
		if !st.Note || st.Rest != "The customer is difficult." {
			t.Errorf("ParseStaff(%q) = %+v", body, st)
		}
	}
}

func TestI8_StaffCommandLinesAnywhere(t *testing.T) {
	body := "Hi Ann,\n\n#status pending\n\nWe are waiting for the part.\n#assign me\nSam"
	st := ParseStaff(body)
	if got := names(st.Commands); !reflect.DeepEqual(got, []string{"status", "assign"}) {
		t.Fatalf("commands %v", got)
	}
	if st.Note {
		t.Error("not a note")
	}
	if want := "Hi Ann,\n\nWe are waiting for the part.\nSam"; st.Rest != want {
		t.Errorf("rest %q, want %q", st.Rest, want)
	}
	if st.Commands[0].Args[0] != "pending" || st.Commands[0].Err != nil {
		t.Errorf("status %+v", st.Commands[0])
	}
}

func TestI8_R7_NoteLineWithTextStaysInTheNote(t *testing.T) {
	for body, rest := range map[string]string{
		"Checked the logs.\n#note: the customer is rude": "Checked the logs.\nthe customer is rude",
		"#note to self: call them back\nThanks":          "to self: call them back\nThanks",
		"Thanks\n  #NOTE":                                "Thanks",
		"Thanks\n#notes from the call":                   "Thanks\nnotes from the call",
		"Hi\u2028#note secret":                           "Hi\nsecret",
		"Hi\u0085#note secret":                           "Hi\nsecret",
		"Hi\v#note secret":                               "Hi\nsecret",
	} {
		st := ParseStaff(body)
		if !st.Note || st.Rest != rest {
			t.Errorf("ParseStaff(%q) = note %v rest %q, want note and %q", body, st.Note, st.Rest, rest)
		}
	}
}

func TestI8_StaffMalformedCommandLineRemovedAndReported(t *testing.T) {
	st := ParseStaff("Dear Ann,\n#status: solved\n#priority whenever\nDone.")
	if got := names(st.Commands); !reflect.DeepEqual(got, []string{"status", "priority"}) {
		t.Fatalf("commands %v", got)
	}
	for _, c := range st.Commands {
		if c.Err == nil {
			t.Errorf("%q: want malformed", c.Line)
		}
	}
	if st.Rest != "Dear Ann,\nDone." {
		t.Errorf("rest %q", st.Rest)
	}
}

func TestI8_StaffTextThatIsNotACommand(t *testing.T) {
	body := "#1 the printer\n#statuses are fine\n# status solved\nsee ticket #12\n#hashtag"
	st := ParseStaff(body)
	if len(st.Commands) != 0 || st.Rest != body {
		t.Errorf("ParseStaff(%q) = %+v, want all text", body, st)
	}
}

// FuzzParseStaff checks I8 v3's promise: whatever a staff member writes,
// no line left in the text that reaches end-users reads as a command, and
// no "#note" survives into a public text.
func FuzzParseStaff(f *testing.F) {
	for _, s := range []string{
		"#note\nhi", "\uFEFF#note\nhi", "hi\n\uFF03status solved\n", "#status: x\n#cc +a@b.c",
		"a\r\n#assign me\r\nb", "\u200b#\u200bnote", "#NOTE", "x\n\u3000#priority high", "#1 two",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		st := ParseStaff(body)
		if containsNoteLine(body) != st.Note {
			t.Fatalf("note %v, but #note lines %v: %q", st.Note, containsNoteLine(body), body)
		}
		if st.Note {
			return // an internal note reaches staff only (R7, N2)
		}
		for _, line := range strings.Split(st.Rest, "\n") {
			norm := strings.TrimLeftFunc(Normalize(line), unicode.IsSpace)
			if _, ok := staffLine(line, norm); ok {
				t.Fatalf("a command line reached the public text: %q from %q", line, body)
			}
		}
	})
}

func containsNoteLine(body string) bool {
	for _, line := range strings.FieldsFunc(body, func(r rune) bool {
		return r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == '\u0085' || r == '\u2028' || r == '\u2029'
	}) {
		if _, ok := cutNote(strings.TrimLeftFunc(Normalize(line), unicode.IsSpace)); ok {
			return true
		}
	}
	return false
}
