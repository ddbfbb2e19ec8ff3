package hl7

import "testing"

// WorklistFields are the 20 values the worklist reads from an order; the
// peer benchmark (bench/peer) reads the same ones.
var worklistFields = []string{
	"MSH-3", "MSH-4", "MSH-9.1", "MSH-9.2", "MSH-10",
	"PID-3.1", "PID-5.1", "PID-5.2", "PID-7", "PID-8",
	"PV1-2", "ORC-1", "ORC-2.1", "ORC-5", "OBR-3.1",
	"OBR-4.1", "OBR-4.2", "OBR-18", "OBR-24", "OBR-27.6",
}

func BenchmarkParseORM(b *testing.B) {
	data := []byte(orm)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkORM20Fields is the quality bar: a typical ORM^O01 parsed and its
// 20 worklist fields read.
func BenchmarkORM20Fields(b *testing.B) {
	data := []byte(orm)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		m, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range worklistFields {
			n += len(m.Get(p))
		}
	}
	if n == 0 {
		b.Fatal("read nothing")
	}
}

// BenchmarkRead20Fields reads the 20 fields of a parsed message: it must
// not allocate.
func BenchmarkRead20Fields(b *testing.B) {
	m, err := Parse([]byte(orm))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, p := range worklistFields {
			n += len(m.Get(p))
		}
	}
	if n == 0 {
		b.Fatal("read nothing")
	}
}

// BenchmarkCorpus parses every message of the shared corpus and reads the
// 20 fields; ns/op is per corpus pass, and the msgs/s metric is comparable
// with the peer benchmark over the same files.
func BenchmarkCorpus(b *testing.B) {
	_, msgs := corpusMessages(b)
	size := 0
	for _, m := range msgs {
		size += len(m)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, data := range msgs {
			m, err := Parse(data)
			if err != nil {
				continue
			}
			for _, p := range worklistFields {
				n += len(m.Get(p))
			}
		}
	}
	b.ReportMetric(float64(b.N*len(msgs))/b.Elapsed().Seconds(), "msgs/s")
}

func TestReadingFieldsDoesNotAllocate(t *testing.T) {
	m := mustParse(t, orm)
	allocs := testing.AllocsPerRun(100, func() {
		for _, p := range worklistFields {
			_ = m.Get(p)
		}
	})
	if allocs != 0 {
		t.Errorf("reading the 20 fields allocates %v times, want 0", allocs)
	}
}

func BenchmarkRead20FieldsCompiled(b *testing.B) {
	m, err := Parse([]byte(orm))
	if err != nil {
		b.Fatal(err)
	}
	paths := make([]Path, len(worklistFields))
	for i, s := range worklistFields {
		paths[i], _ = ParsePath(s)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for i := range paths {
			n += len(m.Value(paths[i]).String())
		}
	}
	if n == 0 {
		b.Fatal("read nothing")
	}
}

func BenchmarkBaselineLoop(b *testing.B) {
	s := []byte(orm)
	n := 0
	for b.Loop() {
		for _, c := range s {
			if c == '|' {
				n++
			}
		}
	}
	if n == 0 {
		b.Fatal()
	}
}
