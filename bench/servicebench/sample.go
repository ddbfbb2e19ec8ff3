package servicebench

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A sample holds the latencies of one measurement.
type sample struct {
	mu      sync.Mutex
	lat     []time.Duration
	elapsed time.Duration
	fails   int
	err     error     // the first
	cores   busyCores // meanwhile
}

func (s *sample) merge(lat []time.Duration, fails int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lat = append(s.lat, lat...)
	s.fails += fails
	s.err = cmp.Or(s.err, err)
}

// drive runs op from clients goroutines, each as soon as its last op
// returned, while next (called by the client before each op) says so.
func drive(ctx context.Context, clients int, next func(client int) bool, op func(ctx context.Context, client int) error) *sample {
	s := &sample{}
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			var lat []time.Duration
			var fails int
			var first error
			for ctx.Err() == nil && next(c) {
				t := time.Now()
				err := op(ctx, c)
				lat = append(lat, time.Since(t))
				if err != nil {
					fails, first = fails+1, cmp.Or(first, err)
				}
			}
			s.merge(lat, fails, first)
		})
	}
	wg.Wait()
	s.elapsed = time.Since(start)
	return s
}

func (s *sample) row(phase, name string, clients int) Row {
	slices.Sort(s.lat)
	r := Row{Phase: phase, Case: name, Clients: clients, Ops: len(s.lat), Fails: s.fails,
		PerSec: float64(len(s.lat)) / s.elapsed.Seconds(),
		P50:    percentile(s.lat, 50), P99: percentile(s.lat, 99), Max: percentile(s.lat, 100),
		RedisCores: s.cores.redis, BenchCores: s.cores.self, ServiceCores: s.cores.service}
	return r
}

// percentile returns the p-th percentile of sorted latencies in µs: the
// smallest value with at least p% of the values at or below it.
func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := max(0, int(math.Ceil(float64(len(sorted))*p/100))-1)
	return float64(sorted[min(i, len(sorted)-1)]) / float64(time.Microsecond)
}

func fmtMicros(us float64) string {
	switch {
	case us < 1000:
		return fmt.Sprintf("%.0fµs", us)
	case us < 1e6:
		return fmt.Sprintf("%.2fms", us/1000)
	}
	return fmt.Sprintf("%.2fs", us/1e6)
}

func fmtCores(c float64) string {
	if c < 0 {
		return "?"
	}
	return fmt.Sprintf("%.2f", c)
}

// bar says whether a quality bar of DESIGN.md was met.
func bar(met bool, what string) string {
	if met {
		return "bar " + what + " met"
	}
	return "bar " + what + " MISSED"
}

// A cpuMark is the CPU time Redis, this process and the service's process
// had used at a moment, to tell which of them a measurement kept busy.
type cpuMark struct {
	at                   time.Time
	redis, self, service float64 // seconds; negative when unknown
}

// busyCores says how many cores each process kept busy between two marks;
// -1 where unknown.
type busyCores struct{ redis, self, service float64 }

// markCPU marks the CPU time used so far; the service's only when it runs
// in a process of its own whose ID --service-pid gave.
func (b *bench) markCPU(ctx context.Context) cpuMark {
	m := cpuMark{at: time.Now(), redis: -1, self: procCPU("self"), service: -1}
	info, _ := b.rdb.Info(ctx, "cpu").Result()
	for _, f := range []string{"used_cpu_sys:", "used_cpu_user:"} {
		if v, err := strconv.ParseFloat(infoField(info, f), 64); err == nil {
			m.redis = max(m.redis, 0) + v
		}
	}
	if b.cfg.ServicePID > 0 && b.cfg.MLLP != "" {
		m.service = procCPU(strconv.Itoa(b.cfg.ServicePID))
	}
	return m
}

// procCPU returns the CPU seconds a process (an ID, or "self") has used,
// or -1 where /proc cannot tell. Linux: utime and stime, in clock ticks of
// 1/100 s, follow the command name in parentheses.
func procCPU(pid string) float64 {
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(f) <= 13 {
		return -1
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	s, _ := strconv.ParseFloat(f[12], 64)
	return (u + s) / 100
}

// cores returns how many cores each process kept busy from mark a to
// mark b.
func cores(a, b cpuMark) busyCores {
	wall := b.at.Sub(a.at).Seconds()
	busy := func(then, now float64) float64 {
		if then < 0 || now < 0 || wall <= 0 {
			return -1
		}
		return (now - then) / wall
	}
	return busyCores{redis: busy(a.redis, b.redis), self: busy(a.self, b.self), service: busy(a.service, b.service)}
}

// infoField returns a field of Redis's INFO answer.
func infoField(info, name string) string {
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name); ok {
			return v
		}
	}
	return ""
}
