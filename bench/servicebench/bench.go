// Package servicebench measures Voorrang as it serves, against the bare
// Redis round trip of the same run (the floor): MLLP messages through the
// real handler and store to their ACKs, ACK latency at a fixed rate, and
// the first page of a large worklist. The machine's speed drifts, so
// every figure is reported beside the floor it is a ratio to. `voorrang
// bench` runs it; bench/ingest.sh runs it against a service in its own
// process.
package servicebench

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	neturl "net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/worklist"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

// phases are the phases of a run, in the order they run.
var phases = []string{"floor", "ingest", "fixed", "page"}

// clientCounts are the connection counts of the closed-loop phases.
var clientCounts = []int{1, 4, 8}

// Config says what to measure, and how long; the zero value of each field
// but Redis is a sensible default.
type Config struct {
	// Redis is a standalone server. The bench writes only under a key
	// prefix of its own and removes it.
	Redis redis.UniversalClient
	// RedisURL names Redis in the report (its password redacted).
	RedisURL string
	// Duration is how long each measurement runs; zero means 5 s.
	Duration time.Duration
	// Studies is how many open studies the first-page phase lists; zero
	// means 50,000.
	Studies int
	// Sites is how many sites messages and studies are spread over, at
	// most 99; zero means 20.
	Sites int
	// Rate is the messages per second of the fixed-rate phase; zero means
	// 2,000.
	Rate int
	// Phases are the phases to run (floor, ingest, fixed, page); none
	// means all. Ingest and fixed compare with the floor when it ran.
	Phases []string
	// MLLP, when set, is a running service's MLLP port (host:port) that
	// the ingest phases drive instead of one started in this process, so
	// that sender and service do not share a Go runtime; ServicePID is
	// that service's process ID, to report the cores it kept busy (Linux).
	MLLP       string
	ServicePID int
	// CPUProfile, when set, is where a CPU profile of the ingest phase
	// (service and senders) is written.
	CPUProfile string
	// JSON prints one JSON document instead of the table.
	JSON bool
	// Version is the build's version, for the report.
	Version string
	// Logger receives the service's warnings; nil discards them.
	Logger *slog.Logger
}

// Run measures the service's own pieces in one run: the bare Redis round
// trip (the floor), MLLP ingest through the real handler and store, ACK
// latency at a fixed rate, and the first page of a large worklist, and
// writes the report to out. It fails when any message is not accepted,
// and removes every key it wrote.
func Run(ctx context.Context, cfg Config, out io.Writer) error {
	cfg.Duration = cmp.Or(cfg.Duration, 5*time.Second)
	cfg.Studies, cfg.Sites, cfg.Rate = cmp.Or(cfg.Studies, 50_000), cmp.Or(cfg.Sites, 20), cmp.Or(cfg.Rate, 2000)
	if len(cfg.Phases) == 0 {
		cfg.Phases = phases
	}
	for _, p := range cfg.Phases {
		if !slices.Contains(phases, p) {
			return fmt.Errorf("bench: unknown phase %q; the phases are %s", p, strings.Join(phases, ","))
		}
	}
	if cfg.Duration < 0 || cfg.Studies < 0 || cfg.Rate < 0 || cfg.Sites < 0 || cfg.Sites > 99 {
		return errors.New("bench: duration, studies, rate and sites must be positive, sites at most 99")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Redis.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("bench: Redis does not answer: %w", err)
	}
	var tag [6]byte
	rand.Read(tag[:])
	b := &bench{cfg: cfg, rdb: cfg.Redis, out: out, floorRows: map[string]Row{},
		prefix: "bench:" + hex.EncodeToString(tag[:]) + ":", log: cfg.Logger}
	for i := range cfg.Sites {
		b.sites = append(b.sites, fmt.Sprintf("SITE%02d", i+1))
	}
	runErr := b.run(ctx)
	removed, cleanErr := b.cleanup()
	return errors.Join(runErr, cleanErr, b.finish(removed))
}

// A Row is one line of the report.
type Row struct {
	Phase   string  `json:"phase"`
	Case    string  `json:"case"`
	Clients int     `json:"clients"`
	Ops     int     `json:"ops"`
	PerSec  float64 `json:"perSecond"`
	P50     float64 `json:"p50Micros"`
	P99     float64 `json:"p99Micros"`
	Max     float64 `json:"maxMicros"`
	Fails   int     `json:"failures"`
	// RedisCores, BenchCores and ServiceCores are how many cores Redis,
	// the bench process (senders, and the service unless --mllp) and the
	// service's process (--service-pid) kept busy; -1 where unknown.
	RedisCores   float64 `json:"redisCores"`
	BenchCores   float64 `json:"benchCores"`
	ServiceCores float64 `json:"serviceCores"`
	Note         string  `json:"note,omitempty"`
}

