package redisstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// Turnaround records are kept per site and day (the UTC day the study
// closed) as one Redis string each, the day's records appended to it as
// they are written. The statistics read a year of a large hospital
// (300,000 studies) at once, so a record is small and quick to decode:
// about 70 bytes, where the same as JSON takes 600.
//
// A record is a uvarint length, then:
//
//	byte     format: factFormat
//	byte     kind: 'F' final, 'X' cancelled, 'W' withdrawn (the study left
//	         this day: it was ordered again, or closed on another day; no
//	         more fields follow the version)
//	string   accession
//	uvarint  the study's version
//	string   modality, procedure code, priority, patient class, section, reader
//	byte     band
//	varint   base: the close time, Unix seconds
//	uvarint  which of the times below are present, bit i for time i
//	varint   each present time, seconds after base: due, ordered, completed,
//	         first AI result, first flag, first claim, preliminary, final,
//	         corrected, cancelled
//	uvarint  number of AI outcomes, then each: string algorithm, string
//	         version, byte flags (1 positive, 2 discrepancy, 4 failed, 8 pending
//	         at close), byte band,
//	         varint at − base, varint flag − base (when positive), uvarint
//	         agree, disagree, not assessable
//
// A string is a uvarint length and its bytes. A reader skips a record of
// another format by its length. Times are kept to the second.
const factFormat = 1

const (
	kindFinal     = 'F'
	kindCancelled = 'X'
	kindWithdrawn = 'W'
)

// factTimes lists a record's times in their order in the encoding.
func factTimes(t *worklist.Turnaround) [10]*time.Time {
	return [10]*time.Time{&t.Due, &t.OrderedAt, &t.CompletedAt, &t.FirstAIAt, &t.FirstFlagAt, &t.FirstClaimedAt,
		&t.PreliminaryAt, &t.ReportedAt, &t.CorrectedAt, &t.CancelledAt}
}

// appendFact appends the record of t, closed at base, to b.
func appendFact(b []byte, t *worklist.Turnaround, base time.Time) []byte {
	var body []byte
	kind := byte(kindFinal)
	if t.Status == worklist.StatusCancelled {
		kind = kindCancelled
	}
	body = append(body, factFormat, kind)
	body = appendString(body, t.Accession)
	body = binary.AppendUvarint(body, uint64(t.Version))
	for _, s := range []string{t.Modality, t.ProcedureCode, t.Priority, t.PatientClass, t.Section, t.Reader} {
		body = appendString(body, s)
	}
	body = append(body, byte(t.Band))
	b0 := base.Unix()
	body = binary.AppendVarint(body, b0)
	times := factTimes(t)
	var mask uint64
	for i, p := range times {
		if !p.IsZero() {
			mask |= 1 << i
		}
	}
	body = binary.AppendUvarint(body, mask)
	for _, p := range times {
		if !p.IsZero() {
			body = binary.AppendVarint(body, p.Unix()-b0)
		}
	}
	body = binary.AppendUvarint(body, uint64(len(t.AI)))
	for _, a := range t.AI {
		body = appendString(body, a.Algorithm)
		body = appendString(body, a.Version)
		var flags byte
		if a.Positive {
			flags |= 1
		}
		if a.Discrepancy {
			flags |= 2
		}
		if a.Failed {
			flags |= 4
		}
		if a.Pending {
			flags |= 8
		}
		body = append(body, flags, byte(a.Band))
		body = binary.AppendVarint(body, a.At.Unix()-b0)
		if a.Positive {
			body = binary.AppendVarint(body, a.FlagAt.Unix()-b0)
		}
		for _, n := range []int{a.Agree, a.Disagree, a.NotAssessable} {
			body = binary.AppendUvarint(body, uint64(max(n, 0)))
		}
	}
	b = binary.AppendUvarint(b, uint64(len(body)))
	return append(b, body...)
}

