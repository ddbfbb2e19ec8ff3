package readingroom

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// A study is one arrival of a replication: everything chance decides about
// it, drawn once and shared by every policy (common random numbers).
type study struct {
	arrive int64 // ms from the start: the exam is completed, the study waits to be read
	read   int64 // ms reading it takes
	kind   uint16
	flags  uint8 // which of its kind's algorithms flag it (bit j: algorithm j)
	truth  uint8 // which findings it truly has
}

// generate draws the studies of replication rep, in order of arrival,
// into buf.
func (m *model) generate(seed uint64, rep int, buf []study) []study {
	rng := rand.New(rand.NewPCG(seed, uint64(rep)+0x9e3779b97f4a7c15))
	out := buf[:0]
	total := m.cum[len(m.cum)-1]
	for h, rate := range m.hourRate {
		if rate <= 0 {
			continue
		}
		t := float64(h) * 3_600_000
		end := min(t+3_600_000, float64(m.horizon))
		for {
			t += rng.ExpFloat64() / rate
			if t >= end {
				break
			}
			s := study{arrive: int64(t)}
			k := 0
			if len(m.cum) > 1 {
				k, _ = slices.BinarySearch(m.cum, rng.Float64()*total)
				k = min(k, len(m.cum)-1)
			}
			s.kind = uint16(k)
			km := &m.kinds[k]
			s.read = km.read.draw(rng)
			for j, a := range km.algs {
				alg := &m.algs[a]
				truly := rng.Float64() < alg.prev
				u := rng.Float64()
				if truly {
					s.truth |= 1 << j
				}
				if truly && u < alg.sens || !truly && u >= alg.spec {
					s.flags |= 1 << j
				}
			}
			out = append(out, s)
		}
	}
	return out
}

// A sampler draws reading times.
type sampler struct {
	dist      uint8 // 0 lognormal, 1 exponential, 2 fixed
	mu, sigma float64
	mean      float64 // ms
}

// z90 is the 90th percentile of the standard normal distribution.
const z90 = 1.2815515655446004

func newSampler(r Reading) sampler {
	switch r.Dist {
	case "exponential":
		return sampler{dist: 1, mean: float64(time.Duration(r.Mean).Milliseconds())}
	case "fixed":
		return sampler{dist: 2, mean: float64(time.Duration(r.Mean).Milliseconds())}
	}
	med := float64(time.Duration(r.Median).Milliseconds())
	p90 := float64(time.Duration(r.P90).Milliseconds())
	return sampler{mu: math.Log(med), sigma: math.Log(p90/med) / z90}
}

// draw returns a reading time in ms, at least 1.
func (s sampler) draw(rng *rand.Rand) int64 {
	var v float64
	switch s.dist {
	case 0:
		v = math.Exp(s.mu + s.sigma*rng.NormFloat64())
	case 1:
		v = rng.ExpFloat64() * s.mean
	default:
		v = s.mean
	}
	return max(1, int64(math.Round(v)))
}

// meanMs is the mean reading time in ms.
func (s sampler) meanMs() float64 {
	switch s.dist {
	case 0:
		return math.Exp(s.mu + s.sigma*s.sigma/2)
	default:
		return s.mean
	}
}