type bench struct {
	cfg       Config
	rdb       redis.UniversalClient
	prefix    string
	sites     []string
	log       *slog.Logger
	out       io.Writer
	started   time.Time
	redisInfo string
	rows      []Row
	floorRows map[string]Row // by case and clients, for the ratios
	feeds     int            // feeds made so far, each with accessions of its own
	failed    int
	firstFail error
}

func (b *bench) run(ctx context.Context) error {
	b.started = time.Now().UTC()
	b.redisInfo = redisVersion(ctx, b.rdb)
	if !b.cfg.JSON {
		u, _ := neturl.Parse(b.cfg.RedisURL)
		fmt.Fprintf(b.out, "# voorrang bench %s, %s UTC: Redis %s at %s, %s, GOMAXPROCS %d, %s per measurement, keys under %s\n",
			b.cfg.Version, b.started.Format("2006-01-02 15:04"), b.redisInfo, u.Redacted(), runtime.Version(),
			runtime.GOMAXPROCS(0), b.cfg.Duration, b.prefix)
		fmt.Fprintf(b.out, "%-6s %-24s %7s %7s %8s %8s %8s %8s %5s %5s %5s  %s\n", "phase", "case", "clients",
			"ops", "ops/s", "p50", "p99", "max", "redis", "bench", "svc", "note (redis, bench, svc: cores busy)")
	}
	if b.phase("floor") {
		if err := b.floor(ctx); err != nil {
			return err
		}
	}
	addr := b.cfg.MLLP
	if addr == "" && (b.phase("ingest") || b.phase("fixed")) {
		svc, err := startService(ctx, b.rdb, b.prefix+"ingest:", b.log)
		if err != nil {
			return err
		}
		defer svc.stop()
		addr = svc.addr
	}
	if b.phase("ingest") {
		if err := b.ingest(ctx, addr); err != nil {
			return err
		}
	}
	if b.phase("fixed") {
		if err := b.fixedRate(ctx, addr); err != nil {
			return err
		}
	}
	if b.phase("page") {
		if err := b.firstPage(ctx); err != nil {
			return err
		}
	}
	if b.failed > 0 {
		return fmt.Errorf("bench: %d messages not accepted; the first: %w", b.failed, b.firstFail)
	}
	return ctx.Err()
}

// phase reports whether --phases names the phase.
func (b *bench) phase(name string) bool {
	return slices.Contains(b.cfg.Phases, name)
}

// runTag returns a short tag of this run, from its key prefix.
func (b *bench) runTag() string {
	return strings.TrimSuffix(strings.TrimPrefix(b.prefix, "bench:"), ":")[:6]
}

func (b *bench) add(r Row) {
	if r.Fails > 0 {
		r.Note = strings.TrimSuffix(fmt.Sprintf("%d NOT ACCEPTED; %s", r.Fails, r.Note), "; ")
	}
	b.rows = append(b.rows, r)
	if !b.cfg.JSON {
		fmt.Fprintf(b.out, "%-6s %-24s %7d %7d %8.0f %8s %8s %8s %5s %5s %5s  %s\n", r.Phase, r.Case, r.Clients, r.Ops,
			r.PerSec, fmtMicros(r.P50), fmtMicros(r.P99), fmtMicros(r.Max), fmtCores(r.RedisCores), fmtCores(r.BenchCores),
			fmtCores(r.ServiceCores), r.Note)
	}
}

// The floor's cases, which later phases compare with.
const (
	floorPing = "PING"
	floorEval = "EVALSHA (INCR script)"
)

// floor measures what Redis alone costs: a PING and an EVALSHA of a
// script as small as a script can usefully be.
func (b *bench) floor(ctx context.Context) error {
	const script = "return redis.call('INCR', KEYS[1])"
	sha, err := b.rdb.ScriptLoad(ctx, script).Result()
	if err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	key := []string{b.prefix + "floor"}
	ops := []struct {
		name string
		op   func(ctx context.Context, _ int) error
	}{
		{floorPing, func(ctx context.Context, _ int) error { return b.rdb.Ping(ctx).Err() }},
		{floorEval, func(ctx context.Context, _ int) error { return b.rdb.EvalSha(ctx, sha, key).Err() }},
	}
	for _, o := range ops {
		for _, n := range clientCounts {
			s := b.measure(ctx, n, b.until(), o.op)
			if s.err != nil {
				return fmt.Errorf("floor %s: %w", o.name, s.err)
			}
			r := s.row("floor", o.name, n)
			b.floorRows[fmt.Sprint(o.name, n)] = r
			b.add(r)
		}
	}
	return nil
}

