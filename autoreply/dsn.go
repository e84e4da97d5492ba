package autoreply

import (
	"strings"
)

// parseDSN reads the fields of a message/delivery-status part (RFC 3464)
// and returns the recipients whose action is failed or delayed. It is
// lenient: fields may be folded, groups may lack their blank lines, and
// lines it cannot read are skipped.
func parseDSN(s string) []BounceRecipient {
	var out []BounceRecipient
	var cur map[string]string
	flush := func() {
		if r, ok := dsnRecipient(cur); ok {
			out = append(out, r)
		}
		cur = nil
	}
	for _, f := range dsnFields(s) {
		if f.key == "" { // blank line: end of a group
			if cur != nil && (cur["final-recipient"] != "" || cur["original-recipient"] != "") {
				flush()
			}
			continue
		}
		if cur == nil {
			cur = map[string]string{}
		}
		if (f.key == "final-recipient" || f.key == "original-recipient") && cur[f.key] != "" {
			flush()
			cur = map[string]string{}
		}
		if _, seen := cur[f.key]; !seen {
			cur[f.key] = f.val
		}
	}
	flush()
	return out
}

type dsnField struct{ key, val string }

// dsnFields unfolds s into fields; a blank line gives a field with no key.
func dsnFields(s string) []dsnField {
	var out []dsnField
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			out = append(out, dsnField{})
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && len(out) > 0 && out[len(out)-1].key != "" {
			out[len(out)-1].val += " " + strings.TrimSpace(line)
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.ContainsAny(strings.TrimSpace(k), " \t") {
			continue
		}
		out = append(out, dsnField{strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)})
	}
	return out
}

// dsnRecipient makes a BounceRecipient of one per-recipient group, if it
// reports a failure or a delay.
func dsnRecipient(g map[string]string) (BounceRecipient, bool) {
	email := addrOfDSNField(g["final-recipient"])
	if email == "" {
		email = addrOfDSNField(g["original-recipient"])
	}
	if email == "" {
		email = addrOfDSNField(g["x-actual-recipient"])
	}
	if email == "" {
		return BounceRecipient{}, false
	}
	action := headerToken(g["action"])
	diag := diagnostic(g["diagnostic-code"])
	status := firstStatus(g["status"])
	if s := firstStatus(diag); s != "" && (status == "" || (strings.HasSuffix(status, ".0.0") && s[0] == status[0])) {
		status = s
	}
	switch action {
	case "delivered", "relayed", "expanded":
		return BounceRecipient{}, false
	case "delayed":
		if status == "" || status[0] != '4' {
			status = "4.0.0"
		}
	case "failed", "":
		if status == "" || status[0] == '2' {
			if action == "" && status != "" {
				return BounceRecipient{}, false
			}
			status = classFromText(diag, "5.0.0")
		}
	}
	if status == "" {
		status = classFromText(diag, "5.0.0")
	}
	r := finishRecipient(BounceRecipient{Email: email, Status: status, Diagnostic: diag})
	if t, _, _ := strings.Cut(g["diagnostic-code"], ";"); strings.EqualFold(strings.TrimSpace(t), "x-unix") {
		// A local delivery program failed (procmail, maildrop): a mailer
		// error, whatever words it printed, never a bad address.
		r.Reason, r.BadAddress = ReasonOther, false
	}
	return r, true
}

// addrOfDSNField reads "rfc822; user@example.com" (the address type is
// optional, the address may be in <>).
func addrOfDSNField(v string) string {
	if _, a, ok := strings.Cut(v, ";"); ok {
		v = a
	}
	v = strings.Trim(strings.TrimSpace(v), "<>\"' ")
	if !strings.Contains(v, "@") {
		return ""
	}
	if a := findAddr(v); a != "" {
		return a
	}
	return ""
}

// diagnostic drops the "smtp;" type of a Diagnostic-Code.
func diagnostic(v string) string {
	if t, rest, ok := strings.Cut(v, ";"); ok && !strings.ContainsAny(strings.TrimSpace(t), " \t") {
		v = rest
	}
	return strings.Join(strings.Fields(v), " ")
}
