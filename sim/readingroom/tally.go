package readingroom

import (
	"math"
	"math/bits"
)

// A tally counts the waits and turnaround times of one run, per class of
// study.
type tally struct {
	classes []classTally
}

type classTally struct {
	n, unread int64
	wait, tat accumulator
}

// An accumulator keeps a sum, a maximum and a histogram of times in ms.
type accumulator struct {
	sum  float64
	max  int64
	hist []uint32
}

func newTally(classes int) *tally {
	t := &tally{classes: make([]classTally, classes)}
	for i := range t.classes {
		t.classes[i].wait.hist = make([]uint32, histBuckets)
		t.classes[i].tat.hist = make([]uint32, histBuckets)
	}
	return t
}

func (t *tally) reset() {
	for i := range t.classes {
		c := &t.classes[i]
		c.n, c.unread = 0, 0
		c.wait.reset()
		c.tat.reset()
	}
}

func (a *accumulator) reset() {
	a.sum, a.max = 0, 0
	clear(a.hist)
}

// add counts a study of the classes in the bits of class.
func (t *tally) add(class uint32, wait, tat int64) {
	bw, bt := bucket(wait), bucket(tat)
	for c := class; c != 0; c &= c - 1 {
		x := &t.classes[bits.TrailingZeros32(c)]
		x.n++
		x.wait.add(wait, bw)
		x.tat.add(tat, bt)
	}
}

// add counts v, which falls in histogram bucket b.
func (a *accumulator) add(v int64, b int) {
	a.sum += float64(v)
	a.max = max(a.max, v)
	a.hist[b]++
}

// unread counts the studies still waiting at the end of run r.
func (t *tally) unread(r *run, arrived int) {
	for i := range arrived {
		s := &r.studies[i]
		if r.status[i] != waiting || s.arrive < r.m.warmup {
			continue
		}
		final := int(s.kind) * r.m.states
		if r.m.kinds[s.kind].delay >= 0 {
			final += 1 + int(s.flags)
		}
		class := r.m.site[final]
		if s.truth != 0 {
			class |= 1 << classTruePositive
		}
		for c := class; c != 0; c &= c - 1 {
			t.classes[bits.TrailingZeros32(c)].unread++
		}
	}
}

// The histogram keeps times exactly below 2^histBits ms, and above that in
// buckets 1/2^histBits wide relative to the time (0.4%), up to 2^42 ms
// (139 years).
const (
	histBits    = 8
	histMaxBits = 42
	histBuckets = (histMaxBits - histBits + 1) << histBits
)

func bucket(v int64) int {
	v = min(max(v, 0), 1<<histMaxBits-1)
	if v < 1<<histBits {
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - 1 - histBits
	return shift<<histBits + int(v>>shift)
}

// bucketValue is the middle of bucket b.
func bucketValue(b int) float64 {
	if b < 1<<histBits {
		return float64(b)
	}
	shift := b>>histBits - 1
	mant := b - shift<<histBits
	lo := float64(int64(mant) << shift)
	return lo + float64(int64(1)<<shift)/2
}

// A summary is one class's figures in one run, in minutes.
type summary struct {
	n, unread float64
	wait, tat measures
}

// measures are the figures of one kind of time.
type measures struct {
	mean, p50, p95, p99, max float64
}

// summarise returns each class's figures.
func (t *tally) summarise() []summary {
	out := make([]summary, len(t.classes))
	for i, c := range t.classes {
		out[i] = summary{n: float64(c.n), unread: float64(c.unread), wait: c.wait.measures(c.n), tat: c.tat.measures(c.n)}
	}
	return out
}

const msPerMinute = 60_000

func (a *accumulator) measures(n int64) measures {
	if n == 0 {
		nan := math.NaN()
		return measures{nan, nan, nan, nan, nan}
	}
	qs := a.quantiles(n, 0.50, 0.95, 0.99)
	return measures{
		mean: a.sum / float64(n) / msPerMinute,
		p50:  qs[0] / msPerMinute,
		p95:  qs[1] / msPerMinute,
		p99:  qs[2] / msPerMinute,
		max:  float64(a.max) / msPerMinute,
	}
}

// quantiles returns the nearest-rank quantiles ps (ascending) of the n
// times counted.
func (a *accumulator) quantiles(n int64, ps ...float64) []float64 {
	out := make([]float64, len(ps))
	var seen int64
	j := 0
	for b, c := range a.hist {
		if c == 0 {
			continue
		}
		seen += int64(c)
		for j < len(ps) && seen >= int64(math.Ceil(ps[j]*float64(n))) {
			out[j] = min(bucketValue(b), float64(a.max))
			j++
		}
		if j == len(ps) {
			break
		}
	}
	return out
}
