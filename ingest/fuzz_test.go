package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/hl7"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// FuzzDecodeAIResult: any body is either refused with a *FieldError or
// becomes an AI-result event that holds what the contract promises.
func FuzzDecodeAIResult(f *testing.F) {
	for _, b := range seeds(f, "../testdata/ai/*.json", "../testdata/ai/invalid/*.json") {
		f.Add(b)
	}
	f.Add([]byte(`{"accession":"A","site":"S","algorithm":{"id":"x"},"findings":[7],"producedAt":"2026-11-23T09:12:04Z"}`))
	received := time.Date(2026, 11, 23, 8, 12, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := DecodeAIResult(body, received)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, worklist.ErrInvalid) || fe.Message == "" {
				t.Fatalf("error %T %v: want a *FieldError with a message", err, err)
			}
			return
		}
		if msg := checkAIEvent(e); msg != "" {
			t.Fatalf("%s: %+v", msg, e)
		}
		if len(e.AI.ID) > 128 || !strings.HasPrefix(e.Source, "ai:"+e.Accession+"|") || !e.AI.ReceivedAt.Equal(received) {
			t.Fatalf("id %q source %q received %v", e.AI.ID, e.Source, e.AI.ReceivedAt)
		}
		for _, id := range []string{e.Site, e.Accession} {
			if strings.TrimSpace(id) == "" || len(id) > 64 || strings.ContainsAny(id, "{}") {
				t.Fatalf("site or accession %q", id)
			}
		}
		if _, err := json.Marshal(e); err != nil {
			t.Fatalf("the event does not encode: %v", err)
		}
	})
}

// checkAIEvent says what is wrong with an AI-result event, or "".
func checkAIEvent(e worklist.Event) string {
	switch {
	case e.Kind != worklist.AIResultReceived || e.AI == nil:
		return "not an AI result"
	case e.AI.ID == "" || e.AI.Algorithm.ID == "" && len(e.AI.Findings) > 0 && e.AI.Findings[0].Algorithm.ID == "":
		return "no result or algorithm ID"
	case len(e.AI.Findings) == 0 || len(e.AI.Findings) > maxFindings:
		return fmt.Sprintf("%d findings", len(e.AI.Findings))
	}
	for _, fd := range e.AI.Findings {
		if fd.Code == "" || fd.Confidence < 0 || fd.Confidence > 1 {
			return fmt.Sprintf("finding %+v", fd)
		}
	}
	return ""
}

// checkStore checks each event the handler applies, as far as the
// mapping promises, and accepts it.
type checkStore struct{ t *testing.T }

func (s checkStore) Apply(_ context.Context, e worklist.Event, ack []byte) (worklist.Outcome, error) {
	msg := ""
	switch e.Kind {
	case worklist.OrderPlaced, worklist.OrderChanged, worklist.OrderScheduled, worklist.ExamStarted, worklist.ExamCompleted,
		worklist.OrderCancelled, worklist.ReportPreliminary, worklist.ReportFinal, worklist.ReportCorrected:
	case worklist.AIResultReceived:
		msg = checkAIEvent(e)
	case worklist.PatientUpdated:
		if e.Patient == nil || e.Patient.MRN == "" {
			msg = "a patient update without an MRN"
		}
	default:
		msg = "unknown kind"
	}
	if e.Site == "" || e.Kind != worklist.PatientUpdated && e.Accession == "" || e.Source == "" || len(ack) == 0 {
		msg = "no site, accession, source or ACK"
	}
	if msg != "" {
		s.t.Fatalf("%s: %+v", msg, e)
	}
	return worklist.Outcome{Changed: true}, nil
}

func (checkStore) AddDeadLetter(context.Context, worklist.DeadLetter) error { return nil }

// FuzzServeMLLP sends any bytes through the handler, as an MLLP frame's
// content: parsing, the mapping of every message type to events, and the
// ACK. The events hold what the mapping promises, and every answer is an
// ACK that parses, with an acknowledgement code.
func FuzzServeMLLP(f *testing.F) {
	for _, data := range seeds(f, "../testdata/hl7/*.hl7", "../testdata/hl7/broken/*.hl7", "../testdata/samples/*.hl7") {
		for _, m := range hl7.Split(data) {
			f.Add(m)
		}
	}
	now := time.Date(2026, 11, 23, 9, 45, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		h := &Handler{Store: checkStore{t}, Mapping: DefaultMapping(), Application: "VOORRANG",
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }}
		ack, err := hl7.Parse(h.ServeMLLP(context.Background(), data))
		if err != nil {
			t.Fatalf("the answer is not HL7: %v", err)
		}
		switch code := ack.Get("MSA-1"); code {
		case "AA", "AE", "AR", "CA", "CE", "CR":
		default:
			t.Fatalf("MSA-1 %q", code)
		}
	})
}

// FuzzDecodeFHIR: any body posted to any FHIR route is either refused
// with a *FHIRError of a known issue type, or becomes AI-result events
// that hold what the contract promises.
func FuzzDecodeFHIR(f *testing.F) {
	for _, b := range seeds(f, "../testdata/ai/pe/*.fhir.json") {
		for k := range 3 {
			f.Add(uint8(k), b)
		}
	}
	f.Add(uint8(2), []byte(`{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Observation","contained":[{"resourceType":"Device"}]}}]}`))
	kinds := []string{"Observation", "DiagnosticReport", ""}
	received := time.Date(2026, 11, 23, 8, 12, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		post, err := DecodeFHIR(kinds[int(kind)%len(kinds)], body, received)
		if err != nil {
			var fe *FHIRError
			if !errors.As(err, &fe) || !errors.Is(err, worklist.ErrInvalid) || fe.Message == "" {
				t.Fatalf("error %T %v: want a *FHIRError with a message", err, err)
			}
			switch fe.Issue {
			case IssueStructure, IssueRequired, IssueValue, IssueNotSupported:
			default:
				t.Fatalf("issue type %q", fe.Issue)
			}
			return
		}
		if len(post.Events) == 0 {
			t.Fatal("no events and no error")
		}
		for _, en := range post.Entries {
			if en.Event < -1 || en.Event >= len(post.Events) {
				t.Fatalf("entry %+v of %d events", en, len(post.Events))
			}
		}
		for _, e := range post.Events {
			if msg := checkAIEvent(e); msg != "" {
				t.Fatalf("%s: %+v", msg, e)
			}
			if len(e.AI.ID) > 128 || e.Source != "ai:"+e.Accession+"|"+e.AI.ID || !e.AI.ReceivedAt.Equal(received) {
				t.Fatalf("id %q source %q received %v", e.AI.ID, e.Source, e.AI.ReceivedAt)
			}
			for _, id := range []string{e.Site, e.Accession} {
				if strings.TrimSpace(id) == "" || len(id) > 64 || strings.ContainsAny(id, "{}") {
					t.Fatalf("site or accession %q", id)
				}
			}
			for _, fd := range e.AI.Findings {
				if fd.Algorithm.ID == "" || fd.Presence == "" || fd.Positive != (fd.Presence == triage.Present) {
					t.Fatalf("finding %+v", fd)
				}
			}
			if _, err := json.Marshal(e); err != nil {
				t.Fatalf("the event does not encode: %v", err)
			}
		}
	})
}

// seeds returns the contents of the files that match patterns: a fuzz
// target's seed corpus, from the test feeds.
func seeds(f *testing.F, patterns ...string) [][]byte {
	f.Helper()
	var out [][]byte
	for _, pattern := range patterns {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		f.Fatalf("no seed files match %v", patterns)
	}
	return out
}
