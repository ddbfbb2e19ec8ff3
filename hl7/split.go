package hl7

import (
	"bufio"
	"bytes"
	"io"
)

// ScanMessages is a bufio.SplitFunc that splits a stream of HL7 messages,
// such as a file with many messages or an FHS/BHS batch, into messages.
// A message starts at a line that begins with "MSH" and a delimiter; the
// batch envelope segments FHS, BHS, BTS and FTS are dropped; blank lines
// and a byte-order mark are skipped. Text before the first MSH comes out as
// a token of its own, which Parse then rejects, so nothing is lost silently.
// Use bufio.Scanner.Buffer to allow messages longer than 64 KiB.
func ScanMessages(data []byte, atEOF bool) (advance int, token []byte, err error) {
	start := 0
	for {
		// Skip a BOM, blank lines and envelope segments.
		rest := data[start:]
		rest = bytes.TrimPrefix(rest, bom)
		trimmed := bytes.TrimLeft(rest, " \t\r\n")
		start = len(data) - len(trimmed)
		if len(trimmed) == 0 {
			if atEOF {
				return len(data), nil, nil
			}
			return start, nil, nil
		}
		if len(trimmed) < 4 && !atEOF {
			return start, nil, nil // not enough to tell what the line is
		}
		if !isEnvelopeLine(trimmed) {
			break
		}
		end := lineEnd(trimmed)
		if end < 0 {
			if !atEOF {
				return start, nil, nil
			}
			return len(data), nil, nil
		}
		start += end
	}
	// data[start:] begins a message (or junk); find the next boundary.
	for i := start; ; {
		j := bytes.IndexAny(data[i:], "\r\n")
		if j < 0 {
			if atEOF {
				return len(data), data[start:], nil
			}
			return start, nil, nil
		}
		i += j
		for i < len(data) && (data[i] == '\r' || data[i] == '\n') {
			i++
		}
		next := data[i:]
		if len(next) < 4 && !atEOF {
			return start, nil, nil
		}
		if isMessageStart(next) || isEnvelopeLine(next) {
			return i, data[start:i], nil
		}
	}
}

// lineEnd returns the offset just past the line terminator of the first
// line of b, or -1 when b holds no terminator.
func lineEnd(b []byte) int {
	i := bytes.IndexAny(b, "\r\n")
	if i < 0 {
		return -1
	}
	for i < len(b) && (b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

func isMessageStart(b []byte) bool {
	return len(b) >= 4 && string(b[:3]) == "MSH" && validDelimiter(b[3])
}

func isEnvelopeLine(b []byte) bool {
	if len(b) < 3 || !isEnvelope(nameKey(string(b[:3]))) {
		return false
	}
	return len(b) == 3 || validDelimiter(b[3]) || b[3] == '\r' || b[3] == '\n'
}

// Split returns the messages in data (see ScanMessages). The returned
// slices share data's memory.
func Split(data []byte) [][]byte {
	var msgs [][]byte
	for len(data) > 0 {
		adv, tok, _ := ScanMessages(data, true)
		if tok != nil {
			msgs = append(msgs, tok)
		}
		if adv == 0 {
			break
		}
		data = data[adv:]
	}
	return msgs
}

// NewScanner returns a bufio.Scanner that yields the messages of r, each up
// to maxSize bytes.
func NewScanner(r io.Reader, maxSize int) *bufio.Scanner {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, 64*1024), maxSize)
	s.Split(ScanMessages)
	return s
}