// appendWithdrawal appends the record that takes the study acc (at
// version) out of a day's records.
func appendWithdrawal(b []byte, acc string, version int64) []byte {
	body := []byte{factFormat, kindWithdrawn}
	body = appendString(body, acc)
	body = binary.AppendUvarint(body, uint64(version))
	b = binary.AppendUvarint(b, uint64(len(body)))
	return append(b, body...)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errFactFormat = errors.New("malformed turnaround record")

// factDecoder decodes the records of one site's days. It interns the
// strings it reads, which repeat (modalities, readers, algorithms), so
// that a year of records holds one copy of each.
type factDecoder struct {
	site    string
	strings map[string]string
	index   map[string]int // accession -> position in out, within one day
}

func newFactDecoder() *factDecoder {
	return &factDecoder{strings: map[string]string{}, index: map[string]int{}}
}

// decodeDay appends the studies of one day's records to out, each study
// once: the record of its highest version, none if that is a withdrawal.
func (d *factDecoder) decodeDay(data []byte, out []worklist.Turnaround) ([]worklist.Turnaround, error) {
	clear(d.index)
	start := len(out)
	out = slices.Grow(out, countRecords(data))
	withdrawn := 0
	for len(data) > 0 {
		n, k := binary.Uvarint(data)
		if k <= 0 || n > uint64(len(data)-k) {
			return out, errFactFormat
		}
		rec := data[k : k+int(n)]
		data = data[k+int(n):]
		if len(rec) < 2 || rec[0] != factFormat {
			continue // a format this build does not know
		}
		// Decoded in place, at the end of out: kept there when the study
		// is new, moved onto its earlier record when a later version.
		out = append(out, worklist.Turnaround{})
		t := &out[len(out)-1]
		if err := d.decode(rec, t); err != nil {
			return out[:len(out)-1], err
		}
		i, seen := d.index[t.Accession]
		switch {
		case !seen:
			d.index[t.Accession] = len(out) - 1
			continue
		case t.Version >= out[i].Version:
			out[i] = *t
		}
		out[len(out)-1] = worklist.Turnaround{}
		out = out[:len(out)-1]
	}
	// Drop the withdrawn studies.
	kept := out[:start]
	for _, t := range out[start:] {
		if t.Status == "" {
			withdrawn++
			continue
		}
		kept = append(kept, t)
	}
	if withdrawn == 0 {
		return out, nil
	}
	clear(out[len(kept):])
	return kept, nil
}

// countRecords returns how many records data holds (an upper bound of
// the studies it decodes to), by their lengths alone.
func countRecords(data []byte) int {
	n := 0
	for len(data) > 0 {
		l, k := binary.Uvarint(data)
		if k <= 0 || l > uint64(len(data)-k) {
			break
		}
		data = data[k+int(l):]
		n++
	}
	return n
}

// decode reads one record (after its length).
func (d *factDecoder) decode(rec []byte, t *worklist.Turnaround) error {
	r := factReader{b: rec[2:], d: d}
	t.Site = d.site
	t.Accession = string(r.bytes()) // unique: not interned
	t.Version = int64(r.uvarint())
	switch rec[1] {
	case kindFinal:
		t.Status = worklist.StatusFinal
	case kindCancelled:
		t.Status = worklist.StatusCancelled
	case kindWithdrawn:
		return r.err // Status "" marks the withdrawal
	default:
		return fmt.Errorf("%w: kind %q", errFactFormat, rec[1])
	}
	for _, p := range []*string{&t.Modality, &t.ProcedureCode, &t.Priority, &t.PatientClass, &t.Section, &t.Reader} {
		*p = r.string()
	}
	t.Band = triage.Band(r.byte())
	base := r.varint()
	mask := r.uvarint()
	for i, p := range factTimes(t) {
		if mask&(1<<i) != 0 {
			*p = time.Unix(base+r.varint(), 0).UTC()
		}
	}
	if n := r.uvarint(); n > 0 && n < 256 {
		t.AI = make([]worklist.AIOutcome, n)
		for i := range t.AI {
			a := &t.AI[i]
			a.Algorithm, a.Version = r.string(), r.string()
			flags := r.byte()
			a.Positive, a.Discrepancy, a.Failed, a.Pending = flags&1 != 0, flags&2 != 0, flags&4 != 0, flags&8 != 0
			a.Band = triage.Band(r.byte())
			a.At = time.Unix(base+r.varint(), 0).UTC()
			if a.Positive {
				a.FlagAt = time.Unix(base+r.varint(), 0).UTC()
			}
			a.Agree, a.Disagree, a.NotAssessable = int(r.uvarint()), int(r.uvarint()), int(r.uvarint())
		}
	}
	return r.err
}

// factReader reads the fields of one record; the first error sticks.
type factReader struct {
	b   []byte
	d   *factDecoder
	err error
}

func (r *factReader) fail() {
	if r.err == nil {
		r.err = errFactFormat
	}
	r.b = nil
}

func (r *factReader) uvarint() uint64 {
	v, k := binary.Uvarint(r.b)
	if k <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[k:]
	return v
}

func (r *factReader) varint() int64 {
	v, k := binary.Varint(r.b)
	if k <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[k:]
	return v
}

func (r *factReader) byte() byte {
	if len(r.b) == 0 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *factReader) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	b := r.b[:n]
	r.b = r.b[n:]
	return b
}

func (r *factReader) string() string {
	b := r.bytes()
	if len(b) == 0 {
		return ""
	}
	s, ok := r.d.strings[string(b)] // the lookup does not allocate
	if !ok {
		s = string(b)
		r.d.strings[s] = s
	}
	return s
}
