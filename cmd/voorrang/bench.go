package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
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

// benchPhases are the phases of a run, in the order they run.
var benchPhases = []string{"floor", "ingest", "fixed", "page"}

// benchClients are the connection counts of the closed-loop phases.
var benchClients = []int{1, 4, 8}

type benchConfig struct {
	redisURL string
	duration time.Duration
	studies  int
	sites    int
	rate     int
	json     bool
	profile  string
	mllp     string
	phases   string
	svcPID   int
}

func (c *benchConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.redisURL, "redis", "redis://127.0.0.1:6379/0", "Redis URL of a standalone server; the bench writes only under a key prefix of its own and removes it")
	fs.DurationVar(&c.duration, "duration", 5*time.Second, "how long each measurement runs")
	fs.IntVar(&c.studies, "studies", 50_000, "open studies for the first-page phase")
	fs.IntVar(&c.sites, "sites", 20, "sites the messages and studies are spread over (at most 99)")
	fs.IntVar(&c.rate, "rate", 2000, "messages per second of the fixed-rate phase (8 connections)")
	fs.BoolVar(&c.json, "json", false, "print one JSON document instead of the table")
	fs.StringVar(&c.mllp, "mllp", "", "drive a running service's MLLP port (host:port) in the ingest phases instead of one started in this process, so that sender and service do not share a Go runtime")
	fs.IntVar(&c.svcPID, "service-pid", 0, "with --mllp: the service's process ID, to report the cores it kept busy (Linux)")
	fs.StringVar(&c.phases, "phases", "floor,ingest,fixed,page", "the phases to run, comma-separated (ingest and fixed compare with the floor when it ran)")
	fs.StringVar(&c.profile, "cpuprofile", "", "write a CPU profile of the ingest phase (server and senders) to this file")
}

// runBench measures the service's own pieces in one run: the bare Redis
// round trip (the floor), MLLP ingest through the real handler and store,
// ACK latency at a fixed rate, and the first page of a large worklist.
// It fails when any message is not accepted. Flags are also read from
// VOORRANG_BENCH_REDIS, VOORRANG_BENCH_DURATION and so on.
func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg benchConfig
	fs := newFlagSet("voorrang bench", stderr)
	cfg.register(fs)
	if err := parseFlags(fs, args, func(k string) string {
		return getenv("VOORRANG_BENCH_" + strings.TrimPrefix(k, "VOORRANG_"))
	}); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected argument %q", fs.Arg(0))
	}
	for p := range strings.SplitSeq(cfg.phases, ",") {
		if !slices.Contains(benchPhases, p) {
			return fmt.Errorf("bench: --phases: unknown phase %q; the phases are %s", p, strings.Join(benchPhases, ","))
		}
	}
	if cfg.duration <= 0 || cfg.studies < 1 || cfg.rate < 1 || cfg.sites < 1 || cfg.sites > 99 {
		return errors.New("bench: --duration, --studies, --rate and --sites must be positive, --sites at most 99")
	}
	rdb, err := newRedisClient(cfg.redisURL)
	if err != nil {
		return fmt.Errorf("--redis: %w", err)
	}
	defer rdb.Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("bench: Redis does not answer: %w", err)
	}
	var tag [6]byte
	rand.Read(tag[:])
	b := &bench{cfg: cfg, rdb: rdb, out: stdout, floorRows: map[string]benchRow{},
		prefix: "bench:" + hex.EncodeToString(tag[:]) + ":",
		log:    slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	for i := range cfg.sites {
		b.sites = append(b.sites, fmt.Sprintf("SITE%02d", i+1))
	}
	runErr := b.run(ctx)
	removed, cleanErr := b.cleanup()
	return errors.Join(runErr, cleanErr, b.finish(removed))
}

