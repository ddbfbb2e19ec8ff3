package hl7

import (
	"strings"
	"testing"
	"time"
)

func TestAck(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 15, 1, 0, time.FixedZone("", 3600))
	v23 := "MSH|^~\\&|EPIC|ZHOOST|VOORRANG|ZHOOST|20261123||ORM^O01|C42|P|2.3\rPID|1"
	tests := []struct {
		name string
		msg  string
		ack  Ack
		want string
	}{
		{
			name: "accepted, original mode, swapped sender",
			msg:  strings.Replace(orm, "|AL|NE|", "|||", 1),
			ack:  Ack{Code: AA, ControlID: "A1", Time: at},
			want: "MSH|^~\\&|VOORRANG|ZHWEST|HIX|ZHWEST|20261123091501+0100||ACK^O01^ACK|A1|P|2.5||||||UNICODE UTF-8\rMSA|AA|MSG0001\r",
		},
		{
			name: "enhanced mode when MSH-15 asks",
			msg:  orm,
			ack:  Ack{Code: AE, ControlID: "A2", Time: at, Errors: []AckError{{Code: CodeInternalError, Text: "store unavailable"}}},
			want: "MSH|^~\\&|VOORRANG|ZHWEST|HIX|ZHWEST|20261123091501+0100||ACK^O01^ACK|A2|P|2.5||||||UNICODE UTF-8\rMSA|CE|MSG0001|store unavailable\rERR|||207^Application internal error^HL70357|E||||store unavailable\r",
		},
		{
			name: "v2.5 ERR with location",
			msg:  strings.Replace(orm, "|AL|NE|", "|||", 1),
			ack: Ack{Code: AR, ControlID: "A3", Time: at, Text: "no accession",
				Errors: []AckError{{Segment: "OBR", Field: 18, Code: CodeRequiredFieldMissing, Text: "OBR-18: accession number missing"}}},
			want: "MSH|^~\\&|VOORRANG|ZHWEST|HIX|ZHWEST|20261123091501+0100||ACK^O01^ACK|A3|P|2.5||||||UNICODE UTF-8\rMSA|AR|MSG0001|no accession\rERR||OBR^1^18|101^Required field missing^HL70357|E||||OBR-18: accession number missing\r",
		},
		{
			name: "v2.3 ERR-1",
			msg:  v23,
			ack:  Ack{Code: AR, ControlID: "A4", Time: at, Errors: []AckError{{Segment: "MSH", Field: 9, Code: CodeUnsupportedMessageType, Text: "SIU^S12 not supported"}}},
			want: "MSH|^~\\&|VOORRANG|ZHOOST|EPIC|ZHOOST|20261123091501+0100||ACK^O01^ACK|A4|P|2.3\rMSA|AR|C42|SIU\\S\\S12 not supported\rERR|MSH^1^9^200&Unsupported message type&HL70357\r",
		},
		{
			name: "receiver unnamed: our own name",
			msg:  "MSH|^~\\&|EPIC|ZHOOST|||20261123||ORM^O01|C43|P|2.5.1",
			ack:  Ack{Code: AA, ControlID: "A5", Time: at, Application: "VOORRANG", Facility: "X|Y"},
			want: "MSH|^~\\&|VOORRANG|X\\F\\Y|EPIC|ZHOOST|20261123091501+0100||ACK^O01^ACK|A5|P|2.5.1\rMSA|AA|C43\r",
		},
		{
			name: "fields longer than HL7 allows are not echoed",
			msg:  "MSH|^~\\&|EPIC|ZHOOST|VOORRANG|ZHOOST|20261123||ORM^O01|" + strings.Repeat("C", 300) + "|P|2.5" + strings.Repeat("Z", 1<<20),
			ack:  Ack{Code: AR, ControlID: "A7", Time: at},
			want: "MSH|^~\\&|VOORRANG|ZHOOST|EPIC|ZHOOST|20261123091501+0100||ACK^O01^ACK|A7|P|2.5\rMSA|AR\r",
		},
		{
			name: "the message's own delimiters",
			msg:  "MSH#$*!@#EPIC#ZHOOST#VOORRANG#ZHOOST#20261123##ORM$O01#C44#P#2.5",
			ack:  Ack{Code: AA, ControlID: "A6", Time: at},
			want: "MSH#$*!@#VOORRANG#ZHOOST#EPIC#ZHOOST#20261123091501+0100##ACK$O01$ACK#A6#P#2.5\rMSA#AA#C44\r",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(tt.ack.For(mustParse(t, tt.msg)))
			if got != tt.want {
				t.Errorf("ACK\n got %q\nwant %q", got, tt.want)
			}
			if _, err := Parse([]byte(got)); err != nil {
				t.Errorf("the ACK does not parse: %v", err)
			}
		})
	}
}

