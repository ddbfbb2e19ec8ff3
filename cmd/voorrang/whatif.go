package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/voorrang/voorrang/embedredis"
	"github.com/voorrang/voorrang/sim"
	"github.com/voorrang/voorrang/sim/readingroom"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

// stringList is a flag that may be given more than once.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// runWhatif simulates a scenario under each policy and prints the table.
func runWhatif(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("voorrang whatif", stderr)
	rulesFile := fs.String("rules", "", "the site's triage rules file (empty: the built-in rules)")
	var try stringList
	fs.Var(&try, "try", "a rules `FILE` to compare as a policy of its own, named by the file (may be repeated)")
	jsonOut := fs.String("json", "whatif.json", "write the report as JSON to this file (\"-\": standard output instead of the table; empty: none)")
	reps := fs.Int("replications", 0, "replications (0: the scenario's, else 20)")
	workers := fs.Int("workers", 0, "replications run at once (0: one per core)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: voorrang whatif [flags] SCENARIO.yaml [OVERLAY.yaml]...\n\nSimulates the reading room of the scenario under each policy and prints, per class of study,\nthe wait and turnaround with 95% confidence intervals and the differences from the baseline.\nEach overlay's top-level keys replace the scenario's (another roster: a file with readers).")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, getenv); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return errUsage
	}
	var files [][]byte
	for _, name := range fs.Args() {
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		files = append(files, data)
	}
	sc, err := readingroom.ParseScenario(files[0], files[1:]...)
	if err != nil {
		return fmt.Errorf("%s: %w", strings.Join(fs.Args(), " + "), err)
	}
	if *reps > 0 {
		sc.Replications = *reps
	}
	opts := readingroom.Options{Workers: *workers}
	if opts.Rules, err = loadRules(*rulesFile); err != nil {
		return err
	}
	for _, f := range try {
		r, err := loadRules(f)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		opts.Extra = append(opts.Extra, readingroom.Policy{Name: name, Description: "the rules of " + f, Rules: r})
	}
	start := time.Now()
	rep, err := readingroom.Run(ctx, sc, opts)
	if err != nil {
		return err
	}
	took := time.Since(start)
	if *jsonOut == "-" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	if err := rep.WriteTable(stdout); err != nil {
		return err
	}
	runs := rep.Studies * float64(rep.Replications*len(rep.Policies))
	fmt.Fprintf(stdout, "\n%.1f s: %.0f studies simulated, %.0f a second.\n", took.Seconds(), runs, runs/took.Seconds())
	if *jsonOut != "" {
		data, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, append(data, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "The report is in %s.\n", *jsonOut)
	}
	return nil
}

// runScenario writes a scenario made from the turnaround records in the
// store.
func runScenario(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("voorrang scenario", stderr)
	redisURL := fs.String("redis", "", "Redis URL of the department's store (empty: the embedded store in --data-dir)")
	dataDir := fs.String("data-dir", "var", "folder of the embedded store's data (the demo's is var/demo)")
	var sites stringList
	fs.Var(&sites, "site", "take the records of this `SITE` only (may be repeated; none: every site)")
	days := fs.Int("days", 28, "take the studies of the last N days")
	rulesFile := fs.String("rules", "", "the site's triage rules, to name each algorithm's finding (empty: built in)")
	out := fs.String("out", "", "write the scenario to this file (empty: standard output)")
	demoDays := fs.Int("demo-days", 0, "instead of a store's records, those of the demo's synthetic department run for N simulated days (as fast as the machine allows, in a store of its own)")
	seed := fs.Int64("seed", 1, "seed of the --demo-days department")
	var log logFlags
	log.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: voorrang scenario [flags]\n\nWrites a what-if scenario (YAML, for voorrang whatif) made from the department's own turnaround\nrecords: arrivals by weekday and hour, the mix of studies, reading times, AI positive rates, readers on duty.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, redisEnv(getenv)); err != nil {
		return err
	}
	if fs.NArg() > 0 || *days <= 0 {
		fs.Usage()
		return errUsage
	}
	logger, err := log.logger(stderr)
	if err != nil {
		return err
	}
	rules, err := loadRules(*rulesFile)
	if err != nil {
		return err
	}
	var sc *readingroom.Scenario
	source := "the department's turnaround records"
	if *demoDays > 0 {
		source = fmt.Sprintf("the turnaround records of `voorrang scenario --demo-days %d --seed %d`", *demoDays, *seed)
		sc, err = demoScenario(ctx, *demoDays, *seed, *rulesFile, sites, logger)
	} else {
		sc, err = storeScenario(ctx, *redisURL, *dataDir, sites, *days, rules, logger)
	}
	if err != nil {
		return err
	}
	data, err := sc.MarshalYAMLFile(" What-if scenario made by `voorrang scenario` from " + source + ".\n" +
		" Run it with `voorrang whatif FILE`. Check what records cannot know: each algorithm's\n" +
		" prevalence, sensitivity and specificity (taken from its positive rate), and the readers\n" +
		" (per section when the records name sections; shifts from the most studies read at once).")
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = stdout.Write(data)
		return err
	}
	return os.WriteFile(*out, data, 0o644)
}

