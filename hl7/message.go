package hl7

import (
	"bytes"
	"fmt"
	"iter"
	"strings"
)

// A Message is one parsed HL7 v2 message. It is immutable and safe for
// concurrent reads.
type Message struct {
	text     string // segments joined by '\r', decoded to UTF-8
	delims   Delimiters
	segs     []segment
	seps     []int32 // offsets in text of each field separator, per segment
	warnings []Warning

	joinedMSH bool // a line that is no segment was joined to the MSH
}

type segment struct {
	name       uint32 // nameKey of the segment ID
	start, end int32  // text[start:end] is the segment without its terminator
	sep0, sep1 int32  // seps[sep0:sep1] are its field separators
}

// A Warning reports something the parser tolerated. It names positions,
// never values.
type Warning struct {
	Line int    // 1-based line of the input, 0 when not tied to a line
	Text string // what was tolerated
}

func (w Warning) String() string {
	if w.Line > 0 {
		return fmt.Sprintf("line %d: %s", w.Line, w.Text)
	}
	return w.Text
}

var keyMSH = nameKey("MSH")

var bom = []byte{0xEF, 0xBB, 0xBF}

// Parse parses one message. It fails only when the message cannot be read
// at all: no MSH segment first, unusable delimiters, no message type (MSH-9)
// or control ID (MSH-10), or a second message in the input. Everything it
// tolerates is listed by Warnings.
func Parse(data []byte) (*Message, error) {
	data = bytes.TrimPrefix(data, bom)
	if len(data) >= 2 && (data[0] == 0xFF && data[1] == 0xFE || data[0] == 0xFE && data[1] == 0xFF) {
		return nil, &ParseError{Err: ErrCharset, Detail: "UTF-16 byte-order mark; send UTF-8 or ISO 8859-1"}
	}
	data = bytes.TrimLeft(data, " \t\r\n")
	if len(data) == 0 {
		return nil, &ParseError{Err: ErrEmpty}
	}
	if len(data) < 3 || string(data[:3]) != "MSH" {
		return nil, &ParseError{Line: 1, Err: ErrNoMSH}
	}
	first := data
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		first = data[:i]
	}
	d, warning, err := parseDelimiters(first)
	if err != nil {
		return nil, err
	}
	m := &Message{delims: d}
	if warning != "" {
		m.warnings = append(m.warnings, Warning{Line: 1, Text: warning})
	}
	text, err := m.normalise(data)
	if err != nil {
		return nil, err
	}
	if m.joinedMSH {
		// A line joined to the MSH may extend MSH-2: read the delimiters again.
		first, _, _ := strings.Cut(text, "\r")
		if d2, _, err := parseDelimiters([]byte(first)); err != nil || d2 != d {
			return nil, &ParseError{Segment: "MSH", Sequence: 1, Field: 2, Err: ErrDelimiters,
				Detail: "a line joined to the MSH segment changes its encoding characters"}
		}
	}
	m.text, err = m.decode(text)
	if err != nil {
		return nil, err
	}
	m.index()
	if err := m.checkHeader(); err != nil {
		return nil, err
	}
	return m, nil
}

