package message

import (
	"slices"
	"testing"
)

func TestAlternativeOfPlainPartsKeepsAll(t *testing.T) {
	raw := crlf(`
From: a@example.com
Content-Type: multipart/alternative; boundary=b

--b
Content-Type: text/plain

first
--b
Content-Type: text/plain

second
--b--
`)
	if m := mustParse(t, raw); m.Text != "first\n\nsecond" {
		t.Errorf("text = %q", m.Text)
	}
	withHTML := crlf(`
From: a@example.com
Content-Type: multipart/alternative; boundary=b

--b
Content-Type: text/plain

plain version
--b
Content-Type: text/plain

other plain version
--b
Content-Type: text/html

<p>html version</p>
--b--
`)
	if m := mustParse(t, withHTML); m.Text != "plain version" {
		t.Errorf("with HTML: text = %q", m.Text)
	}
}

func TestClosingBoundaryGluedToText(t *testing.T) {
	raw := crlf(`
From: a@example.com
Content-Type: multipart/mixed; boundary=1

--1
Content-Type: text/plain

one
--1
Content-Type: text/plain

two--1--
`)
	m := mustParse(t, raw)
	if m.Text != "one\n\ntwo" {
		t.Errorf("text = %q", m.Text)
	}
	if !slices.Contains(m.Warnings, "multipart closing boundary not on a line of its own") {
		t.Errorf("warnings = %q", m.Warnings)
	}
	inText := crlf(`
From: a@example.com
Content-Type: multipart/mixed; boundary=1

--1
Content-Type: text/plain

write --1-- to close
--1--
`)
	if m := mustParse(t, inText); m.Text != "write --1-- to close" {
		t.Errorf("delimiter inside text: text = %q", m.Text)
	}
}
