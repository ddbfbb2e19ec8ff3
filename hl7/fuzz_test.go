package hl7

import (
	"os"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse and reads every value of what
// it accepts. Nothing may panic; an accepted message's ACK parses; an
// ASCII message re-parses from its own String to the same text.
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
		_ = Ack{Code: AR}.ForRaw(data)
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
