package triage

import "time"

// bandStep separates the bands in a Score: 10¹³ milliseconds, about 317
// years, more than the due times a Score holds.
const bandStep = 10_000_000_000_000

// Score returns an integer that sorts ranks in reading order: a lower score
// is read first. It orders by band, most urgent first, then by due time,
// earliest first, to the millisecond:
//
//	Score(r) = r.Band × 10¹³ + r.Due in milliseconds since 1970-01-01 UTC
//
// A due time before 1970 counts as 1970, and one after 2286-11-20 17:46:39.999
// UTC as that instant; a band that is not one of the three counts as Routine.
// Every score lies between 10¹³ and 4×10¹³, below 2⁵³, so a float64 (a Redis
// sorted-set score, a JavaScript number) holds it exactly.
func Score(r Rank) int64 {
	b := r.Band
	if b < Critical || b > Routine {
		b = Routine
	}
	ms := r.Due.UnixMilli()
	switch {
	case r.Due.Before(time.Unix(0, 0)):
		ms = 0
	case ms >= bandStep || r.Due.Year() > 2286: // the year guards UnixMilli's overflow
		ms = bandStep - 1
	}
	return int64(b)*bandStep + ms
}

// SplitScore returns the band and due time (in UTC, to the millisecond) that
// a [Score] encodes.
func SplitScore(score int64) (Band, time.Time) {
	return Band(score / bandStep), time.UnixMilli(score % bandStep).UTC()
}
