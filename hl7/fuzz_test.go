package hl7

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"testing/iotest"
)

// FuzzParse feeds arbitrary bytes to Parse and reads every value of what
// it accepts. Nothing may panic; the ACK of a rejected message and of an
// accepted one parse; an ASCII message re-parses from its own String to
// the same text.
func FuzzParse(f *testing.F) {
	for _, file := range corpusFiles(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, m := range Split(data) {
			f.Add(m)
		}
	}
	f.Add([]byte(orm))
	f.Add([]byte("MSH|^~\\&#|A|B|C|D|1||ORM^O01|1\rPID|1||\\X00\\\\.sp 3\\~a&b&c^^\\"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := Parse(Ack{Code: AR}.ForRaw(data)); err != nil {
			t.Fatalf("the reject's ACK does not parse: %v", err)
		}
		m, err := Parse(data)
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error %T is not a *ParseError", err)
			}
			_ = err.Error()
			return
		}
		n := 0
		for s := range m.Segments("") {
			if n++; n > 32 {
				break
			}
			for f := 1; f <= min(s.Fields()+1, 64); f++ {
				v := s.Field(f)
				_ = v.Text()
				_, _ = v.Time(nil)
				_ = v.Name()
				_ = v.Identifiers()
				for r := range v.Reps() {
					_ = r.Component(2).Sub(2).String()
				}
				for r := 1; r <= min(v.Repetitions()+1, 8); r++ {
					for c := 1; c <= 3; c++ {
						for sc := 1; sc <= 3; sc++ {
							_ = v.Rep(r).Component(c).Sub(sc).String()
						}
					}
				}
			}
		}
		if _, err := Parse(Ack{Code: AA}.For(m)); err != nil {
			t.Fatalf("ACK does not parse: %v", err)
		}
		if isASCII(string(data)) {
			again, err := Parse([]byte(m.String()))
			if err != nil {
				t.Fatalf("re-parse of String: %v", err)
			}
			if again.String() != m.String() {
				t.Fatalf("re-parse changed the text:\n%q\n%q", m.String(), again.String())
			}
		}
	})
}

// FuzzParsePath: a path (from configuration, such as --accession-fields)
// parses or is refused with ErrInvalidPath; a parsed path prints as a text
// that parses to the same path, and reading it from a message is safe.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"PID-3", "PID-3[2].1", "PID-5.1.2", "OBX(3)-5", "OBR-18", "ZDS-1.1", "IPC-1",
		"PID(1)-3[1].1.1", "PID-0", "PID-1048577", "P1D-3", "pid-3", "PID-3[2", "PID-3.1.2.3", "PID--3"} {
		f.Add(s)
	}
	m, err := Parse([]byte(orm))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidPath) {
				t.Fatalf("ParsePath(%q): %v is not ErrInvalidPath", s, err)
			}
			return
		}
		again, err := ParsePath(p.String())
		if err != nil || again != p {
			t.Fatalf("ParsePath(%q) = %+v, printed %q, parsed back %+v (%v)", s, p, p.String(), again, err)
		}
		_ = m.Value(p).String()
	})
}

// FuzzSplit: a file or stream of messages splits the same whether it is
// read whole (Split) or a few bytes at a time (NewScanner), and every
// message is a part of the input.
func FuzzSplit(f *testing.F) {
	for _, file := range corpusFiles(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("\xEF\xBB\xBFFHS|^~\\&|A\rBHS|^~\\&|A\r" + orm + orm + "BTS|2\rFTS|1\r"))
	f.Add([]byte("junk\n\nMSH#^~\\&#A\nMS"))
	f.Fuzz(func(t *testing.T, data []byte) {
		whole := Split(data)
		total := 0
		for _, m := range whole {
			if len(m) == 0 || !bytes.Contains(data, m) {
				t.Fatalf("message %q is not a part of the input", m)
			}
			total += len(m)
		}
		if total > len(data) {
			t.Fatalf("%d bytes of messages from %d bytes", total, len(data))
		}
		s := NewScanner(iotest.HalfReader(bytes.NewReader(data)), len(data)+1)
		var streamed [][]byte
		for s.Scan() {
			streamed = append(streamed, bytes.Clone(s.Bytes()))
		}
		if err := s.Err(); err != nil {
			t.Fatalf("scanner: %v", err)
		}
		if len(streamed) != len(whole) {
			t.Fatalf("streamed %d messages, whole %d:\n%q\n%q", len(streamed), len(whole), streamed, whole)
		}
		for i := range whole {
			if !bytes.Equal(streamed[i], whole[i]) {
				t.Fatalf("message %d streamed %q, whole %q", i, streamed[i], whole[i])
			}
		}
	})
}
