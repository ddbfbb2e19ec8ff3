package hl7

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// corpusFiles returns the shared HL7 feeds of the repository's testdata:
// the radiology corpus and the public samples.
func corpusFiles(tb testing.TB) []string {
	tb.Helper()
	var files []string
	for _, pattern := range []string{"../testdata/hl7/*.hl7", "../testdata/samples/*.hl7"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			tb.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		tb.Fatal("no HL7 files under ../testdata; the corpus is missing")
	}
	sort.Strings(files)
	return files
}

// corpusMessages returns every message of the corpus, split as a receiver
// would.
func corpusMessages(tb testing.TB) (names []string, msgs [][]byte) {
	tb.Helper()
	for _, f := range corpusFiles(tb) {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		for i, m := range Split(data) {
			names = append(names, filepath.Base(f)+"#"+itoa(i+1))
			msgs = append(msgs, m)
		}
	}
	return names, msgs
}

// TestCorpusParses parses every message of the shared corpus: the radiology
// feed and the public samples with their defects must all be readable.
func TestCorpusParses(t *testing.T) {
	// Messages of the public samples that HL7 itself calls invalid.
	refused := map[string]error{
		"hapi_example_oml_o21_large_nonascii.hl7#11": ErrRequired, // no MSH-10
		"hapi_example_oml_o21_large_nonascii.hl7#12": ErrRequired, // no MSH-10
	}
	names, msgs := corpusMessages(t)
	for i, msg := range msgs {
		m, err := Parse(msg)
		if want, ok := refused[names[i]]; ok {
			if !errors.Is(err, want) {
				t.Errorf("%s: Parse error %v, want %v", names[i], err, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", names[i], err)
			continue
		}
		// Every ACK of every message parses again.
		if _, err := Parse(Ack{Code: AA}.For(m)); err != nil {
			t.Errorf("%s: ACK does not parse: %v", names[i], err)
		}
	}
}

// TestBrokenCorpus checks that every file under testdata/hl7/broken is
// refused or, if it parses, lacks what a worklist needs; none may panic.
func TestBrokenCorpus(t *testing.T) {
	files, _ := filepath.Glob("../testdata/hl7/broken/*.hl7")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, msg := range append(Split(data), data) {
			if m, err := Parse(msg); err == nil {
				_ = m.Get("OBR-18")
			}
			if _, err := Parse(Ack{Code: AR}.ForRaw(msg)); err != nil {
				t.Errorf("%s: reject ACK does not parse: %v", filepath.Base(f), err)
			}
		}
	}
}