// ingest sends messages over MLLP as fast as each connection gets its ACKs.
func (b *bench) ingest(ctx context.Context, addr string) error {
	if b.cfg.CPUProfile != "" {
		f, err := os.Create(b.cfg.CPUProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	for _, n := range clientCounts {
		conns := b.connect(n, addr)
		s := b.measure(ctx, n, b.until(), func(ctx context.Context, i int) error { return conns[i].send(ctx) })
		closeAll(conns)
		b.count(s)
		r := s.row("ingest", "MLLP message → ACK", n)
		if f, ok := b.floorRows[fmt.Sprint(floorEval, n)]; ok {
			r.Note = fmt.Sprintf("%.2f× EVALSHA/s", r.PerSec/f.PerSec)
		}
		if n == 8 {
			r.Note = strings.TrimPrefix(r.Note+"; "+bar(r.PerSec >= 10_000, "≥ 10,000/s"), "; ")
		}
		b.add(r)
	}
	return ctx.Err()
}

// fixedRate sends at a fixed rate over 8 connections, open loop: a send
// is due at its scheduled time whether or not earlier ACKs came, so
// queueing shows in the latency from the schedule.
func (b *bench) fixedRate(ctx context.Context, addr string) error {
	const n = 8
	conns := b.connect(n, addr)
	defer closeAll(conns)
	total := max(1, int(b.cfg.Duration.Seconds()*float64(b.cfg.Rate)))
	due := make(chan time.Time, total)
	go schedule(ctx, b.cfg.Rate, total, due)
	fromSchedule, service := &sample{}, &sample{}
	before := b.markCPU(ctx)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var lat, svc []time.Duration
			var fails int
			var first error
			for at := range due {
				sent := time.Now()
				err := conns[i].send(ctx)
				done := time.Now()
				lat, svc = append(lat, done.Sub(at)), append(svc, done.Sub(sent))
				if err != nil {
					fails, first = fails+1, cmp.Or(first, err)
				}
			}
			fromSchedule.merge(lat, fails, first)
			service.merge(svc, 0, nil)
		})
	}
	wg.Wait()
	fromSchedule.elapsed, service.elapsed = time.Since(start), time.Since(start)
	fromSchedule.cores = cores(before, b.markCPU(ctx))
	service.cores = fromSchedule.cores
	b.count(fromSchedule)
	label := fmt.Sprintf("%d/s, from schedule", b.cfg.Rate)
	r := fromSchedule.row("fixed", label, n)
	r.Note = bar(r.P99 < 5000, "p99 < 5 ms")
	b.add(r)
	b.add(service.row("fixed", fmt.Sprintf("%d/s, send → ACK", b.cfg.Rate), n))
	return ctx.Err()
}

// schedule puts the due time of each of total sends on due, rate a
// second, and closes it. A late wake-up sends what is due at once.
func schedule(ctx context.Context, rate, total int, due chan<- time.Time) {
	defer close(due)
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	for i := range total {
		at := start.Add(time.Duration(i) * interval)
		if wait := time.Until(at); wait > 0 {
			time.Sleep(wait)
		}
		if ctx.Err() != nil {
			return
		}
		due <- at
	}
}

