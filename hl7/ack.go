package hl7

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// An AckCode is the acknowledgment code of MSA-1.
type AckCode string

// Acknowledgment codes in original mode; Ack turns them into CA, CE and CR
// when the sender asks for enhanced mode.
const (
	AA AckCode = "AA" // accepted: applied and stored
	AE AckCode = "AE" // error: understood but could not be applied; resend later
	AR AckCode = "AR" // rejected: cannot be parsed or is not supported; do not resend
)

// An ErrorCode is an HL7 message error condition code (HL7 table 0357).
type ErrorCode int

// The error codes of HL7 table 0357.
const (
	CodeAccepted               ErrorCode = 0
	CodeSegmentSequence        ErrorCode = 100
	CodeRequiredFieldMissing   ErrorCode = 101
	CodeDataType               ErrorCode = 102
	CodeTableValueNotFound     ErrorCode = 103
	CodeUnsupportedMessageType ErrorCode = 200
	CodeUnsupportedEvent       ErrorCode = 201
	CodeUnsupportedProcessing  ErrorCode = 202
	CodeUnsupportedVersion     ErrorCode = 203
	CodeUnknownKey             ErrorCode = 204
	CodeDuplicateKey           ErrorCode = 205
	CodeRecordLocked           ErrorCode = 206
	CodeInternalError          ErrorCode = 207
)

var codeText = map[ErrorCode]string{
	CodeAccepted:               "Message accepted",
	CodeSegmentSequence:        "Segment sequence error",
	CodeRequiredFieldMissing:   "Required field missing",
	CodeDataType:               "Data type error",
	CodeTableValueNotFound:     "Table value not found",
	CodeUnsupportedMessageType: "Unsupported message type",
	CodeUnsupportedEvent:       "Unsupported event code",
	CodeUnsupportedProcessing:  "Unsupported processing id",
	CodeUnsupportedVersion:     "Unsupported version id",
	CodeUnknownKey:             "Unknown key identifier",
	CodeDuplicateKey:           "Duplicate key identifier",
	CodeRecordLocked:           "Application record locked",
	CodeInternalError:          "Application internal error",
}

// Text returns the code's name in HL7 table 0357.
func (c ErrorCode) Text() string { return codeText[c] }

// An AckError becomes one ERR segment.
type AckError struct {
	Segment    string // where the error is, e.g. "OBR"; empty when nowhere in particular
	Sequence   int    // 1-based occurrence of that segment
	Field      int
	Repetition int
	Component  int
	Code       ErrorCode
	Severity   string // E error (default), W warning, I information
	Text       string // diagnostic for the sender's staff; never patient data
}

// ErrorFor returns the AckError for a parse error: its location and the
// table 0357 code that fits its cause.
func ErrorFor(err *ParseError) AckError {
	code := CodeSegmentSequence
	switch {
	case err.Err == ErrRequired:
		code = CodeRequiredFieldMissing
	case err.Err == ErrValue:
		code = CodeDataType
	case err.Err == ErrCharset:
		code = CodeDataType
	}
	return AckError{Segment: err.Segment, Sequence: err.Sequence, Field: err.Field,
		Repetition: err.Repetition, Component: err.Component, Code: code, Text: err.Error()}
}

// An Ack describes an acknowledgment to build for a received message.
type Ack struct {
	Code        AckCode
	Text        string // MSA-3, a short text for the sender's staff
	Errors      []AckError
	ControlID   string    // MSH-10 of the ACK; random when empty
	Time        time.Time // MSH-7; now when zero
	Application string    // MSH-3 when the message names no receiving application
	Facility    string    // MSH-4 when the message names no receiving facility
}

// For builds the ACK for a parsed message: sender and receiver swapped,
// MSA-2 echoing MSH-10, processing ID, version and character set echoed,
// the message's delimiters, and MSA-1 in enhanced mode (CA/CE/CR) when
// MSH-15 asks for an accept acknowledgment.
func (a Ack) For(m *Message) []byte {
	h := header{d: m.delims}
	msh := m.SegmentAt(0)
	for n := 3; n < len(h.f); n++ {
		h.f[n] = msh.Field(n).Raw()
	}
	return a.build(h)
}

// ForRaw builds the ACK for bytes that could not be parsed, taking what it
// can from their MSH segment (a reject must still echo MSH-10 for the
// sender to match it).
func (a Ack) ForRaw(data []byte) []byte {
	h := header{d: DefaultDelimiters()}
	data = bytes.TrimLeft(bytes.TrimPrefix(data, bom), " \t\r\n")
	if len(data) >= 4 && string(data[:3]) == "MSH" && validDelimiter(data[3]) {
		line := data
		if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
			line = data[:i]
		}
		sep := data[3]
		if d, _, err := parseDelimiters(line); err == nil {
			h.d = d
		} else if !strings.ContainsRune(h.d.Encoding(), rune(sep)) {
			// MSH-2 is unusable: answer with the sender's field separator
			// and the standard encoding characters, unless the separator
			// is one of them (the ACK would not parse).
			h.d.Field = sep
		}
		fields := strings.Split(string(line), string(sep))
		for n := 3; n < len(h.f) && n-1 < len(fields); n++ {
			h.f[n] = fields[n-1]
		}
		// Keep only what the delimiters can carry safely: printable ASCII
		// (the bytes of a message that did not parse may be in no
		// character set the ACK could declare) without the ACK's field
		// separator (when it is not the message's).
		for n := range h.f {
			if strings.ContainsAny(h.f[n], "\r\n") || strings.IndexByte(h.f[n], h.d.Field) >= 0 || !validText(h.f[n]) {
				h.f[n] = ""
			}
		}
	}
	return a.build(h)
}

