package hl7

import (
	"errors"
	"strings"
	"testing"
)

// orm is a compact radiology order in the default delimiters; tests rewrite
// its line endings and delimiters.
const orm = "MSH|^~\\&|HIX|ZHWEST|VOORRANG|ZHWEST|20261123091500+0100||ORM^O01^ORM_O01|MSG0001|P|2.5|||AL|NE||UNICODE UTF-8\r" +
	"PID|1||1234567^^^ZHWEST^PI~999990019^^^NLMINBIZA^NNNLD||van den Berg&van den&Berg^Jan^J^^^^L||19580412|M\r" +
	"PV1|1|O|ONC^^^ZHWEST\r" +
	"ORC|NW|PL1001^HIX|W26000101^HIX||SC||^^^20261123091500^^R||20261123091500+0100\r" +
	"OBR|1|PL1001^HIX|W26000101^HIX|CTTHAB^CT thorax-abdomen met contrast^HIX|||20261123091500|||||||||||W26000101||||||CT|||^^^^^R\r"

func mustParse(t *testing.T, s string) *Message {
	t.Helper()
	m, err := Parse([]byte(s))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

func TestParseTolerances(t *testing.T) {
	lf := strings.ReplaceAll(orm, "\r", "\n")
	tests := []struct {
		name     string
		in       string
		want     map[string]string
		warnings int
	}{
		{name: "CR", in: orm},
		{name: "LF", in: lf},
		{name: "CRLF", in: strings.ReplaceAll(orm, "\r", "\r\n")},
		{name: "mixed endings", in: strings.Replace(lf, "\n", "\r\n", 2)},
		{name: "no final terminator", in: strings.TrimSuffix(orm, "\r")},
		{name: "byte-order mark", in: "\xEF\xBB\xBF" + orm},
		{name: "leading blank lines", in: "\r\n\r\n" + orm},
		{name: "blank and whitespace lines", in: strings.Replace(strings.Replace(orm, "PV1", " \t\rPV1", 1), "ORC", "\r\rORC", 1), warnings: 3},
		{name: "trailing blank lines", in: orm + "\r\r\n"},
		{
			name: "alternative delimiters",
			in: strings.NewReplacer("|", "#", "^", "$", "~", "*", "\\", "!", "&", "@").Replace(
				strings.Replace(orm, "thorax-abdomen", "thorax\\T\\abdomen", 1)),
			want: map[string]string{"OBR-4.2": "CT thorax@abdomen met contrast", "MSH-2": "$*!@"},
		},
		{
			name: "three encoding characters",
			in:   strings.Replace(strings.Replace(orm, "^~\\&", "^~\\", 1), "van den Berg&van den&Berg", "van den Berg", 1),
			want: map[string]string{"PID-5.1": "van den Berg", "PID-5.1.2": "", "PID-5.1.3": "", "MSH-2": "^~\\"},
		},
		{
			name: "truncation character (v2.7)",
			in:   strings.Replace(orm, "^~\\&", "^~\\&#", 1),
			want: map[string]string{"MSH-2": "^~\\&#", "PID-5.1.2": "van den"},
		},
		{
			name:     "doubled escape character in MSH-2",
			in:       strings.Replace(orm, "^~\\&", "^~\\\\&", 1),
			want:     map[string]string{"PID-5.1.3": "Berg"},
			warnings: 1,
		},
		{
			name:     "stray line break inside a field",
			in:       strings.Replace(orm, "CT thorax-abdomen", "CT thor\rax-abdomen", 1),
			warnings: 1,
		},
		{
			name:     "stray LF line that looks almost like a segment",
			in:       strings.Replace(orm, "met contrast", "met\nABCD contrast", 1),
			want:     map[string]string{"OBR-4.2": "CT thorax-abdomen metABCD contrast"},
			warnings: 1,
		},
	}
	base := map[string]string{
		"MSH-1": "|", "MSH-3": "HIX", "MSH-4": "ZHWEST", "MSH-9": "ORM", "MSH-9.2": "O01", "MSH-10": "MSG0001",
		"PID-3": "1234567", "PID-3.4": "ZHWEST", "PID-3[2].1": "999990019", "PID-3[2].4": "NLMINBIZA",
		"PID-5.1": "van den Berg", "PID-5.1.2": "van den", "PID-5.1.3": "Berg", "PID-5.2": "Jan",
		"PID-7": "19580412", "PID-8": "M", "PV1-2": "O", "ORC-1": "NW", "ORC-3": "W26000101", "ORC-5": "SC",
		"ORC-7.6": "R", "OBR-4.1": "CTTHAB", "OBR-4.2": "CT thorax-abdomen met contrast", "OBR-18": "W26000101",
		"OBR-24": "CT", "OBR-27.6": "R", "PID-3[3]": "", "ZZZ-1": "", "OBR-99": "", "OBR(2)-1": "",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.in)
			if m.Len() != 5 {
				t.Errorf("Len = %d, want 5; segments %q", m.Len(), m.String())
			}
			for path, want := range base {
				if w, ok := tt.want[path]; ok {
					want = w
				}
				if path == "MSH-1" && tt.name == "alternative delimiters" {
					want = "#"
				}
				if got := m.Get(path); got != want {
					t.Errorf("Get(%q) = %q, want %q", path, got, want)
				}
			}
			for path, want := range tt.want {
				if got := m.Get(path); got != want {
					t.Errorf("Get(%q) = %q, want %q", path, got, want)
				}
			}
			if got := len(m.Warnings()); got != tt.warnings {
				t.Errorf("%d warnings %v, want %d", got, m.Warnings(), tt.warnings)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     error
		location string
	}{
		{"empty", "", ErrEmpty, ""},
		{"only blank lines", "\r\n \r\n", ErrEmpty, ""},
		{"no MSH", "PID|1||123\rMSH|^~\\&|A|B", ErrNoMSH, ""},
		{"MSH alone", "MSH", ErrDelimiters, "MSH-1"},
		{"letter as field separator", "MSHX^~\\&XAXB", ErrDelimiters, "MSH-1"},
		{"space as field separator", "MSH ^~\\& A B", ErrDelimiters, "MSH-1"},
		{"one encoding character", "MSH|^|A|B|||||ORM^O01|1", ErrDelimiters, "MSH-2"},
		{"encoding character twice", "MSH|^^\\&|A|B|||||ORM^O01|1", ErrDelimiters, "MSH-2"},
		{"encoding character is the field separator", "MSH|^|\\&|A", ErrDelimiters, "MSH-2"},
		{"alphanumeric encoding character", "MSH|^~a&|A|B|||||ORM^O01|1", ErrDelimiters, "MSH-2"},
		{"no message type", "MSH|^~\\&|A|B|C|D|20261123||^|1|P|2.5", ErrRequired, "MSH-9"},
		{"no control id", "MSH|^~\\&|A|B|C|D|20261123||ORM^O01||P|2.5", ErrRequired, "MSH-10"},
		{"two messages", orm + orm, ErrMultiple, "MSH"},
		{"batch header inside", orm + "BTS|1", ErrMultiple, "BTS"},
		{"UTF-16", "\xFF\xFEM\x00S\x00H\x00", ErrCharset, ""},
		{"unknown charset with 8-bit bytes", strings.Replace(orm, "UNICODE UTF-8", "ISO IR87", 1) + "NTE|1||\xE9\xFF\xFE", ErrCharset, "MSH-18"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse = %v, %v; want error %v", m, err, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *ParseError", err)
			}
			if got := pe.Location(); got != tt.location {
				t.Errorf("Location = %q, want %q (error %v)", got, tt.location, err)
			}
		})
	}
}

