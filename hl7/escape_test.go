package hl7

import (
	"testing"
	"unicode/utf8"
)

func TestUnescape(t *testing.T) {
	d := DefaultDelimiters()
	d.Truncation = '#'
	tests := []struct {
		name, in, want string
	}{
		{"plain", "CT thorax", "CT thorax"},
		{"delimiters", `a\F\b\S\c\T\d\R\e\E\f\P\g`, "a|b^c&d~e\\f#g"},
		{"hex ASCII", `line\X0D\next`, "line\rnext"},
		{"hex UTF-8", `M\XC3BC\ller`, "Müller"},
		{"hex Latin-1", `M\XFC\ller`, "Müller"},
		{"hex lower case", `\x41\`, "A"},
		{"odd hex kept", `\X4\`, `\X4\`},
		{"bad hex kept", `\XZZ\`, `\XZZ\`},
		{"line break", `one\.br\two`, "one\ntwo"},
		{"space lines", `a\.sp 2\b`, "a\n\nb"},
		{"space lines no blank", `a\.sp2\b`, "a\n\nb"},
		{"skip spaces", `a\.sk 3\b`, "a   b"},
		{"centre", `\.ce\Title`, "\nTitle"},
		{"indent dropped", `\.in +4\text`, "text"},
		{"fill dropped", `\.fi\text\.nf\`, "text"},
		{"highlight dropped", `\H\bold\N\ text`, "bold text"},
		{"unknown format kept", `\.zz\`, `\.zz\`},
		{"huge space count kept", `\.sp 100000\`, `\.sp 100000\`},
		{"character set escape kept", `\C2842\abc`, `\C2842\abc`},
		{"custom escape kept", `\Zfoo\`, `\Zfoo\`},
		{"empty escape kept", `a\\b`, `a\\b`},
		{"unclosed escape is text", `abc\F`, `abc\F`},
		{"unclosed after a good one", `\T\ and \S`, `& and \S`},
		{"escape at the very end", `abc\`, `abc\`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Unescape(tt.in, d); got != tt.want {
				t.Errorf("Unescape(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEscapeNeverSwallowsDelimiter(t *testing.T) {
	// An unclosed escape in OBX-5 must not eat the field separator after it.
	m := mustParse(t, "MSH|^~\\&|A|B|C|D|20261123||ORU^R01|1|P|2.5\rOBX|1|TX|||50\\% \\F|N|next\r")
	if got := m.Get("OBX-5"); got != `50\% \F` {
		t.Errorf("OBX-5 = %q", got)
	}
	if got := m.Get("OBX-6"); got != "N" {
		t.Errorf("OBX-6 = %q, want N", got)
	}
}

func TestUnescapeDoesNotAllocateWithoutEscapes(t *testing.T) {
	s := "nothing to decode here"
	if n := testing.AllocsPerRun(100, func() { _ = Unescape(s, DefaultDelimiters()) }); n != 0 {
		t.Errorf("Unescape allocates %v times, want 0", n)
	}
}

func TestEscapeRoundTrip(t *testing.T) {
	for _, s := range []string{"", "plain", "a|b^c~d\\e&f", "multi\r\nline", "Çelik & zn.", `\F\`} {
		e := Escape(s, DefaultDelimiters())
		if got := Unescape(e, DefaultDelimiters()); got != s {
			t.Errorf("Unescape(Escape(%q)) = %q via %q", s, got, e)
		}
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "a|b^c~d\\e&f", "x\r\ny", `\X0D\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		e := Escape(s, DefaultDelimiters())
		if got := Unescape(e, DefaultDelimiters()); got != s {
			t.Fatalf("Unescape(Escape(%q)) = %q via %q", s, got, e)
		}
	})
}