// firstPage fills the worklist with open studies, then times its first
// page over every site and over one: 200 calls each, fewer (at least 10)
// when they take longer than a measurement.
func (b *bench) firstPage(ctx context.Context) error {
	store := redisstore.New(b.rdb, redisstore.Options{Prefix: b.prefix + "list:", Logger: b.log})
	const workers = 16
	var claimed atomic.Int64
	idx := make([]int, workers)
	next := func(w int) bool {
		idx[w] = int(claimed.Add(1) - 1)
		return idx[w] < b.cfg.Studies
	}
	base := time.Now()
	s := b.measure(ctx, workers, next, func(ctx context.Context, w int) error {
		_, err := store.Apply(ctx, benchStudy(idx[w], b.sites, base), nil)
		return err
	})
	if s.err != nil {
		return fmt.Errorf("fill: %w", s.err)
	}
	b.add(s.row("page", fmt.Sprintf("fill: Apply, %d sites", len(b.sites)), workers))
	for _, q := range []struct {
		name  string
		sites []string
	}{{"List 50, all sites", nil}, {"List 50, one site", b.sites[:1]}} {
		var page worklist.Page
		calls, more := 0, b.until()
		s := b.measure(ctx, 1, func(int) bool { calls++; return calls <= 10 || calls <= 200 && more(0) }, func(ctx context.Context, _ int) (err error) {
			page, err = store.List(ctx, worklist.Query{Sites: q.sites, Limit: 50})
			return err
		})
		if s.err != nil {
			return fmt.Errorf("%s: %w", q.name, s.err)
		}
		if len(page.Studies) != min(50, int(page.Total)) || page.Total < int64(b.cfg.Studies/len(b.sites)) {
			return fmt.Errorf("%s: %d studies of %d on the list; want a full page of the %d filled", q.name, len(page.Studies), page.Total, b.cfg.Studies)
		}
		r := s.row("page", q.name, 1)
		r.Note = fmt.Sprintf("%d on list; ", page.Total) + bar(r.P99 < 5000, "p99 < 5 ms")
		if f, ok := b.floorRows[fmt.Sprint(floorPing, 1)]; ok {
			r.Note = fmt.Sprintf("p50 %.0f× PING p50, ", r.P50/f.P50) + r.Note
		}
		b.add(r)
	}
	return ctx.Err()
}

// benchStudy is the i-th open study of the first-page phase: completed
// over the last two days, of mixed modality and priority.
func benchStudy(i int, sites []string, base time.Time) worklist.Event {
	completed := base.Add(-time.Duration(i%2880) * time.Minute)
	mod := []string{"CT", "MR", "DX", "US"}[i%4]
	acc := fmt.Sprintf("L%08d", i)
	return worklist.Event{Kind: worklist.ExamCompleted, Site: sites[i%len(sites)], Accession: acc,
		At: completed, Source: "BENCH|" + acc,
		Order: &worklist.Order{
			Patient:      worklist.Patient{MRN: fmt.Sprintf("%07d", 1_000_000+i), Family: "Bench", Given: "Patient", BirthDate: "1960-01-01", Sex: "F"},
			PatientClass: []string{"O", "I", "E"}[i%3], Priority: []string{"R", "R", "R", "S", "A"}[i%5],
			Modality: mod, ProcedureCode: mod + "001", ProcedureText: mod + " bench procedure",
			OrderingLocation: "ONC", OrderedAt: completed.Add(-time.Hour), CompletedAt: completed,
		}}
}

// measure runs drive and notes how busy Redis and the bench were.
func (b *bench) measure(ctx context.Context, clients int, next func(int) bool, op func(context.Context, int) error) *sample {
	before := b.markCPU(ctx)
	s := drive(ctx, clients, next, op)
	s.cores = cores(before, b.markCPU(ctx))
	return s
}

// until returns a next function for drive that runs one measurement long.
func (b *bench) until() func(int) bool {
	deadline := time.Now().Add(b.cfg.Duration)
	return func(int) bool { return time.Now().Before(deadline) }
}

func (b *bench) count(s *sample) {
	b.failed += s.fails
	b.firstFail = cmp.Or(b.firstFail, s.err)
}

// cleanup removes every key under the bench's prefix.
func (b *bench) cleanup() (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	removed := 0
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := b.rdb.Unlink(ctx, batch...).Err()
		removed, batch = removed+len(batch), batch[:0]
		return err
	}
	iter := b.rdb.Scan(ctx, 0, b.prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		if batch = append(batch, iter.Val()); len(batch) == 1000 {
			if err := flush(); err != nil {
				return removed, fmt.Errorf("bench: clean up %s: %w", b.prefix, err)
			}
		}
	}
	if err := errors.Join(iter.Err(), flush()); err != nil {
		return removed, fmt.Errorf("bench: clean up %s: %w", b.prefix, err)
	}
	return removed, nil
}

// finish prints the JSON document, or the table's last line.
func (b *bench) finish(removed int) error {
	if !b.cfg.JSON {
		_, err := fmt.Fprintf(b.out, "# removed %d keys under %s\n", removed, b.prefix)
		return err
	}
	enc := json.NewEncoder(b.out)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{
		"version": b.cfg.Version, "started": b.started, "redis": b.redisInfo, "go": runtime.Version(),
		"gomaxprocs": runtime.GOMAXPROCS(0), "duration": b.cfg.Duration.String(), "prefix": b.prefix,
		"keysRemoved": removed, "rows": b.rows,
	})
}

func redisVersion(ctx context.Context, rdb redis.UniversalClient) string {
	info, _ := rdb.Info(ctx, "server").Result()
	return cmp.Or(infoField(info, "redis_version:"), "?")
}