// A benchRow is one line of the table.
type benchRow struct {
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
	cfg       benchConfig
	rdb       redis.UniversalClient
	prefix    string
	sites     []string
	log       *slog.Logger
	out       io.Writer
	started   time.Time
	redisInfo string
	rows      []benchRow
	floorRows map[string]benchRow // by case and clients, for the ratios
	feeds     int                 // feeds made so far, each with accessions of its own
	failed    int
	firstFail error
}

func (b *bench) run(ctx context.Context) error {
	b.started = time.Now().UTC()
	b.redisInfo = redisVersion(ctx, b.rdb)
	if !b.cfg.json {
		u, _ := neturl.Parse(b.cfg.redisURL)
		fmt.Fprintf(b.out, "# voorrang bench %s, %s UTC: Redis %s at %s, %s, GOMAXPROCS %d, %s per measurement, keys under %s\n",
			version, b.started.Format("2006-01-02 15:04"), b.redisInfo, u.Redacted(), runtime.Version(),
			runtime.GOMAXPROCS(0), b.cfg.duration, b.prefix)
		fmt.Fprintf(b.out, "%-6s %-24s %7s %7s %8s %8s %8s %8s %5s %5s %5s  %s\n", "phase", "case", "clients",
			"ops", "ops/s", "p50", "p99", "max", "redis", "bench", "svc", "note (redis, bench, svc: cores busy)")
	}
	if b.phase("floor") {
		if err := b.floor(ctx); err != nil {
			return err
		}
	}
	addr := b.cfg.mllp
	if addr == "" && (b.phase("ingest") || b.phase("fixed")) {
		svc, err := startBenchService(ctx, b.rdb, b.prefix+"ingest:", b.log)
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
	return slices.Contains(strings.Split(b.cfg.phases, ","), name)
}

// runTag returns a short tag of this run, from its key prefix.
func (b *bench) runTag() string {
	return strings.TrimSuffix(strings.TrimPrefix(b.prefix, "bench:"), ":")[:6]
}

func (b *bench) add(r benchRow) {
	if r.Fails > 0 {
		r.Note = strings.TrimSuffix(fmt.Sprintf("%d NOT ACCEPTED; %s", r.Fails, r.Note), "; ")
	}
	b.rows = append(b.rows, r)
	if !b.cfg.json {
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
		for _, n := range benchClients {
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
	if b.cfg.profile != "" {
		f, err := os.Create(b.cfg.profile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	for _, n := range benchClients {
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
	total := max(1, int(b.cfg.duration.Seconds()*float64(b.cfg.rate)))
	due := make(chan time.Time, total)
	go schedule(ctx, b.cfg.rate, total, due)
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
	label := fmt.Sprintf("%d/s, from schedule", b.cfg.rate)
	r := fromSchedule.row("fixed", label, n)
	r.Note = bar(r.P99 < 5000, "p99 < 5 ms")
	b.add(r)
	b.add(service.row("fixed", fmt.Sprintf("%d/s, send → ACK", b.cfg.rate), n))
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
		return idx[w] < b.cfg.studies
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
		if len(page.Studies) != min(50, int(page.Total)) || page.Total < int64(b.cfg.studies/len(b.sites)) {
			return fmt.Errorf("%s: %d studies of %d on the list; want a full page of the %d filled", q.name, len(page.Studies), page.Total, b.cfg.studies)
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
	deadline := time.Now().Add(b.cfg.duration)
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
	if !b.cfg.json {
		_, err := fmt.Fprintf(b.out, "# removed %d keys under %s\n", removed, b.prefix)
		return err
	}
	enc := json.NewEncoder(b.out)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{
		"version": version, "started": b.started, "redis": b.redisInfo, "go": runtime.Version(),
		"gomaxprocs": runtime.GOMAXPROCS(0), "duration": b.cfg.duration.String(), "prefix": b.prefix,
		"keysRemoved": removed, "rows": b.rows,
	})
}

func redisVersion(ctx context.Context, rdb redis.UniversalClient) string {
	info, _ := rdb.Info(ctx, "server").Result()
	return cmp.Or(infoField(info, "redis_version:"), "?")
}