// normalise joins the segments of data with '\r', drops blank lines and
// joins lines that are no segment to the segment before them.
func (m *Message) normalise(data []byte) (string, error) {
	var b strings.Builder
	b.Grow(len(data))
	line, seq := 0, 0
	var blank []int
	segStart := 0 // where the current segment starts in b
	hasLF := bytes.IndexByte(data, '\n') >= 0
	for len(data) > 0 {
		line++
		var l []byte
		if i := lineBreak(data, hasLF); i >= 0 {
			l = data[:i]
			if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
			data = data[i+1:]
		} else {
			l, data = data, nil
		}
		if len(bytes.TrimSpace(l)) == 0 {
			if seq > 0 {
				blank = append(blank, line) // warned about only when a segment follows
			}
			continue
		}
		for _, n := range blank {
			m.warnings = append(m.warnings, Warning{Line: n, Text: "blank line skipped"})
		}
		blank = blank[:0]
		switch name, ok := segmentName(l, m.delims.Field); {
		case !ok:
			m.warnings = append(m.warnings, Warning{Line: line,
				Text: fmt.Sprintf("line is not a segment; joined to segment %d", seq)})
			m.joinedMSH = m.joinedMSH || seq == 1
			if b.Len()-segStart == 3 {
				// The segment is a bare ID: the joined text starts its
				// first field, or it would read as part of the ID.
				b.WriteByte(m.delims.Field)
			}
			b.Write(l)
			continue
		case seq > 0 && (name == keyMSH || isEnvelope(name)):
			return "", &ParseError{Segment: string(l[:3]), Sequence: seq + 1, Line: line, Err: ErrMultiple}
		}
		if seq > 0 {
			b.WriteByte('\r')
		}
		seq++
		segStart = b.Len()
		b.Write(l)
	}
	return b.String(), nil
}

// lineBreak returns the index of the first '\r' or '\n' in data, or -1.
// Most messages use '\r' alone; hasLF says whether data holds any '\n'.
func lineBreak(data []byte, hasLF bool) int {
	i := bytes.IndexByte(data, '\r')
	if !hasLF {
		return i
	}
	if i < 0 {
		return bytes.IndexByte(data, '\n')
	}
	if j := bytes.IndexByte(data[:i], '\n'); j >= 0 {
		return j
	}
	return i
}

// segmentName returns the nameKey of the segment ID that starts line: three
// upper-case letters or digits, the first a letter, followed by the field
// separator or the end of the line.
func segmentName(line []byte, fs byte) (uint32, bool) {
	if len(line) < 3 || len(line) > 3 && line[3] != fs {
		return 0, false
	}
	for i, c := range line[:3] {
		if !(c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return 0, false
		}
	}
	return uint32(line[0])<<16 | uint32(line[1])<<8 | uint32(line[2]), true
}

var envelopes = [...]uint32{nameKey("FHS"), nameKey("BHS"), nameKey("BTS"), nameKey("FTS")}

func isEnvelope(key uint32) bool {
	for _, e := range envelopes {
		if key == e {
			return true
		}
	}
	return false
}

// index records where each segment and field separator is.
func (m *Message) index() {
	t := m.text
	fs := m.delims.Field
	m.segs = make([]segment, 0, strings.Count(t, "\r")+1)
	m.seps = make([]int32, 0, strings.Count(t, string(fs)))
	s := segment{}
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case fs:
			m.seps = append(m.seps, int32(i))
		case '\r':
			s.end, s.sep1 = int32(i), int32(len(m.seps))
			s.name = nameKey(t[s.start:s.end])
			m.segs = append(m.segs, s)
			s = segment{start: int32(i + 1), sep0: int32(len(m.seps))}
		}
	}
	s.end, s.sep1 = int32(len(t)), int32(len(m.seps))
	s.name = nameKey(t[s.start:s.end])
	m.segs = append(m.segs, s)
}

// nameKey packs the first three bytes of a segment into a number, so that
// finding a segment compares integers.
func nameKey(s string) uint32 {
	if len(s) < 3 {
		return 0
	}
	return uint32(s[0])<<16 | uint32(s[1])<<8 | uint32(s[2])
}

func (m *Message) checkHeader() error {
	msh := m.SegmentAt(0)
	for _, f := range []int{9, 10} {
		if msh.Field(f).Component(1).Raw() == "" {
			return &ParseError{Segment: "MSH", Sequence: 1, Field: f, Err: ErrRequired}
		}
	}
	return nil
}

// Delimiters returns the delimiters the message declares.
func (m *Message) Delimiters() Delimiters { return m.delims }

// Warnings lists what the parser tolerated, in input order.
func (m *Message) Warnings() []Warning { return m.warnings }

// String returns the message with '\r' after each segment but the last,
// decoded to UTF-8.
func (m *Message) String() string { return m.text }