// storeScenario makes a scenario of the records of the last days in the
// store at redisURL (or the embedded one in dataDir).
func storeScenario(ctx context.Context, redisURL, dataDir string, sites []string, days int, rules *triage.Rules, logger *slog.Logger) (*readingroom.Scenario, error) {
	rdb, closeStore, err := openRedis(ctx, redisURL, embedredis.Options{Dir: filepath.Join(dataDir, "redis"), Logger: logger}, logger)
	if err != nil {
		return nil, err
	}
	defer closeStore()
	store := redisstore.New(rdb, redisstore.Options{Logger: logger})
	return readingroom.FromStore(ctx, store, sites, time.Now(), time.Duration(days)*24*time.Hour, readingroom.DeriveOptions{Rules: rules})
}

// demoScenario runs the demo's synthetic department for days of simulated
// time through a service of its own (MLLP ingest into an embedded store
// in a temporary folder, virtual radiologists claiming and reporting), on
// a clock that jumps to each next event, and makes a scenario of the
// turnaround records it leaves. The records carry simulated times, so
// the scenario has the department's real hours and weekdays (the demo
// under `serve --demo-speed` stamps compressed times).
func demoScenario(ctx context.Context, days int, seed int64, rulesFile string, sites []string, logger *slog.Logger) (*readingroom.Scenario, error) {
	dir, err := os.MkdirTemp("", "voorrang-demo-scenario-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var cfg serveConfig
	cfg.register(flag.NewFlagSet("", flag.ContinueOnError)) // the defaults
	clock := sim.NewManualClock(sim.DefaultStart())
	done := make(chan struct{})
	cfg.httpAddr, cfg.mllpAddr, cfg.dataDir, cfg.rulesFile, cfg.now = "127.0.0.1:0", "127.0.0.1:0", dir, rulesFile, clock.Now
	cfg.demo = demoConfig{enabled: true, seed: seed, speed: 1, clock: clock, window: time.Duration(days) * 24 * time.Hour,
		done: func(sim.LiveStats) { close(done) }}
	quiet := slog.New(slog.DiscardHandler)
	srv, err := newService(ctx, cfg, quiet)
	if err != nil {
		return nil, err
	}
	defer srv.close()
	runCtx, stop := context.WithCancel(ctx)
	stopped := make(chan error, 1)
	go func() { stopped <- srv.run(runCtx) }()
	logger.Info("scenario: running the demo's department", "days", days, "seed", seed)
	select {
	case <-done:
	case err := <-stopped:
		stop()
		return nil, fmt.Errorf("the demo's service stopped early: %w", err)
	case <-ctx.Done():
	}
	stop()
	if err := <-stopped; err != nil {
		return nil, fmt.Errorf("the demo's service: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return readingroom.FromStore(ctx, srv.store, sites, clock.Now(), time.Duration(days)*24*time.Hour,
		readingroom.DeriveOptions{Rules: srv.store.Rules()})
}
