package stats

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/voorrang/voorrang/worklist"
)

// Pseudonyms replace identifiers with keyed hashes (HMAC-SHA-256 with the
// site's secret key, 80 bits in hex): the same study or reader gets the
// same pseudonym in every export under one key, so exports can be joined,
// and without the key nobody can go back from a pseudonym to the
// accession number or the reader's name, or test a guess.
type Pseudonyms struct {
	Key []byte
}

// Of returns the pseudonym of value, of a kind ("study", "reader"), so
// that equal values of different kinds get different pseudonyms.
func (p Pseudonyms) Of(kind, value string) string {
	if value == "" {
		return ""
	}
	m := hmac.New(sha256.New, p.Key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil)[:10])
}

// exportColumns are the columns of the CSV export, in order.
var exportColumns = []string{
	"study", "site", "status", "modality", "procedure", "priority", "patient_class", "section", "reader",
	"band", "due", "ordered", "completed", "first_ai", "first_flag", "first_claimed", "preliminary", "final",
	"corrected", "cancelled", "completed_final_min", "order_final_min", "flag_final_min", "due_met",
	"ai_outcome", "hours", "algorithms", "algorithms_positive", "ai_agree", "ai_disagree", "ai_discrepancies",
}

// WriteCSV writes the facts f keeps as CSV, one row a study, with a
// header: no patient data, the accession number and the reader replaced
// by pseudonyms, times in the site's time zone (RFC 3339), intervals in
// minutes.
func WriteCSV(w io.Writer, facts worklist.Facts, f Filter, c *Calendar, ps Pseudonyms) error {
	clk := c.clock()
	cw := csv.NewWriter(w)
	if err := cw.Write(exportColumns); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	row := make([]string, 0, len(exportColumns))
	for t := range facts.All() {
		if !f.keeps(clk, t) {
			continue
		}
		loc := c.Zone(t.Site)
		when := func(at time.Time) string {
			if at.IsZero() {
				return ""
			}
			return at.In(loc).Format(time.RFC3339)
		}
		minutes := func(iv Interval) string {
			if v, ok := iv.of(t); ok {
				return strconv.FormatFloat(v/60, 'f', 1, 64)
			}
			return ""
		}
		band := ""
		if k := ByBand.key(clk, t); k != bandUnknown {
			band = k
		}
		dueMet := ""
		if met, known := t.DueMet(); known {
			dueMet = strconv.FormatBool(met)
		}
		var algs, pos []string
		agree, disagree, disc := 0, 0, 0
		for _, a := range t.AI {
			algs = append(algs, a.Algorithm)
			if a.Positive {
				pos = append(pos, a.Algorithm)
			}
			agree, disagree = agree+a.Agree, disagree+a.Disagree
			if a.Discrepancy {
				disc++
			}
		}
		row = append(row[:0], ps.Of("study", t.Site+"\x00"+t.Accession), cell(t.Site), string(t.Status),
			cell(t.Modality), cell(t.ProcedureCode), cell(t.Priority), cell(t.PatientClass), cell(t.Section), ps.Of("reader", t.Reader),
			band, when(t.Due), when(t.OrderedAt), when(t.CompletedAt), when(t.FirstAIAt), when(t.FirstFlagAt),
			when(t.FirstClaimedAt), when(t.PreliminaryAt), when(t.ReportedAt), when(t.CorrectedAt), when(t.CancelledAt),
			minutes(ReadyToFinal), minutes(OrderToFinal), minutes(FlagToFinal), dueMet,
			AIOutcome(t), ByHours.key(clk, t), cell(strings.Join(algs, " ")), cell(strings.Join(pos, " ")),
			strconv.Itoa(agree), strconv.Itoa(disagree), strconv.Itoa(disc))
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// cell keeps a value from outside from being read as a formula by a
// spreadsheet (CSV injection): one that starts with =, +, -, @ or a
// control character gets a leading apostrophe.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
