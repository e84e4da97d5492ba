// Package memtest holds what the memory benchmarks of several packages
// share: a big message to ingest and a reader of a process's memory
// figures.
package memtest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
)

// BigMail is a message of about size bytes: a short text and a PDF-named
// attachment of random bytes, base64 in lines of 76.
func BigMail(size int) []byte {
	var buf bytes.Buffer
	buf.Grow(size + 4096)
	buf.WriteString("From: Big Sender <big@example.com>\r\nTo: support@help.example\r\nSubject: The scans\r\n" +
		"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <big.memory@example.com>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n--b0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		"Hello, the scans are attached.\r\n--b0\r\nContent-Type: application/pdf; name=\"scans.pdf\"\r\n" +
		"Content-Disposition: attachment; filename=\"scans.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	rng := rand.New(rand.NewPCG(1, 2))
	line := make([]byte, 57) // 76 base64 characters
	enc := make([]byte, 76)
	for buf.Len() < size-100 {
		for i := range line {
			line[i] = byte(rng.Uint32())
		}
		base64.StdEncoding.Encode(enc, line)
		buf.Write(enc)
		buf.WriteString("\r\n")
	}
	buf.WriteString("--b0--\r\n")
	return buf.Bytes()
}

// Status reads a "kB" field (VmRSS, VmHWM …) of /proc/PID/status, in
// bytes; pid "self" is this process.
func Status(pid, field string) (uint64, error) {
	path := "/proc/" + pid + "/status"
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s in %s: %w", field, path, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no %s in %s", field, path)
}
