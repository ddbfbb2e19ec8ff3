package ingest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/hl7"
	"github.com/voorrang/voorrang/worklist"
)

func parseFile(t *testing.T, name string) []*hl7.Message {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("../testdata/hl7", name))
	if err != nil {
		t.Fatal(err)
	}
	var ms []*hl7.Message
	for _, raw := range hl7.Split(data) {
		m, err := hl7.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ms = append(ms, m)
	}
	return ms
}

func TestNormaliseCorpus(t *testing.T) {
	tests := []struct {
		file      string
		kind      worklist.EventKind
		site, acc string
		check     func(t *testing.T, e worklist.Event)
	}{
		{"zhwest_orm_nw_ct_oncology.hl7", worklist.OrderPlaced, "ZHWEST", "W26000101", func(t *testing.T, e worklist.Event) {
			o := e.Order
			want := worklist.Patient{MRN: "7012345", BSN: "999990019", Family: "van den Berg", Prefix: "van den",
				Surname: "Berg", Given: "Jan", Initials: "J", BirthDate: "1958-03-14", Sex: "M"}
			if o.Patient != want {
				t.Errorf("patient %+v\nwant %+v", o.Patient, want)
			}
			if o.PatientClass != "O" || o.Priority != "R" || o.Modality != "CT" || o.ProcedureCode != "CTTHAB" || o.OrderedAt.IsZero() {
				t.Errorf("order %+v", o)
			}
		}},
		{"zhwest_orm_sc_cm_ct_oncology.hl7", worklist.ExamCompleted, "ZHWEST", "W26000101", func(t *testing.T, e worklist.Event) {
			if got := e.Order.CompletedAt.UTC().Format(time.TimeOnly); got != "07:50:55" {
				t.Errorf("completed at %s, want 07:50:55 UTC (08:50:55+0100)", got)
			}
		}},
		{"zhwest_orm_sc_ip.hl7", worklist.ExamStarted, "ZHWEST", "W26000101", nil},
		{"zhwest_orm_xo_change_priority.hl7", worklist.OrderChanged, "ZHWEST", "W26000104", func(t *testing.T, e worklist.Event) {
			if e.Order.Priority != "S" {
				t.Errorf("priority %q, want S", e.Order.Priority)
			}
		}},
		{"zhwest_orm_ca_cancel.hl7", worklist.OrderCancelled, "ZHWEST", "W26000105", nil},
		{"zhoost_orm_oc.hl7", worklist.OrderCancelled, "ZHOOST", "E26000205", nil},
		{"zhoost_orm_dc.hl7", worklist.OrderCancelled, "ZHOOST", "E26000206", nil},
		{"zhoost_omi_o23_ct_head_stat.hl7", worklist.OrderPlaced, "ZHOOST", "E26000201", func(t *testing.T, e worklist.Event) {
			o := e.Order
			if o.Priority != "S" || o.PatientClass != "E" || o.StudyUID == "" || o.Modality != "CT" {
				t.Errorf("order %+v", o)
			}
		}},
		{"zhoost_omi_o23_mr_knee_routine.hl7", worklist.OrderPlaced, "ZHOOST", "E26000203", func(t *testing.T, e worklist.Event) {
			if e.Order.Patient.Family != "Çelik" || e.Order.Patient.Given != "Ayşe" {
				t.Errorf("name %+v", e.Order.Patient)
			}
		}},
		{"zhwest_orm_nw_dx_chest_inpatient_latin1.hl7", worklist.OrderPlaced, "ZHWEST", "W26000107", func(t *testing.T, e worklist.Event) {
			if e.Order.Patient.Family != "Müller" || e.Order.Priority != "T" {
				t.Errorf("order %+v", e.Order)
			}
		}},
		{"zhwest_oru_ai_pe_positive.hl7", worklist.AIResultReceived, "ZHWEST", "W26000101", func(t *testing.T, e worklist.Event) {
			ai := e.AI
			if ai.ID != "aidoc-20261123-0001" || ai.Algorithm.ID != "aidoc-pe" || ai.Algorithm.Version != "2.1" || len(ai.Findings) != 1 {
				t.Fatalf("result %+v", ai)
			}
			f := ai.Findings[0]
			if f.Code != "PE" || !f.Positive || f.Confidence != 0.94 || f.Location != "right lower lobe segmental artery (image 143)" ||
				f.ViewerURL != "https://ai.example.org/viewer/aidoc-20261123-0001" || f.Algorithm.Vendor != "Aidoc" {
				t.Errorf("finding %+v", f)
			}
		}},
		{"zhwest_oru_ai_pe_negative.hl7", worklist.AIResultReceived, "ZHWEST", "W26000103", func(t *testing.T, e worklist.Event) {
			if f := e.AI.Findings[0]; f.Positive || f.Confidence != 0.03 {
				t.Errorf("finding %+v", f)
			}
		}},
		{"zhoost_oru_ai_ich_positive.hl7", worklist.AIResultReceived, "ZHOOST", "E26000201", func(t *testing.T, e worklist.Event) {
			if f := e.AI.Findings[0]; !f.Positive || f.Code != "ICH" {
				t.Errorf("finding %+v", f)
			}
		}},
		{"zhwest_oru_report_prelim.hl7", worklist.ReportPreliminary, "ZHWEST", "W26000101", nil},
		{"zhwest_oru_report_final.hl7", worklist.ReportFinal, "ZHWEST", "W26000101", func(t *testing.T, e worklist.Event) {
			if e.Report.Reader != "Jansen" {
				t.Errorf("reader %q", e.Report.Reader)
			}
		}},
		{"zhwest_oru_report_corrected.hl7", worklist.ReportCorrected, "ZHWEST", "W26000101", nil},
		{"zhwest_adt_a08_update.hl7", worklist.PatientUpdated, "ZHWEST", "", func(t *testing.T, e worklist.Event) {
			if e.Patient.Family != "de Vries-van Dijk" || e.Patient.BirthDate != "1991-02-07" {
				t.Errorf("patient %+v", e.Patient)
			}
		}},
		{"variant_alt_delims.hl7", worklist.OrderPlaced, "ZHWEST", "W26000141", nil},
		{"variant_stray_line.hl7", worklist.OrderPlaced, "ZHWEST", "W26000141", nil},
	}
	n := normaliser{mapping: DefaultMapping()}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			events, err := n.events(parseFile(t, tt.file)[0])
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 1 {
				t.Fatalf("%d events", len(events))
			}
			e := events[0]
			if e.Kind != tt.kind || e.Site != tt.site || e.Accession != tt.acc {
				t.Fatalf("event %s %s %s, want %s %s %s", e.Kind, e.Site, e.Accession, tt.kind, tt.site, tt.acc)
			}
			if e.At.IsZero() {
				t.Error("event without a time")
			}
			if tt.check != nil {
				tt.check(t, e)
			}
		})
	}
}