func TestParseErrorKeepsValuesOut(t *testing.T) {
	_, err := Parse([]byte("MSH|^~a&|SECRETAPP|Jansen|||||ORM^O01|1"))
	if err == nil || strings.Contains(err.Error(), "Jansen") || strings.Contains(err.Error(), "SECRETAPP") {
		t.Fatalf("error %v must name the problem without values", err)
	}
}

func TestValueNavigation(t *testing.T) {
	m := mustParse(t, "MSH|^~\\&|A|B|C|D|20261123||ORU^R01|1|P|2.5\r"+
		"OBX|1|ST|CODE^Text^SYS~ALT^Alt||a~b^c&d~\"\"||||||F\r"+
		"OBX|2|TX|||line one\\.br\\line two \\T\\ more\r")
	obx, _ := m.Segment("OBX")
	f := obx.Field(5)
	if got := f.Repetitions(); got != 3 {
		t.Errorf("Repetitions = %d, want 3", got)
	}
	tests := []struct {
		name string
		v    Value
		want string
		raw  string
	}{
		{"field reads first leaf", f, "a", "a~b^c&d~\"\""},
		{"second repetition", f.Rep(2), "b", "b^c&d"},
		{"component of repetition", f.Rep(2).Component(2), "c", "c&d"},
		{"subcomponent", f.Rep(2).Component(2).Sub(2), "d", "d"},
		{"missing repetition", f.Rep(9), "", ""},
		{"missing component", f.Rep(1).Component(4), "", ""},
		{"sub of a subcomponent", f.Rep(2).Component(2).Sub(2).Sub(2), "", ""},
		{"null", f.Rep(3), "", "\"\""},
		{"field 3 repetition 2", obx.Field(3).Rep(2).Component(2), "Alt", "Alt"},
		{"MSH-2 is not split", m.SegmentAt(0).Field(2), "^~\\&", "^~\\&"},
		{"zero segment", Segment{}.Field(3), "", ""},
		{"field 0", obx.Field(0), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.v.String(); got != tt.want {
				t.Errorf("String = %q, want %q", got, tt.want)
			}
			if got := tt.v.Raw(); got != tt.raw {
				t.Errorf("Raw = %q, want %q", got, tt.raw)
			}
		})
	}
	if !f.Rep(3).IsNull() || f.Rep(1).IsNull() {
		t.Error("IsNull: want only the third repetition null")
	}
	obx2, ok := m.SegmentN("OBX", 2)
	if !ok {
		t.Fatal("no second OBX")
	}
	if got, want := obx2.Field(5).Text(), "line one\nline two & more"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	if got := m.Get("OBX(2)-1"); got != "2" {
		t.Errorf("OBX(2)-1 = %q, want 2", got)
	}
	var names []string
	for s := range m.Segments("") {
		names = append(names, s.Name())
	}
	if got := strings.Join(names, " "); got != "MSH OBX OBX" {
		t.Errorf("Segments = %q", got)
	}
	if n := obx.Fields(); n != 11 {
		t.Errorf("Fields = %d, want 11", n)
	}
	code, trigger, structure := m.Type()
	if code != "ORU" || trigger != "R01" || structure != "" {
		t.Errorf("Type = %q %q %q", code, trigger, structure)
	}
}

