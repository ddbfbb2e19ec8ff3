package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/voorrang/voorrang/hl7"
)

type peerLine struct {
	File   string             `json:"file"`
	Index  int                `json:"index"`
	Fields map[string]*string `json:"fields"`
	Error  string             `json:"error"`
}

// TestDifferentialMedplum compares the 20 worklist fields Voorrang reads
// with what @medplum/core reads, on the whole corpus. Differences that come
// from medplum not splitting subcomponents, not decoding the HL7 null and
// reading text as UTF-8 (bench/peer/lib.mjs lists its quirks) are
// normalised away; any other difference fails the test. The only messages
// Voorrang refuses and medplum reads lack MSH-10, which HL7 requires.
func TestDifferentialMedplum(t *testing.T) {
	root := "../.."
	if _, err := os.Stat(filepath.Join(root, "node_modules/@medplum/core")); err != nil {
		t.Fatal("node_modules/@medplum/core is missing: run `npm ci` (make test does)")
	}
	files, err := expand([]string{filepath.Join(root, "testdata/hl7"), filepath.Join(root, "testdata/samples")})
	if err != nil {
		t.Fatal(err)
	}
	paths, err := loadFields(filepath.Join(root, "bench/peer/fields.json"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", append([]string{filepath.Join(root, "bench/peer/extract.mjs")}, files...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("extract.mjs: %v", err)
	}
	peer := map[string]peerLine{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var l peerLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		peer[filepath.Base(l.File)+"#"+strconv.Itoa(l.Index+1)] = l
	}
	compared, seen := 0, map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, raw := range hl7.Split(data) {
			key := filepath.Base(f) + "#" + strconv.Itoa(i+1)
			seen[key] = true
			p, ok := peer[key]
			if !ok {
				t.Errorf("%s: the peer has no such message", key)
				continue
			}
			m, err := hl7.Parse(raw)
			if err != nil {
				if p.Error == "" {
					t.Logf("%s: Voorrang refuses (%v), the peer reads it", key, err)
				}
				continue
			}
			if p.Error != "" {
				t.Errorf("%s: the peer fails: %s", key, p.Error)
				continue
			}
			d := m.Delimiters()
			for _, path := range paths {
				name := path.String()
				got := m.Value(path).String()
				want := ""
				if v := p.Fields[name]; v != nil {
					want = *v
				}
				// medplum does not split subcomponents; Voorrang's String reads the first.
				if d.Subcomponent != 0 {
					want, _, _ = strings.Cut(want, string(d.Subcomponent))
				}
				want = unescapeDelimiters(want, d)
				if want == `""` { // medplum keeps the HL7 null as two quotes
					want = ""
				}
				if !isUTF8Text(raw) && got != want {
					// Node decoded Latin-1 bytes as U+FFFD; Voorrang decodes them.
					want = strings.ToValidUTF8(want, "")
					got = strings.Map(func(r rune) rune {
						if r >= 0x80 {
							return -1
						}
						return r
					}, got)
					want = strings.ReplaceAll(want, "\uFFFD", "")
				}
				compared++
				if got == want {
					continue
				}
				t.Errorf("%s %s: Voorrang %q, @medplum/core %q", key, name, got, want)
			}
		}
	}
	for key := range peer {
		if !seen[key] {
			t.Errorf("%s: the peer split out a message Voorrang did not", key)
		}
	}
	if compared < 1000 {
		t.Errorf("compared only %d values", compared)
	}
	t.Logf("compared %d values of %d messages", compared, len(seen))
}

// unescapeDelimiters decodes \F\ \S\ \T\ \R\ \E\ as bench/peer/lib.mjs
// does for medplum, which unescapes nothing itself.
func unescapeDelimiters(s string, d hl7.Delimiters) string {
	e := string(d.Escape)
	return strings.NewReplacer(e+"F"+e, string(d.Field), e+"S"+e, string(d.Component),
		e+"T"+e, string(d.Subcomponent), e+"R"+e, string(d.Repetition), e+"E"+e, e).Replace(s)
}

func isUTF8Text(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return strings.ToValidUTF8(string(b), "\x00") == string(b)
		}
	}
	return true
}