func TestNormaliseBatchAndVariantsAgree(t *testing.T) {
	n := normaliser{mapping: DefaultMapping()}
	var first *worklist.Order
	for _, f := range []string{"variant_cr.hl7", "variant_lf.hl7", "variant_crlf.hl7", "variant_bom.hl7",
		"variant_blank_lines.hl7", "variant_alt_delims.hl7", "variant_msh2_5chars.hl7", "variant_stray_line.hl7"} {
		events, err := n.events(parseFile(t, f)[0])
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		o := events[0].Order
		if first == nil {
			first = o
			continue
		}
		if *o != *first {
			t.Errorf("%s: %+v\nwant %+v", f, *o, *first)
		}
	}
	if got := len(parseFile(t, "variant_batch.hl7")); got != 3 {
		t.Errorf("batch holds %d messages, want 3", got)
	}
}

func TestNormaliseErrors(t *testing.T) {
	n := normaliser{mapping: DefaultMapping()}
	tests := []struct {
		file     string
		location string
		code     hl7.ErrorCode
	}{
		{"orm_missing_orc_obr.hl7", "ORC", hl7.CodeSegmentSequence},
		{"orm_no_accession.hl7", "OBR-18", hl7.CodeRequiredFieldMissing},
		{"truncated_mid_segment_no_obr.hl7", "OBR", hl7.CodeSegmentSequence},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("../testdata/hl7/broken", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			m, err := hl7.Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			_, err = n.events(m)
			me, ok := err.(*mapError)
			if !ok {
				t.Fatalf("error %v, want a mapping error", err)
			}
			loc := (&hl7.ParseError{Segment: me.Segment, Field: me.Field}).Location()
			if loc != tt.location || me.Code != tt.code {
				t.Errorf("error at %s code %d (%s), want %s code %d", loc, me.Code, me.Text, tt.location, tt.code)
			}
		})
	}
}

func TestReportStatusesThatChangeNothing(t *testing.T) {
	n := normaliser{mapping: DefaultMapping()}
	for _, status := range []string{"I", "S", "R", "A"} {
		m := parseFile(t, "zhwest_oru_report_prelim.hl7")[0]
		raw := strings.Replace(m.String(), "|P||", "|"+status+"||", 1)
		m2, err := hl7.Parse([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if m2.Get("OBR-25") != status {
			t.Fatalf("OBR-25 = %q, want %q", m2.Get("OBR-25"), status)
		}
		events, err := n.events(m2)
		if err != nil || len(events) != 0 {
			t.Errorf("OBR-25 %s: %d events, %v; want none and no error", status, len(events), err)
		}
	}
}
