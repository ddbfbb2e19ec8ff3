package ingest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voorrang/voorrang/hl7"
	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

func newHandler(t *testing.T, now time.Time) (*Handler, *redisstore.Store) {
	t.Helper()
	rdb := redistest.Client(t)
	store := redisstore.New(rdb, redisstore.Options{Prefix: redistest.Prefix(t, rdb), Now: func() time.Time { return now }})
	h := &Handler{Store: store, Mapping: DefaultMapping(), Application: "VOORRANG",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }}
	return h, store
}

func msa(t *testing.T, ack []byte) (code, text string) {
	t.Helper()
	m, err := hl7.Parse(ack)
	if err != nil {
		t.Fatalf("ACK does not parse: %v", err)
	}
	return m.Get("MSA-1"), m.Get("MSA-3") + m.Get("ERR-8")
}

// TestFeedDay sends a morning's feed of both sites through the handler
// into Redis and checks the reading list a radiologist would see.
func TestFeedDay(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 45, 0, 0, time.UTC)
	h, store := newHandler(t, now)
	ctx := context.Background()
	data, err := os.ReadFile("../testdata/hl7/zhwest_feed_day.hl7")
	if err != nil {
		t.Fatal(err)
	}
	msgs := hl7.Split(data)
	if len(msgs) != 32 {
		t.Fatalf("%d messages in the feed", len(msgs))
	}
	acks := make([][]byte, len(msgs))
	for i, raw := range msgs {
		acks[i] = h.ServeMLLP(ctx, raw)
		if code, text := msa(t, acks[i]); code != "AA" && code != "CA" {
			t.Errorf("message %d: %s %s", i+1, code, text)
		}
	}
	// Message 21 resends message 20: it gets the very same ACK.
	if !bytes.Equal(acks[20], acks[19]) {
		t.Errorf("resend answered\n%q\nnot the original\n%q", acks[20], acks[19])
	}
	if d := h.Stats().Duplicates.Load(); d != 1 {
		t.Errorf("%d duplicates counted", d)
	}
	st, err := store.Get(ctx, "ZHWEST", "W26000121")
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != worklist.StatusFinal || len(st.Results) != 1 {
		t.Errorf("W26000121: status %s, %d results; want final with the PE result once", st.Status, len(st.Results))
	}
	page, err := store.List(ctx, worklist.Query{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range page.Studies {
		got = append(got, s.Accession+":"+s.Rank.Band.String())
	}
	want := "[E26000223:urgent E26000224:urgent W26000122:urgent W26000124:routine W26000125:routine]"
	if fmt.Sprint(got) != want {
		t.Errorf("reading list\n%v\nwant\n%v", got, want)
	}
	e223 := page.Studies[0]
	if len(e223.Results) != 1 || e223.Results[0].Findings[0].Code != "FX" {
		t.Errorf("E26000223 lacks the fracture result that came before its order: %+v", e223.Results)
	}
}

func TestCorpusScenarios(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	h, store := newHandler(t, now)
	ctx := context.Background()
	send := func(name string) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join("../testdata/hl7", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range hl7.Split(data) {
			if code, text := msa(t, h.ServeMLLP(ctx, raw)); code != "AA" && code != "CA" {
				t.Fatalf("%s: %s %s", name, code, text)
			}
		}
	}
	// The incidental PE on a routine oncology CT.
	send("zhwest_orm_nw_ct_oncology.hl7")
	send("zhwest_orm_sc_ip.hl7")
	send("zhwest_orm_sc_cm_ct_oncology.hl7")
	st, _ := store.Get(ctx, "ZHWEST", "W26000101")
	if st.Rank.Band != triage.Routine || !st.OnList {
		t.Fatalf("completed oncology CT: band %s onList %v", st.Rank.Band, st.OnList)
	}
	send("zhwest_oru_ai_pe_positive.hl7")
	st, _ = store.Get(ctx, "ZHWEST", "W26000101")
	if st.Rank.Band != triage.Critical || st.Rank.Reasons[0].Text != "AI: incidental PE 94% (Incidental PE v2.1)" {
		t.Errorf("after the PE: %s %v", st.Rank.Band, st.Rank.Reasons)
	}
	send("zhwest_oru_report_prelim.hl7")
	if st, _ = store.Get(ctx, "ZHWEST", "W26000101"); !st.OnList {
		t.Error("a preliminary report took the study off the list")
	}
	send("zhwest_oru_report_final.hl7")
	if st, _ = store.Get(ctx, "ZHWEST", "W26000101"); st.OnList || st.Status != worklist.StatusFinal || !st.CorrectedAt.IsZero() {
		t.Errorf("after the final report: onList %v status %s corrected %v", st.OnList, st.Status, st.CorrectedAt)
	}
	send("zhwest_oru_report_corrected.hl7")
	if st, _ = store.Get(ctx, "ZHWEST", "W26000101"); st.OnList || st.Status != worklist.StatusFinal || st.CorrectedAt.IsZero() {
		t.Errorf("after the corrected report: onList %v status %s corrected %v", st.OnList, st.Status, st.CorrectedAt)
	}
	// ADT^A08 corrects the patient of an open study.
	send("zhwest_orm_nw_ed_wrist_stat.hl7")
	send("zhwest_adt_a08_update.hl7")
	if st, _ = store.Get(ctx, "ZHWEST", "W26000102"); st.Patient.Family != "de Vries-van Dijk" || st.Patient.BirthDate != "1991-02-07" {
		t.Errorf("after A08: %+v", st.Patient)
	}
	// A batch file holds three orders.
	send("variant_batch.hl7")
	for _, acc := range []string{"W26000151", "W26000152", "W26000153"} {
		if _, err := store.Get(ctx, "ZHWEST", acc); err != nil {
			t.Errorf("%s: %v", acc, err)
		}
	}
}

func TestRefusedMessagesAreKept(t *testing.T) {
	h, store := newHandler(t, time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC))
	ctx := context.Background()
	tests := []struct {
		file, code string
	}{
		{"binary_garbage.hl7", "AR"},
		{"unsupported_type_siu_s12.hl7", "AR"},
		{"msh9_empty.hl7", "CR"},
		{"orm_no_accession.hl7", "CE"},
		{"orm_missing_orc_obr.hl7", "CE"},
		{"truncated_mid_segment_no_obr.hl7", "CE"},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(filepath.Join("../testdata/hl7/broken", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		code, text := msa(t, h.ServeMLLP(ctx, data))
		if code != tt.code && code != tt.code[:0]+"A"+tt.code[1:] {
			t.Errorf("%s: %s (%s), want %s", tt.file, code, text, tt.code)
		}
		if text == "" {
			t.Errorf("%s: the ACK does not say why", tt.file)
		}
	}
	dl, total, err := store.DeadLetters(ctx, 0, 100)
	if err != nil || total != int64(len(tests)) {
		t.Fatalf("%d dead letters (%v), want %d", total, err, len(tests))
	}
	if dl[0].Message == "" || dl[0].Reason == "" {
		t.Errorf("dead letter %+v lacks message or reason", dl[0])
	}
}

func TestOneMessagePerFrame(t *testing.T) {
	h, _ := newHandler(t, time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC))
	data, err := os.ReadFile("../testdata/hl7/variant_batch.hl7")
	if err != nil {
		t.Fatal(err)
	}
	code, text := msa(t, h.ServeMLLP(context.Background(), data))
	if code != "AR" || !strings.Contains(text, "frame holds 3 messages") {
		t.Errorf("a batch in one frame: %s %q", code, text)
	}
}

// TestUnsupportedTypeCut: the ACK's text about a message type Voorrang
// does not take quotes the type, cut short: it is the sender's input, and
// the text is logged and kept with the dead letter.
func TestUnsupportedTypeCut(t *testing.T) {
	long := strings.Repeat("X", 300)
	tests := []struct {
		name, msh9, want string
	}{
		{"type", long + "^O01", `message type "` + long[:16] + `..." is not supported`},
		{"trigger", "ORM^" + long, `trigger event "` + long[:16] + `..." of ORM is not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := hl7.Parse([]byte("MSH|^~\\&|RIS|ZHWEST|VOORRANG|ZHWEST|20261123090000||" + tt.msh9 + "|1|P|2.5\r"))
			if err != nil {
				t.Fatal(err)
			}
			e, ok := checkType(m)
			if ok || !strings.HasPrefix(e.Text, tt.want) {
				t.Errorf("%q, want it to start %q", e.Text, tt.want)
			}
		})
	}
}
