package message

import (
	"regexp"
	"strings"
)

// A text/plain alternative is a stub of its HTML sibling (issue 16.2)
// when it is empty, when it is a placeholder sentence of at most
// maxStubWords words ("This is an HTML message…", "View this email in
// your browser"), or when it holds less than stubRatio of the words of
// the HTML's text and that text has at least minStubHTMLWords words. The
// thresholds were measured on the corpus: of its 300-odd alternatives
// with both versions, the shortest real text part holds 18% of its HTML's
// words (talon's reply with a share block, whose HTML carries the quoted
// thread), and the placeholders hold 33% (php-mime-mail-parser m0008) of
// a short HTML. The rule works in one direction only: an HTML part that
// is a stub of a full text part changes nothing, the text is kept.
const (
	maxStubWords     = 40
	stubRatio        = 0.10
	minStubHTMLWords = 50
)

// placeholder matches the sentences mail programs put in the text
// version of an HTML message for readers without HTML.
var placeholder = regexp.MustCompile(`(?i)` +
	`html[- ](?:message|e-?mail|version|newsletter|capable|format|mail)|` +
	`(?:does ?n[o']t|cannot|can't|unable to) (?:support|display|read|show|view)\w* html|` +
	`(?:view|read|open|see)\w* (?:this|the|our|it)? ?(?:e-?mail|message|newsletter|mailing)? ?(?:in|on|with) (?:your|a|the) (?:web )?browser|` +
	`newsletter (?:could|can) be (?:read|viewed) (?:here|online)|` +
	`enable html|switch to html|multi-part message in mime format`)

// isStub reports whether plain is a stub of the HTML html (see above).
// The HTML is converted to text only when plain is short enough to be one,
// and only when a bound on its words does not already show that it is not:
// read from its tokens (htmlTokenWordsAtMost) where they can tell, else
// from its parse tree (htmlWordsAtMost).
func isStub(plain, html string) bool {
	words := countFields(plain)
	if words == 0 {
		return strings.TrimSpace(html) != ""
	}
	if words <= maxStubWords && placeholder.MatchString(strings.Join(strings.Fields(plain), " ")) {
		return htmlWords(html) > words
	}
	if float64(words) >= stubRatio*float64(len(html)) { // text is never longer than its HTML source
		return false
	}
	hw := 0
	if len(html) > maxHTML2TextSize {
		hw = htmlWords(html)
	} else if most, ok := htmlTokenWordsAtMost(html); ok && (most < minStubHTMLWords || float64(words) >= stubRatio*float64(most)) {
		return false // as below, from the tokens: no parse tree needed
	} else if doc, ok := parseForHTML2Text(html); ok {
		if most, ok := htmlWordsAtMost(doc); ok && (most < minStubHTMLWords || float64(words) >= stubRatio*float64(most)) {
			return false // hw <= most: the text holds at least stubRatio of the HTML's words
		}
		hw = countFields(html2TextOf(html, doc)) // HTMLToText(html), parsed once
	} else {
		hw = countFields(htmlTreeText(html)) // HTMLToText(html) when the parser failed
	}
	return hw >= minStubHTMLWords && float64(words) < stubRatio*float64(hw)
}

// htmlWords counts the words of html's text.
func htmlWords(html string) int {
	return countFields(HTMLToText(html))
}
