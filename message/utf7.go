package message

import (
	"encoding/base64"
	"strings"
	"unicode/utf16"
)

// decodeUTF7 decodes RFC 2152 UTF-7, which x/text does not support but old
// Outlook versions sent. Malformed shifts are kept literally.
func decodeUTF7(b []byte) string {
	var out strings.Builder
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '+' {
			out.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(b) && isModBase64(b[j]) {
			j++
		}
		if j == i+1 { // "+-" is a literal plus
			out.WriteByte('+')
			if j < len(b) && b[j] == '-' {
				i = j
			}
			continue
		}
		raw, err := base64.RawStdEncoding.DecodeString(string(b[i+1 : j][:(j-i-1)/4*4+rawTail(j-i-1)]))
		if err != nil {
			out.Write(b[i:j])
		} else {
			units := make([]uint16, 0, len(raw)/2)
			for k := 0; k+1 < len(raw); k += 2 {
				units = append(units, uint16(raw[k])<<8|uint16(raw[k+1]))
			}
			out.WriteString(string(utf16.Decode(units)))
		}
		i = j - 1
		if j < len(b) && b[j] == '-' {
			i = j
		}
	}
	return toUTF8([]byte(out.String()))
}

// rawTail is how many of the trailing n%4 base64 characters can be decoded.
func rawTail(n int) int {
	if n%4 == 1 {
		return 0
	}
	return n % 4
}

func isModBase64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}
