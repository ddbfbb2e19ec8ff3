package hl7

import (
	"bytes"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	msg := func(id string) string {
		return "MSH|^~\\&|A|B|C|D|1||ADT^A08|" + id + "|P|2.5\rPID|1||" + id + "\r"
	}
	tests := []struct {
		name string
		in   string
		want []string // MSH-10 of each token, "!" for a token Parse rejects
	}{
		{"one", msg("1"), []string{"1"}},
		{"three", msg("1") + msg("2") + msg("3"), []string{"1", "2", "3"}},
		{"LF and blank lines", strings.ReplaceAll("\n\n"+msg("1")+"\n"+msg("2"), "\r", "\n"), []string{"1", "2"}},
		{"BOM", "\xEF\xBB\xBF" + msg("1") + msg("2"), []string{"1", "2"}},
		{"batch", "FHS|^~\\&|A\rBHS|^~\\&|A\r" + msg("1") + msg("2") + "BTS|2\rFTS|1\r", []string{"1", "2"}},
		{"batch on LF", strings.ReplaceAll("BHS|^~\\&|A\r"+msg("1")+"BTS|1\r", "\r", "\n"), []string{"1"}},
		{"junk first", "hello\r" + msg("1"), []string{"!", "1"}},
		{"other delimiters", strings.ReplaceAll(msg("1"), "|", "#") + msg("2"), []string{"1", "2"}},
		{"MSH inside text is not a start", "MSH|^~\\&|A|B|C|D|1||ORU^R01|1|P|2.5\rOBX|1|TX|||see\rMSH is not\r", []string{"1"}},
		{"empty", "", nil},
		{"only envelope", "BHS|^~\\&\rBTS|0\r", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, tok := range Split([]byte(tt.in)) {
				m, err := Parse(tok)
				if err != nil {
					got = append(got, "!")
					continue
				}
				got = append(got, m.ControlID())
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("Split = %q, want %q", got, tt.want)
			}
			// The streaming scanner, fed one byte at a time, agrees.
			s := NewScanner(&oneByteReader{r: bytes.NewReader([]byte(tt.in))}, 1<<20)
			n := 0
			for s.Scan() {
				n++
			}
			if s.Err() != nil || n != len(tt.want) {
				t.Errorf("Scanner gave %d tokens (err %v), want %d", n, s.Err(), len(tt.want))
			}
		})
	}
}

type oneByteReader struct{ r *bytes.Reader }

func (o *oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}