func TestAckForRaw(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 15, 1, 0, time.UTC)
	tests := []struct {
		name, raw, want string
	}{
		{"bad encoding characters", "MSH|^^\\&|EPIC|ZHOOST|VOORRANG|ZHOOST|1||ORM^O01|C9|P|2.5",
			"MSH|^~\\&|VOORRANG|ZHOOST|EPIC|ZHOOST|20261123091501+0000||ACK^O01^ACK|A|P|2.5\rMSA|AR|C9|bad\rERR|||100^Segment sequence error^HL70357|E||||bad\r"},
		{"garbage", "\x00\x01garbage", "MSH|^~\\&|VOORRANG||||20261123091501+0000||ACK^^ACK|A|P|2.5\rMSA|AR||bad\rERR|||100^Segment sequence error^HL70357|E||||bad\r"},
		{"control characters dropped", "MSH|^^\\&|EP\x01IC|ZHOOST|||1||ORM^O01|C9",
			"MSH|^~\\&|VOORRANG|||ZHOOST|20261123091501+0000||ACK^O01^ACK|A|P|2.5\rMSA|AR|C9|bad\rERR|||100^Segment sequence error^HL70357|E||||bad\r"},
		{"another field separator, bad encoding characters", "MSH#^^\\&#EPIC#ZHOOST#VOORRANG#ZHOOST#1##ORM^O01#C9",
			"MSH#^~\\&#VOORRANG#ZHOOST#EPIC#ZHOOST#20261123091501+0000##ACK^O01^ACK#A#P#2.5\rMSA#AR#C9#bad\rERR###100^Segment sequence error^HL70357#E####bad\r"},
		// Found by fuzzing: a field separator that is one of the standard
		// encoding characters made an ACK that did not parse.
		{"field separator &, no encoding characters", "MSH&0&EPIC&ZHOOST",
			"MSH|^~\\&|VOORRANG||EPIC|ZHOOST|20261123091501+0000||ACK^^ACK|A|P|2.5\rMSA|AR||bad\rERR|||100^Segment sequence error^HL70357|E||||bad\r"},
		// Found by fuzzing: bytes of a message that did not parse, in
		// no character set the ACK could declare.
		{"8-bit bytes dropped", "MSH|^^\\&|EPIC|ZH\xc9|||1||ORM^O01|C9|P|2.5||||||0a\x80",
			"MSH|^~\\&|VOORRANG||EPIC||20261123091501+0000||ACK^O01^ACK|A|P|2.5\rMSA|AR|C9|bad\rERR|||100^Segment sequence error^HL70357|E||||bad\r"},
		{"field separator ^, a field with |", "MSH^^|0^EPIC",
			"MSH|^~\\&|VOORRANG|||EPIC|20261123091501+0000||ACK^^ACK|A|P|2.5\rMSA|AR||bad\rERR|||100^Segment sequence error^HL70357|E||||bad\r"},
		{"field separator ^", "MSH^0^EPIC^ZHOOST^VOORRANG^ZHOOST^1^^ORM",
			"MSH|^~\\&|VOORRANG|ZHOOST|EPIC|ZHOOST|20261123091501+0000||ACK^^ACK|A|P|2.5\rMSA|AR||bad\rERR|||100^Segment sequence error^HL70357|E||||bad\r"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Ack{Code: AR, ControlID: "A", Time: at, Application: "VOORRANG", Errors: []AckError{{Code: CodeSegmentSequence, Text: "bad"}}}
			got := string(a.ForRaw([]byte(tt.raw)))
			if got != tt.want {
				t.Errorf("ACK\n got %q\nwant %q", got, tt.want)
			}
			if _, err := Parse([]byte(got)); err != nil {
				t.Errorf("the ACK does not parse: %v", err)
			}
		})
	}
}

func TestAckRandomControlID(t *testing.T) {
	m := mustParse(t, orm)
	a, b := Ack{}.For(m), Ack{}.For(m)
	ma, mb := mustParse(t, string(a)), mustParse(t, string(b))
	if ma.ControlID() == "" || ma.ControlID() == mb.ControlID() {
		t.Errorf("control IDs %q and %q, want distinct", ma.ControlID(), mb.ControlID())
	}
}

func TestBuilder(t *testing.T) {
	b := NewBuilder(DefaultDelimiters())
	b.Segment("MSH")
	b.Field("VOORRANG")
	b.SetField(9, "ORU", "R01")
	b.SetField(10, "X1")
	b.Segment("OBX")
	b.SetField(5, "a|b", "", "c^d")
	b.Field()
	b.Segment("NTE")
	got := string(b.Bytes())
	want := "MSH|^~\\&|VOORRANG||||||ORU^R01|X1\rOBX|||||a\\F\\b^^c\\S\\d\rNTE\r"
	if got != want {
		t.Errorf("Builder\n got %q\nwant %q", got, want)
	}
	m := mustParse(t, got)
	if v := m.Get("OBX-5.3"); v != "c^d" {
		t.Errorf("OBX-5.3 = %q", v)
	}
}