// Len returns the number of segments.
func (m *Message) Len() int { return len(m.segs) }

// SegmentAt returns the i-th segment, counting from 0 (the MSH).
func (m *Message) SegmentAt(i int) Segment { return Segment{m: m, i: i} }

// Segment returns the first segment with the given ID.
func (m *Message) Segment(name string) (Segment, bool) {
	return m.SegmentN(name, 1)
}

// SegmentN returns the n-th (1-based) segment with the given ID.
func (m *Message) SegmentN(name string, n int) (Segment, bool) {
	key := nameKey(name)
	if len(name) != 3 || key == 0 {
		return Segment{}, false
	}
	for i := range m.segs {
		if m.segs[i].name == key {
			n--
			if n == 0 {
				return Segment{m: m, i: i}, true
			}
		}
	}
	return Segment{}, false
}

// Segments yields every segment with the given ID, or every segment when
// name is empty.
func (m *Message) Segments(name string) iter.Seq[Segment] {
	return func(yield func(Segment) bool) {
		for i := range m.segs {
			if (name == "" || m.segName(i) == name) && !yield(Segment{m: m, i: i}) {
				return
			}
		}
	}
}

func (m *Message) segName(i int) string {
	s := m.segs[i]
	if s.end-s.start < 3 {
		return m.text[s.start:s.end]
	}
	return m.text[s.start : s.start+3]
}

// Type returns the message code, trigger event and structure of MSH-9, e.g.
// "ORM", "O01", "ORM_O01" (the structure is empty when the sender leaves it out).
func (m *Message) Type() (code, trigger, structure string) {
	f := m.SegmentAt(0).Field(9)
	return f.Component(1).String(), f.Component(2).String(), f.Component(3).String()
}

// ControlID returns MSH-10.
func (m *Message) ControlID() string { return m.SegmentAt(0).Field(10).String() }

// Version returns MSH-12.1, e.g. "2.5.1".
func (m *Message) Version() string { return m.SegmentAt(0).Field(12).String() }

// A Segment is one segment of a Message. The zero Segment has no fields.
type Segment struct {
	m *Message
	i int
}

// Name returns the segment ID, e.g. "PID".
func (s Segment) Name() string {
	if s.m == nil {
		return ""
	}
	return s.m.segName(s.i)
}

// Fields returns the number of the last field present.
func (s Segment) Fields() int {
	if s.m == nil {
		return 0
	}
	seg := s.m.segs[s.i]
	n := int(seg.sep1 - seg.sep0)
	if seg.name == keyMSH {
		n++
	}
	return n
}

// Field returns field n (1-based, HL7 numbering: MSH-1 is the field
// separator, MSH-2 the encoding characters). A field that is not present is
// empty.
func (s Segment) Field(n int) Value {
	if s.m == nil || n < 1 {
		return Value{}
	}
	m := s.m
	seg := m.segs[s.i]
	k := n // index into the fields after the segment ID
	if seg.name == keyMSH {
		switch n {
		case 1:
			p := m.seps[seg.sep0]
			return Value{s: m.text[p : p+1], d: m.delims, level: levelLeaf}
		case 2:
			v := s.rawField(seg, 1)
			return Value{s: v, d: m.delims, level: levelLeaf}
		}
		k = n - 1
	}
	return Value{s: s.rawField(seg, k), d: m.delims, level: levelField}
}

// rawField returns the text after the k-th field separator of seg.
func (s Segment) rawField(seg segment, k int) string {
	m := s.m
	if k > int(seg.sep1-seg.sep0) {
		return ""
	}
	start := m.seps[int(seg.sep0)+k-1] + 1
	end := seg.end
	if int(seg.sep0)+k < int(seg.sep1) {
		end = m.seps[int(seg.sep0)+k]
	}
	return m.text[start:end]
}

// String returns the segment's text, escaped as sent.
func (s Segment) String() string {
	if s.m == nil {
		return ""
	}
	seg := s.m.segs[s.i]
	return s.m.text[seg.start:seg.end]
}
