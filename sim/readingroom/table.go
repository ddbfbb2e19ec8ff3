package readingroom

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable writes the report as tables for people: for each class of
// study, each policy's wait (and then turnaround) with its differences
// from the baseline.
func (r *Report) WriteTable(w io.Writer) error {
	b := &strings.Builder{}
	name := r.Scenario
	if name == "" {
		name = "scenario"
	}
	fmt.Fprintf(b, "%s: %d replications of %v from %s (the first %v not counted), %s studies each, %d readers, load %.2f\n",
		name, r.Replications, r.Horizon, r.Start.Format(time.DateOnly), r.Warmup, thousands(r.Studies), r.Readers, r.Load)
	fmt.Fprintf(b, "Times in minutes (m), hours (h) or days (d), each the mean over the replications with its 95%% confidence\n"+
		"interval; Δ is the policy minus %s on the same studies.\n", r.Baseline)
	for _, p := range r.Policies {
		if p.Description != "" {
			fmt.Fprintf(b, "  %-18s %s\n", p.Name, p.Description)
		}
	}
	for _, part := range []struct {
		title string
		of    func(*Result) *Figures
		delta func(*Difference) *Figures
	}{
		{"WAIT: from the exam's completion until a reader takes the study",
			func(x *Result) *Figures { return &x.Wait }, func(d *Difference) *Figures { return &d.Wait }},
		{"TURNAROUND: from the exam's completion until it is read",
			func(x *Result) *Figures { return &x.Turnaround }, func(d *Difference) *Figures { return &d.Turnaround }},
	} {
		fmt.Fprintf(b, "\n%s\n", part.title)
		for _, class := range r.Classes {
			first := r.Result(r.Policies[0].Name, class)
			if first == nil || first.N.Value+first.Unread.Value == 0 {
				continue
			}
			fmt.Fprintf(b, "\n%s: %s studies a replication", class, thousands(first.N.Value))
			if first.Unread.Value > 0 {
				fmt.Fprintf(b, " (and %s unread at the end)", thousands(first.Unread.Value))
			}
			b.WriteString("\n")
			tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "policy\tmean\tp50\tp95\tp99\tmax\tΔ mean\tΔ p99\tΔ max\t")
			for _, p := range r.Policies {
				res := r.Result(p.Name, class)
				f := part.of(res)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t", p.Name, withCI(f.Mean, false), short(f.P50), short(f.P95), short(f.P99), short(f.Max))
				if res.VsBaseline != nil {
					d := part.delta(res.VsBaseline)
					fmt.Fprintf(tw, "%s\t%s\t%s\t", withCI(d.Mean, true), withCI(d.P99, true), withCI(d.Max, true))
				} else {
					fmt.Fprint(tw, "\t\t\t")
				}
				fmt.Fprintln(tw)
			}
			tw.Flush()
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// unit picks how to write a time of about m minutes.
func unit(m float64) (float64, string) {
	switch a := math.Abs(m); {
	case a < 100:
		return 1, "m"
	case a < 48*60:
		return 60, "h"
	}
	return 24 * 60, "d"
}

func short(e *Estimate) string {
	if e == nil {
		return "-"
	}
	div, u := unit(e.Value)
	return fmt.Sprintf("%.1f%s", e.Value/div, u)
}

// withCI writes "12.3m [11.9, 12.8]", signed when delta.
func withCI(e *Estimate, delta bool) string {
	if e == nil {
		return "-"
	}
	div, u := unit(e.Value)
	format := "%.1f%s [%.1f, %.1f]"
	if delta {
		format = "%+.1f%s [%+.1f, %+.1f]"
	}
	return fmt.Sprintf(format, e.Value/div, u, e.Low/div, e.High/div)
}

// thousands writes a count with thousands separators: "300,278".
func thousands(x float64) string {
	s := fmt.Sprintf("%.0f", x)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
