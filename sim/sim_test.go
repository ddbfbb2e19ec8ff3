package sim

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/hl7"
)

// run runs a simulation with its own model of the list for d after Start
// and returns its messages.
func run(t *testing.T, opts Options, d time.Duration) (*Sim, []Message) {
	t.Helper()
	s := New(opts)
	var msgs []Message
	err := s.RunUntil(context.Background(), s.Start().Add(d), func(_ context.Context, m Message) error {
		msgs = append(msgs, m)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, msgs
}

func TestSameSeedSameMessages(t *testing.T) {
	_, a := run(t, Options{Seed: 42}, 6*time.Hour)
	_, b := run(t, Options{Seed: 42}, 6*time.Hour)
	if len(a) != len(b) {
		t.Fatalf("same seed: %d messages, then %d", len(a), len(b))
	}
	for i := range a {
		if !bytes.Equal(a[i].Data, b[i].Data) || !a[i].At.Equal(b[i].At) {
			t.Fatalf("same seed: message %d differs:\n%q\n%q", i, a[i].Data, b[i].Data)
		}
	}
	_, c := run(t, Options{Seed: 43}, 6*time.Hour)
	if len(c) > 0 && len(a) > 0 && bytes.Equal(a[0].Data, c[0].Data) {
		t.Errorf("seeds 42 and 43 give the same first message")
	}
}

func TestDayTellsTheWholeStory(t *testing.T) {
	s, msgs := run(t, Options{Seed: 3}, 24*time.Hour)
	st := s.Stats()
	for name, n := range map[string]int{
		"orders": st.Orders, "cancels": st.Cancels, "priority changes": st.Changes, "AI results": st.AIResults,
		"positive AI findings": st.Positive, "critical AI findings": st.Critical, "preliminary reports": st.Preliminary,
		"final reports": st.Final, "resends": st.Resends, "AI results before their order": st.Held,
	} {
		if n == 0 {
			t.Errorf("a simulated day has no %s", name)
		}
	}
	if st.Messages != len(msgs) {
		t.Errorf("Stats().Messages = %d, sent %d", st.Messages, len(msgs))
	}
	if max := 30 * 24 * 2; st.Orders > max {
		t.Errorf("%d orders in a day at 30 an hour", st.Orders)
	}
	// Readers keep up: most studies completed in the day are reported.
	if st.Final < st.Completed*3/4 {
		t.Errorf("%d final reports for %d completed exams", st.Final, st.Completed)
	}
	for i := 1; i < len(msgs); i++ {
		if msgs[i].At.Before(msgs[i-1].At) {
			t.Fatalf("message %d sent at %s, before message %d at %s", i, msgs[i].At, i-1, msgs[i-1].At)
		}
	}
}

func TestOpeningShowsCriticalAtOnce(t *testing.T) {
	for _, seed := range []int64{1, 2, 3} {
		s, msgs := run(t, Options{Seed: seed, Start: time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC)}, 5*time.Minute)
		found := false
		for _, m := range msgs {
			if m.Critical && !m.At.After(s.Start().Add(5*time.Minute)) {
				found = true
			}
		}
		if !found {
			t.Errorf("seed %d: no critical AI finding in the first 5 simulated minutes", seed)
		}
	}
}

// get reads a path's raw text (components and all).
func get(t *testing.T, m *hl7.Message, path string) string {
	t.Helper()
	p, err := hl7.ParsePath(path)
	if err != nil {
		t.Fatal(err)
	}
	return m.Value(p).Raw()
}

func TestMessageShapes(t *testing.T) {
	_, msgs := run(t, Options{Seed: 5}, 12*time.Hour)
	first := map[string]*hl7.Message{}
	for _, m := range msgs {
		parsed, err := hl7.Parse(m.Data)
		if err != nil {
			t.Fatalf("%s %s %s does not parse: %v", m.Site, m.Kind, m.Accession, err)
		}
		if w := parsed.Warnings(); len(w) > 0 {
			t.Errorf("%s %s %s: warnings %v", m.Site, m.Kind, m.Accession, w)
		}
		key := m.Site + " " + string(m.Kind)
		if m.Kind == KindCancel {
			key += " " + parsed.Get("ORC-1")
		}
		if first[key] == nil {
			first[key] = parsed
		}
	}
	acc := func(m *hl7.Message) string { return m.Get("OBR-3") }
	tests := []struct {
		name string
		want map[string]string // path -> raw value; "=OBR-3" means equal to the accession, "*" any non-empty
	}{
		{"ZHWEST order", map[string]string{"MSH-3": "HIX", "MSH-9": "ORM^O01", "MSH-12": "2.4", "MSH-15": "AL",
			"ORC-1": "NW", "ORC-5": "SC", "ORC-3": "=OBR-3^HIX", "OBR-18": "=OBR-3", "ZDS-1": "*", "PID-3[2].4": "NLMINBIZA",
			"PV1-2": "*", "ORC-7.6": "*", "OBR-24": "*", "OBR-36": "*", "IPC-1": ""}},
		{"ZHOOST order", map[string]string{"MSH-3": "EPIC", "MSH-9": "OMI^O23^OMI_O23", "MSH-12": "2.5.1",
			"MSH-18": "UNICODE UTF-8", "ORC-1": "NW", "ORC-3": "=OBR-3^EPIC", "IPC-1": "=OBR-3^EPIC", "OBR-18": "",
			"TQ1-9": "=ORC-7.6", "IPC-3": "*", "ZDS-1": ""}},
		{"ZHWEST completed", map[string]string{"ORC-1": "SC", "ORC-5": "CM", "OBR-7": "*", "OBR-8": "*", "OBR-18": "=OBR-3"}},
		{"ZHOOST completed", map[string]string{"MSH-9": "OMI^O23^OMI_O23", "ORC-1": "SC", "ORC-5": "CM", "OBR-8": "*", "IPC-1": "=OBR-3^EPIC"}},
		{"ZHWEST started", map[string]string{"ORC-1": "SC", "ORC-5": "IP", "OBR-7": "*", "OBR-8": ""}},
		{"ZHWEST cancel CA", map[string]string{"MSH-9": "ORM^O01", "ORC-1": "CA", "ORC-5": "CA", "ORC-16.2": "*"}},
		{"ZHOOST cancel OC", map[string]string{"MSH-9": "ORM^O01^ORM_O01", "MSH-12": "2.5.1", "ORC-5": "CA"}},
		{"ZHWEST ai-result", map[string]string{"MSH-3": "AIPLATFORM", "MSH-4": "ZHWEST", "MSH-9": "ORU^R01^ORU_R01",
			"OBR-18": "=OBR-3", "OBR-4.3": "AI", "OBR-20": "*", "OBR-25": "F", "OBX-2": "NM", "OBX-8": "*", "OBX-17.1": "=OBR-4.1",
			"OBX(2)-2": "RP", "PID-3[2]": ""}},
		{"ZHOOST ai-result", map[string]string{"MSH-3": "AIPLATFORM", "MSH-4": "ZHOOST", "OBR-18": "", "OBR-20": "*"}},
		{"ZHWEST final", map[string]string{"MSH-9": "ORU^R01^ORU_R01", "MSH-12": "2.5", "ORC-1": "RE", "OBR-25": "F",
			"OBR-32.1.2": "*", "OBX-2": "TX", "OBX-11": "F", "OBR-18": "=OBR-3"}},
		{"ZHOOST final", map[string]string{"MSH-3": "EPIC", "MSH-12": "2.5.1", "OBR-25": "F", "OBR-32.1.1": "*"}},
		{"ZHWEST preliminary", map[string]string{"OBR-25": "P", "OBX-11": "P", "OBR-32.1.6": "drs."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := first[tc.name]
			if m == nil {
				t.Fatalf("no %s in 12 simulated hours", tc.name)
			}
			for path, want := range tc.want {
				got := get(t, m, path)
				switch {
				case want == "*":
					if got == "" {
						t.Errorf("%s is empty", path)
					}
					continue
				case strings.HasPrefix(want, "="):
					ref, rest, _ := strings.Cut(want[1:], "^")
					want = get(t, m, ref)
					if ref == "OBR-3" {
						want = acc(m)
					}
					if rest != "" {
						want += "^" + rest
					}
				}
				if got != want {
					t.Errorf("%s = %q, want %q", path, got, want)
				}
			}
		})
	}
}

func TestPatientNames(t *testing.T) {
	_, msgs := run(t, Options{Seed: 9}, 4*time.Hour)
	prefixed := 0
	for _, m := range msgs {
		if m.Kind != KindOrder {
			continue
		}
		parsed, err := hl7.Parse(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		pid, _ := parsed.Segment("PID")
		n := pid.Field(5).Name()
		if n.OwnPrefix != "" {
			prefixed++
			if want := n.OwnPrefix + " " + n.OwnSurname; n.Family != want {
				t.Errorf("PID-5 family %q, want %q (prefix and surname)", n.Family, want)
			}
		}
		if n.Given == "" || n.Family == "" {
			t.Errorf("PID-5 %q lacks a name", get(t, parsed, "PID-5"))
		}
		if bsn := get(t, parsed, "PID-3[2].1"); !validBSN(bsn) || !strings.HasPrefix(bsn, "9999") {
			t.Errorf("BSN %q is not a 9999 test number passing the 11-test", bsn)
		}
		if get(t, parsed, "PID-7") == "" || get(t, parsed, "PID-3.1") == "" {
			t.Errorf("PID lacks birth date or MRN: %s", pid)
		}
	}
	if prefixed == 0 {
		t.Errorf("no surname with a prefix in 4 hours of orders")
	}
}

func TestBSN(t *testing.T) {
	tests := []struct {
		name string
		bsn  string
		want bool
	}{
		{"corpus", "999990019", true},
		{"corpus ZHOOST", "999990147", true},
		{"check digit off by one", "999990010", false},
		{"too short", "99999001", false},
		{"letters", "99999001x", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := validBSN(tc.bsn); got != tc.want {
				t.Errorf("validBSN(%q) = %v, want %v", tc.bsn, got, tc.want)
			}
		})
	}
	seen := map[string]bool{}
	for n := range 2000 {
		b := testBSN(n)
		if !validBSN(b) || !strings.HasPrefix(b, "9999") {
			t.Fatalf("testBSN(%d) = %q", n, b)
		}
		seen[b] = true
	}
	if len(seen) < 1900 {
		t.Errorf("2000 test BSNs hold only %d different numbers", len(seen))
	}
}

func TestStampMapsEveryTime(t *testing.T) {
	start := time.Date(2026, 11, 23, 7, 0, 0, 0, amsterdam)
	dayBefore := func(t time.Time) time.Time { return t.AddDate(0, 0, -1) }
	_, msgs := run(t, Options{Seed: 2, Start: start, Stamp: dayBefore}, 2*time.Hour)
	for _, m := range msgs {
		for _, seg := range strings.Split(string(m.Data), "\r") {
			if strings.HasPrefix(seg, "PID") {
				continue // birth dates are no stamps
			}
			if strings.Contains(seg, "20261123") {
				t.Fatalf("%s %s: a simulated time is written unmapped: %s", m.Kind, m.Accession, seg)
			}
		}
	}
}
