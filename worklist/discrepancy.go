package worklist

import (
	"time"

	"github.com/voorrang/voorrang/triage"
)

// A Discrepancy is a present AI finding that would have moved its study
// on the reading list, but came after the study's final report: the
// report may have missed it. It goes to the discrepancy list for the
// reporting radiologist and the AI officer, never back onto the reading
// list.
type Discrepancy struct {
	Site       string           `json:"site"`
	Accession  string           `json:"accession"`
	ResultID   string           `json:"resultId"`
	Algorithm  triage.Algorithm `json:"algorithm"`
	Finding    string           `json:"finding"` // its code, as sent
	Confidence *float64         `json:"confidence,omitempty"`
	// Band is the band the finding would have given the study.
	Band triage.Band `json:"band"`
	// Reader signed the final report (OBR-32, as sent).
	Reader     string    `json:"reader,omitempty"`
	ReportedAt time.Time `json:"reportedAt"`
	ReceivedAt time.Time `json:"receivedAt"`
	// Text says it for people: "AI: pulmonary embolism 91% (CTPA Triage
	// v3.0.2) after final report by dr. Jansen — review".
	Text string `json:"text"`
	// ReviewedBy and ReviewedAt say who reviewed it, when; Note what they
	// concluded.
	ReviewedBy string    `json:"reviewedBy,omitempty"`
	ReviewedAt time.Time `json:"reviewedAt,omitzero"`
	Note       string    `json:"note,omitempty"`
}

// Discrepancies returns the discrepancies that the AI result resultID
// makes on st: none unless st was finally reported before it came; then
// each present finding of it that rules let rank the study (its
// algorithm prioritises at the site, its confidence reaches the threshold,
// the study is within the intended use, and its concept moves a study).
func Discrepancies(st *Study, resultID string, rules *triage.Rules, now time.Time) []Discrepancy {
	if st.Status != StatusFinal || st.ReportedAt.IsZero() {
		return nil
	}
	f := st.Facts()
	first := 0
	var res *AIResult
	for i := range st.Results {
		if st.Results[i].ID == resultID {
			res = &st.Results[i]
			break
		}
		first += len(st.Results[i].Findings)
	}
	if res == nil || res.ReceivedAt.Before(st.ReportedAt) {
		return nil
	}
	var out []Discrepancy
	var reasons []triage.Reason
	for j := range res.Findings {
		band, ranks := rules.Ranks(&f, first+j, now)
		if !ranks {
			continue
		}
		if reasons == nil {
			reasons = rules.Rank(f, now).Reasons
		}
		fd := &res.Findings[j]
		text := "AI: " + fd.Display
		for _, r := range reasons {
			if r.Finding == first+j+1 {
				text = r.Text
			}
		}
		text += " after final report"
		if st.Reader != "" {
			text += " by dr. " + st.Reader
		}
		d := Discrepancy{Site: st.Site, Accession: st.Accession, ResultID: res.ID, Algorithm: res.Algorithm, Finding: fd.Code,
			Band: band, Reader: st.Reader, ReportedAt: st.ReportedAt, ReceivedAt: res.ReceivedAt, Text: text + " — review"}
		if !fd.NoConfidence {
			c := fd.Confidence
			d.Confidence = &c
		}
		out = append(out, d)
	}
	return out
}