func TestCharsets(t *testing.T) {
	const head = "MSH|^~\\&|A|B|C|D|20261123||ADT^A08|1|P|2.5|||||NL|"
	tests := []struct {
		name, charset, name5 string
		want                 string
		warnings             int
	}{
		{"latin-1 declared", "8859/1", "M\xfcller", "Müller", 0},
		{"latin-9 euro", "8859/15", "\xa4", "€", 0},
		{"UTF-8 declared", "UNICODE UTF-8", "Çelik", "Çelik", 0},
		{"UTF-8 undeclared", "", "Çelik", "Çelik", 0},
		{"latin-1 undeclared", "", "\xc7elik", "Çelik", 1},
		{"latin-1 declared as UTF-8", "UNICODE UTF-8", "\xc7elik", "Çelik", 1},
		{"ASCII declared, UTF-8 sent", "ASCII", "Çelik", "Çelik", 1},
		{"unknown but valid UTF-8", "ISO IR87", "Çelik", "Çelik", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, head+tt.charset+"\rPID|1||1||"+tt.name5+"^Anna")
			if got := m.Get("PID-5"); got != tt.want {
				t.Errorf("PID-5 = %q, want %q", got, tt.want)
			}
			if got := len(m.Warnings()); got != tt.warnings {
				t.Errorf("warnings %v, want %d", m.Warnings(), tt.warnings)
			}
		})
	}
}

func TestPath(t *testing.T) {
	good := map[string]Path{
		"PID-3":        {Segment: "PID", Occurrence: 1, Field: 3, Repetition: 1},
		"PID-3[2].1":   {Segment: "PID", Occurrence: 1, Field: 3, Repetition: 2, Component: 1},
		"PID-5.1.2":    {Segment: "PID", Occurrence: 1, Field: 5, Repetition: 1, Component: 1, Sub: 2},
		"OBX(12)-5[3]": {Segment: "OBX", Occurrence: 12, Field: 5, Repetition: 3},
		"ZDS-1":        {Segment: "ZDS", Occurrence: 1, Field: 1, Repetition: 1},
	}
	for s, want := range good {
		got, err := ParsePath(s)
		if err != nil || got != want {
			t.Errorf("ParsePath(%q) = %+v, %v; want %+v", s, got, err, want)
		}
		if got.String() != s {
			t.Errorf("String() = %q, want %q", got.String(), s)
		}
	}
	for _, s := range []string{"", "PID", "PID-", "PID-0", "pid-3", "PID3", "PID-3[", "PID-3[0]", "PID-3.", "PID-3.1.", "PID(1-3", "PID-3x", "1ID-3", "PID-99999999"} {
		if _, err := ParsePath(s); !errors.Is(err, ErrInvalidPath) {
			t.Errorf("ParsePath(%q) error = %v, want ErrInvalidPath", s, err)
		}
	}
}
