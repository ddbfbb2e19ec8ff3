package redisstore

import (
	"testing"
	"time"

	"github.com/voorrang/voorrang/sim"
)

// BenchmarkDecodeDay decodes one site's day of a large hospital (about
// 800 reported studies, some with AI outcomes): what a cold read of the
// statistics does for every site and day of a year.
func BenchmarkDecodeDay(b *testing.B) {
	from := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	facts := sim.History(sim.HistoryOptions{Seed: 1, Sites: []string{"ZHWEST"}, From: from, To: from.Add(24 * time.Hour), PerDay: 800})
	var data []byte
	for i := range facts {
		data = appendFact(data, &facts[i], facts[i].ClosedAt())
	}
	b.SetBytes(int64(len(data)))
	b.ReportMetric(float64(len(facts)), "records/op")
	d := newFactDecoder()
	d.site = "ZHWEST"
	for b.Loop() {
		if _, err := d.decodeDay(data, nil); err != nil {
			b.Fatal(err)
		}
	}
}