func validText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// header holds the raw MSH fields of the message being acknowledged.
type header struct {
	d Delimiters
	f [19]string // f[n] is MSH-n, as sent
}

// maxEchoed is the longest field an ACK echoes: longer than any MSH field
// HL7 allows (MSH-3 to MSH-6 up to 227 characters), so that a junk message
// whose first "line" runs on for megabytes is not sent back whole.
const maxEchoed = 256

func (a Ack) build(h header) []byte {
	for n := range h.f {
		if len(h.f[n]) > maxEchoed {
			h.f[n] = ""
		}
	}
	d := h.d
	if d.Component == 0 || d.Escape == 0 {
		d = DefaultDelimiters()
		d.Field = h.d.Field
	}
	code := a.Code
	if code == "" {
		code = AA
	}
	if enhanced(h.f[15]) {
		code = AckCode("C" + string(code[1]))
	}
	ctrl := a.ControlID
	if ctrl == "" {
		var r [8]byte
		_, _ = rand.Read(r[:])
		ctrl = hex.EncodeToString(r[:])
	}
	t := a.Time
	if t.IsZero() {
		t = time.Now()
	}
	b := NewBuilder(d)
	b.Segment("MSH")
	b.SetRawField(3, or(h.f[5], Escape(a.Application, d)))
	b.SetRawField(4, or(h.f[6], Escape(a.Facility, d)))
	b.SetRawField(5, h.f[3])
	b.SetRawField(6, h.f[4])
	b.SetField(7, FormatTime(t))
	trigger := piece(h.f[9], d.Component, 2)
	b.SetRawField(9, "ACK"+string(d.Component)+trigger+string(d.Component)+"ACK")
	b.SetField(10, ctrl)
	b.SetRawField(11, or(h.f[11], "P"))
	b.SetRawField(12, or(h.f[12], "2.5"))
	b.SetRawField(18, h.f[18])
	b.Segment("MSA")
	b.SetField(1, string(code))
	b.SetRawField(2, h.f[10])
	text := a.Text
	if text == "" && len(a.Errors) > 0 {
		text = a.Errors[0].Text
	}
	b.SetField(3, truncate(text, 80))
	newERR := atLeast25(piece(h.f[12], d.Component, 1))
	for _, e := range a.Errors {
		b.Segment("ERR")
		sev := or(e.Severity, "E")
		if newERR {
			loc := []string{e.Segment, "", "", "", "", ""}
			if e.Segment != "" {
				loc[1] = strconv.Itoa(max(e.Sequence, 1))
				loc[2], loc[3], loc[4] = itoa(e.Field), itoa(e.Repetition), itoa(e.Component)
			}
			b.SetField(2, loc...)
			b.SetField(3, strconv.Itoa(int(e.Code)), e.Code.Text(), "HL70357")
			b.SetField(4, sev)
			b.SetField(8, truncate(e.Text, 250))
		} else {
			// v2.4 and before: ERR-1 is segment^sequence^field^code&text&table.
			sub := Escape(strconv.Itoa(int(e.Code)), d) + string(d.Subcomponent) +
				Escape(e.Code.Text(), d) + string(d.Subcomponent) + "HL70357"
			if d.Subcomponent == 0 {
				sub = strconv.Itoa(int(e.Code))
			}
			seq := ""
			if e.Segment != "" {
				seq = strconv.Itoa(max(e.Sequence, 1))
			}
			b.SetRawField(1, Escape(e.Segment, d)+string(d.Component)+seq+string(d.Component)+
				itoa(e.Field)+string(d.Component)+sub)
		}
	}
	return b.Bytes()
}

// enhanced reports whether MSH-15 (accept acknowledgment type) asks for
// enhanced-mode acknowledgments. NE (never) does not: such senders still
// wait on MLLP for the application acknowledgment.
func enhanced(msh15 string) bool {
	switch strings.ToUpper(strings.TrimSpace(msh15)) {
	case "AL", "ER", "SU":
		return true
	}
	return false
}

func atLeast25(version string) bool {
	if version == "" {
		return true
	}
	major, minor, _ := strings.Cut(version, ".")
	if major != "2" {
		return major != "" && major > "2"
	}
	minor, _, _ = strings.Cut(minor, ".")
	n, err := strconv.Atoi(minor)
	return err != nil || n >= 5
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func itoa(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
