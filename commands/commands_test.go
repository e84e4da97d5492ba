package commands

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func names(cmds []Command) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, c.Name)
	}
	return out
}

func TestI8_BlockAtTopAfterBlankLines(t *testing.T) {
	body := "\r\n  \r\n#status solved\r\n#assign me\r\n#priority HIGH\r\n\r\nThanks, fixed.\r\n"
	cmds, rest := ParseBlock(body)
	if got, want := names(cmds), []string{"status", "assign", "priority"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("names = %v, want %v", got, want)
	}
	for _, c := range cmds {
		if c.Err != nil {
			t.Errorf("%q: unexpected error %v", c.Line, c.Err)
		}
	}
	if cmds[2].Args[0] != "high" || cmds[0].Line != "#status solved" {
		t.Errorf("got %+v", cmds)
	}
	if rest != "Thanks, fixed.\r\n" {
		t.Errorf("rest = %q", rest)
	}
}

func TestI8_BlockStopsAtFirstTextLine(t *testing.T) {
	body := "#note\nchecked the logs\n#status solved\n"
	cmds, rest := ParseBlock(body)
	if got := names(cmds); !reflect.DeepEqual(got, []string{"note"}) {
		t.Fatalf("names = %v, want [note]", got)
	}
	if rest != "checked the logs\n#status solved\n" {
		t.Errorf("rest = %q", rest)
	}
	// A blank line ends the block too: the lines must be consecutive.
	cmds, rest = ParseBlock("#follow\n\n#status solved\nhi")
	if got := names(cmds); !reflect.DeepEqual(got, []string{"follow"}) || rest != "#status solved\nhi" {
		t.Errorf("got %v rest %q", got, rest)
	}
	// Text first: no block at all, and the body is untouched.
	body = "Hello\n#status solved\n"
	if cmds, rest := ParseBlock(body); cmds != nil || rest != body {
		t.Errorf("got %v rest %q", cmds, rest)
	}
}

func TestI8_NumberIsText(t *testing.T) {
	for _, body := range []string{
		"#1 the printer is broken again\n",
		"#hashtag mood\n",
		"# status solved\n",
		"#status:solved\n",
		"#\n",
	} {
		if cmds, rest := ParseBlock(body); cmds != nil || rest != body {
			t.Errorf("%q: got %v rest %q, want text", body, cmds, rest)
		}
	}
}

func TestI8_UnknownCommandEndsBlock(t *testing.T) {
	cmds, rest := ParseBlock("#status pending\n#escalate now\n#note\nbody")
	if got := names(cmds); !reflect.DeepEqual(got, []string{"status"}) {
		t.Fatalf("names = %v", got)
	}
	if rest != "#escalate now\n#note\nbody" {
		t.Errorf("rest = %q", rest)
	}
}

func TestI8_CaseInsensitive(t *testing.T) {
	cmds, _ := ParseBlock("#STATUS Solved\n#Cc +Bob@Example.COM\n#NOTE\n")
	want := []Command{
		{Name: "status", Args: []string{"solved"}, Line: "#STATUS Solved"},
		{Name: "cc", Args: []string{"+bob@example.com"}, Line: "#Cc +Bob@Example.COM"},
		{Name: "note", Line: "#NOTE"},
	}
	if !reflect.DeepEqual(cmds, want) {
		t.Errorf("got %+v\nwant %+v", cmds, want)
	}
}

func TestI8_MalformedGivesErr(t *testing.T) {
	for _, line := range []string{
		"#status maybe", "#status", "#status open now", "#priority", "#priority asap",
		"#type bug", "#assign bob", "#assign", "#org", "#org Acme_Corp", "#org a b",
		"#cc foo", "#cc bob@example.com", "#cc", "#cc +bob@example.com -x", "#note please", "#follow me",
	} {
		cmds, _ := ParseBlock(line + "\ntext")
		if len(cmds) != 1 || !errors.Is(cmds[0].Err, ErrMalformed) {
			t.Errorf("%q: got %+v, want one command with ErrMalformed", line, cmds)
		}
	}
	for _, line := range []string{
		"#status closed", "#priority urgent", "#type change", "#assign alice@helpdesk.example",
		"#assign me", "#org acme-2", "#cc +a@x.com -b@y.org +c@z.co.uk", "#note", "#follow",
	} {
		cmds, _ := ParseBlock(line)
		if len(cmds) != 1 || cmds[0].Err != nil {
			t.Errorf("%q: got %+v, want one valid command", line, cmds)
		}
	}
}

func TestI8_RequesterMayOnlyOrg(t *testing.T) {
	all := []string{Note, Status, Assign, Priority, Type, Org, CC, Follow}
	for _, name := range all {
		if !Allowed(name, true, false) {
			t.Errorf("staff refused #%s", name)
		}
		if got := Allowed(name, false, true); got != (name == Org) {
			t.Errorf("proven requester #%s: allowed = %v", name, got)
		}
		if Allowed(name, false, false) {
			t.Errorf("claimed sender allowed #%s", name)
		}
	}
	if Allowed("escalate", true, true) {
		t.Error("unknown command allowed")
	}
}

func FuzzParseBlock(f *testing.F) {
	for _, s := range []string{
		"\n#status solved\n#cc +a@b.c\ntext", "#1 x", "#note\r\n\r\n", "", "#", "\n\n",
		"#org acme\n#hashtag\n", "  #assign ME\n#type incident",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		cmds, rest := ParseBlock(body)
		if !strings.HasSuffix(body, rest) {
			t.Fatalf("rest %q is not a suffix of the body %q", rest, body)
		}
		if cmds == nil && rest != body {
			t.Fatalf("no commands but body changed: %q -> %q", body, rest)
		}
		for _, c := range cmds {
			if !Known(c.Name) || !strings.Contains(body, c.Line) {
				t.Fatalf("bad command %+v from %q", c, body)
			}
		}
		if again, _ := ParseBlock(rest); len(cmds) > 0 && len(again) > 0 && strings.TrimLeft(rest, " \t\r\n") == rest {
			t.Fatalf("rest %q still starts with a command block", rest)
		}
	})
}

// Issue 16.6: a quoted local part is an address for #cc and #assign; an
// address hidden in it is not.
func TestI8_QuotedLocalPartsAreAddresses(t *testing.T) {
	for s, want := range map[string]bool{
		`"dot..dot"@cc.example`:       true,
		`"ann@acme.com"@evil.example`: true, // evil.example's address, as anywhere
		`"a"b"@x.example`:             false,
		`""@x.example`:                false,
		`"unclosed@x.example`:         false,
		`"ok"@nodot`:                  false,
		`"tab	inside"@x.example`:      false,
		`plain@x.example`:             true,
	} {
		if got := IsEmail(s); got != want {
			t.Errorf("IsEmail(%q) = %v, want %v", s, got, want)
		}
	}
	cmds, _ := ParseBlock(`#cc +"dot..dot"@cc.example`)
	if len(cmds) != 1 || cmds[0].Err != nil {
		t.Fatalf("#cc with a quoted local part: %+v", cmds)
	}
}
