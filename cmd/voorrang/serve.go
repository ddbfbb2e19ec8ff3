package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	accessredis "github.com/voorrang/voorrang/access/redisstore"
	"github.com/voorrang/voorrang/audit"
	"github.com/voorrang/voorrang/embedredis"
	"github.com/voorrang/voorrang/hl7/mllp"
	"github.com/voorrang/voorrang/ingest"
	"github.com/voorrang/voorrang/stats"
	statsredis "github.com/voorrang/voorrang/stats/redisstore"
	"github.com/voorrang/voorrang/ui"
	"github.com/voorrang/voorrang/worklist"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

// serveConfig holds the options of the serve command.
type serveConfig struct {
	httpAddr        string
	mllpAddr        string
	redisURL        string
	dataDir         string
	memory          bool
	rulesFile       string
	accession       string
	aiSenders       string
	claimTTL        time.Duration
	closedTTL       time.Duration
	retention       time.Duration
	timeZone        string
	siteZones       string
	workingHours    string
	pacsURL         string
	sectionsFile    string
	cpuProfile      string
	origins         string
	maxMessageSize  int
	mllpIdle        time.Duration
	tlsCert, tlsKey string
	mllpEdge        mllpEdge
	httpEdge        httpEdge
	access          accessConfig
	shutdownTimeout time.Duration
	log             logFlags
	keyPrefix       string
	waitReplicas    int
	waitTimeout     time.Duration
	pseudonymFile   string
	demo            demoConfig // --demo: a synthetic department feeds the service (demo.go)

	// Tests: the wait before the embedded redis-server is started again
	// (nil: its backoff in real time); the store's clock (nil: time.Now).
	embedSleep func(context.Context, time.Duration) error
	now        func() time.Time
}

func (c *serveConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.httpAddr, "http", ":8080", "HTTP listen address (panel, API, /healthz)")
	fs.StringVar(&c.mllpAddr, "mllp", ":2575", "MLLP listen address for HL7 v2 feeds")
	fs.StringVar(&c.redisURL, "redis", "", "Redis URL (redis://host:6379/0, rediss://, unix://; Sentinel with ?master_name=); empty: the embedded store")
	fs.IntVar(&c.waitReplicas, "redis-wait-replicas", 0, "answer AA only once this many replicas hold the message (Redis WAIT), so that a failover loses nothing acknowledged; 0: do not wait")
	fs.DurationVar(&c.waitTimeout, "redis-wait-timeout", time.Second, "how long to wait for --redis-wait-replicas before answering AE (the sender resends)")
	fs.StringVar(&c.keyPrefix, "key-prefix", "", "put every key under this prefix, so that several deployments (or test runs) share one Redis database; no { or }")
	fs.StringVar(&c.dataDir, "data-dir", "var", "folder for the embedded store's data")
	fs.BoolVar(&c.memory, "memory", false, "embedded store in memory only (nothing persisted), even when redis-server is installed")
	fs.StringVar(&c.rulesFile, "rules", "", "triage rules file (YAML; \"voorrang rules\" prints the defaults); reloaded on SIGHUP, and published to every instance on the same Redis")
	fs.StringVar(&c.accession, "accession-fields", "OBR-18,ORC-3.1,OBR-3.1,IPC-1.1", "where the accession number is, tried in order")
	fs.StringVar(&c.aiSenders, "ai-senders", "AIPLATFORM", "sending applications (MSH-3) whose ORU^R01 carry AI results, comma-separated")
	fs.DurationVar(&c.claimTTL, "claim-ttl", 20*time.Minute, "how long a claim lasts unless renewed")
	c.closedTTL, c.retention = 14*24*time.Hour, 400*24*time.Hour
	fs.Var(days{&c.closedTTL}, "closed-ttl", "how long a reported or cancelled study is kept after its last change (its turnaround record stays), e.g. 14d")
	fs.Var(days{&c.retention}, "retention", "how long turnaround records are kept for the statistics, from the day their study closed, e.g. 400d")
	fs.StringVar(&c.timeZone, "time-zone", "Europe/Amsterdam", "time zone of the sites for the statistics (days, hours of the week, working hours)")
	fs.StringVar(&c.siteZones, "site-time-zones", "", "sites in another time zone than --time-zone, e.g. CURACAO=America/Curacao,ARUBA=America/Aruba")
	fs.StringVar(&c.pseudonymFile, "pseudonym-key-file", "", "file holding the secret key (16 bytes or more) of the pseudonyms in the statistics' CSV export; empty: a random key made once and kept in Redis")
	fs.StringVar(&c.workingHours, "working-hours", "08-17", "working hours, Monday to Friday, for the statistics: from-to in whole hours")
	fs.StringVar(&c.origins, "allowed-origins", "", "origins besides the service's own whose pages may open the websocket, comma-separated (e.g. https://pacs.example.org)")
	fs.StringVar(&c.sectionsFile, "sections", "", "sections file (YAML; \"voorrang sections\" prints the built-in ones); empty: neuro, chest, abdomen, msk")
	fs.StringVar(&c.pacsURL, "pacs-url-template", "", "the panel's \"open in PACS\" link, with {accession}, {mrn}, {site} and {studyUID}, e.g. https://pacs.example.org/viewer?acc={accession}")
	fs.IntVar(&c.maxMessageSize, "max-message-size", mllp.DefaultMaxSize, "largest HL7 message accepted, in bytes (reports may embed PDFs)")
	fs.DurationVar(&c.mllpIdle, "mllp-idle-timeout", mllp.DefaultIdleTimeout, "how long an idle MLLP connection is kept open")
	fs.StringVar(&c.tlsCert, "mllp-tls-cert", "", "PEM certificate file: serve MLLP over TLS")
	fs.StringVar(&c.tlsKey, "mllp-tls-key", "", "PEM private key file for --mllp-tls-cert")
	c.mllpEdge.register(fs)
	c.httpEdge.register(fs)
	c.access.register(fs)
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file (for performance work)")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 20*time.Second, "how long a graceful shutdown may take")
	c.log.register(fs)
	c.demo.register(fs)
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var cfg serveConfig
	fs := newFlagSet("voorrang serve", stderr)
	cfg.register(fs)
	if err := parseFlags(fs, args, redisEnv(getenv)); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	log, err := cfg.log.logger(stderr)
	if err != nil {
		return err
	}
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	cfg.demo.out = stdout
	srv, err := newService(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer srv.close()
	return srv.run(ctx)
}

// service is the running Voorrang: its store, listeners and servers.
type service struct {
	cfg        serveConfig
	log        *slog.Logger
	store      *redisstore.Store
	closeStore func()
	handler    *ingest.Handler
	mllpLn     net.Listener
	httpLn     net.Listener
	mllp       *mllp.Server
	http       *ui.Server
	accounts   *accessredis.Store
	audit      ui.Auditor
	closeAudit func()
	pilots     *statsredis.Pilots
	calendar   *stats.Calendar
	metrics    *serviceMetrics
	registry   *prometheus.Registry
}

// newService opens the store and the listeners, so that a caller (or a
// test using port 0) knows the addresses before run.
func newService(ctx context.Context, cfg serveConfig, log *slog.Logger) (*service, error) {
	if strings.ContainsAny(cfg.keyPrefix, "{}") {
		return nil, fmt.Errorf("--key-prefix %q: no { or }: keys carry the site as their Redis Cluster hash tag", cfg.keyPrefix)
	}
	rules, err := loadRules(cfg.rulesFile)
	if err != nil {
		return nil, err
	}
	sections, err := loadSections(cfg.sectionsFile)
	if err != nil {
		return nil, err
	}
	calendar, err := loadCalendar(cfg.timeZone, cfg.siteZones, cfg.workingHours)
	if err != nil {
		return nil, err
	}
	mapping := ingest.DefaultMapping()
	if mapping.Accession, err = ingest.ParsePaths(cfg.accession); err != nil {
		return nil, fmt.Errorf("--accession-fields: %w", err)
	}
	mapping.AISenders = splitList(cfg.aiSenders)
	tlsConfig, err := cfg.mllpEdge.tlsConfig(cfg.tlsCert, cfg.tlsKey)
	if err != nil {
		return nil, err
	}
	allowed, err := cfg.mllpEdge.sources()
	if err != nil {
		return nil, err
	}
	edge, err := cfg.httpEdge.edge(cfg.httpEdge.tlsCert != "")
	if err != nil {
		return nil, err
	}
	dataDir, err := cfg.demo.storeDir(cfg.dataDir, cfg.redisURL)
	if err != nil {
		return nil, err
	}
	embedded := embedredis.Options{Dir: filepath.Join(dataDir, "redis"), Logger: log, ForceMemory: cfg.memory, Sleep: cfg.embedSleep}
	rdb, closeStore, err := openRedis(context.WithoutCancel(ctx), cfg.redisURL, embedded, log)
	if err != nil {
		return nil, err
	}
	s := &service{cfg: cfg, log: log, closeStore: closeStore, calendar: calendar, metrics: newServiceMetrics()}
	rdb.AddHook(redisHook{s.metrics})
	s.store = redisstore.New(rdb, redisstore.Options{Rules: rules, ClaimTTL: cfg.claimTTL, Logger: log, Prefix: cfg.keyPrefix, Now: cfg.now,
		ClosedTTL: cfg.closedTTL, Retention: cfg.retention, WaitReplicas: cfg.waitReplicas, WaitTimeout: cfg.waitTimeout,
		Section: func(st *worklist.Study) string { return ui.SectionOf(sections, st) }})
	if _, err := s.store.ReloadAlgorithms(ctx); err != nil {
		// The watcher tries again; until then the rules file's policies apply.
		log.Warn("voorrang: the algorithm registry was not read", "err", err)
	}
	if s.mllpLn, err = net.Listen("tcp", cfg.mllpAddr); err != nil {
		closeStore()
		return nil, fmt.Errorf("MLLP: %w", err)
	}
	if s.httpLn, err = net.Listen("tcp", cfg.httpAddr); err != nil {
		s.mllpLn.Close()
		closeStore()
		return nil, fmt.Errorf("HTTP: %w", err)
	}
	if ln, _, err := cfg.httpEdge.listen(s.httpLn); err != nil {
		s.httpLn.Close()
		s.mllpLn.Close()
		closeStore()
		return nil, err
	} else {
		s.httpLn = ln
	}
	acc, rec, trail, accounts, closeAudit, err := cfg.access.build(rdb, cfg.keyPrefix, edge.PublicURL, cfg.now)
	if err != nil {
		s.httpLn.Close()
		s.mllpLn.Close()
		closeStore()
		return nil, err
	}
	s.accounts, s.audit, s.closeAudit = accounts, rec, closeAudit
	observed := observedStore{Store: s.store, m: s.metrics}
	s.handler = &ingest.Handler{Store: observed, Mapping: mapping, Application: "VOORRANG", Logger: log, Observe: s.metrics.observeMessage}
	s.pilots = statsredis.New(rdb, statsredis.Options{Prefix: cfg.keyPrefix, Now: cfg.now})
	key, err := cfg.pseudonymKey(ctx, rdb)
	if err != nil {
		s.httpLn.Close()
		s.mllpLn.Close()
		closeAudit()
		closeStore()
		return nil, err
	}
	s.registry = prometheus.NewRegistry()
	s.mllp = &mllp.Server{
		Handler:           s.handler,
		TLSConfig:         tlsConfig,
		MaxSize:           cfg.maxMessageSize,
		IdleTimeout:       cfg.mllpIdle,
		MaxConns:          cfg.mllpEdge.maxConns,
		MaxConnsPerSource: cfg.mllpEdge.maxPerSource,
		AllowedSources:    allowed,
		Logger:            log,
	}
	if len(allowed) == 0 {
		log.Warn("mllp: connections are accepted from any address; name the interface engines' networks with --mllp-allow")
	}
	s.registerMetrics(s.registry)
	s.http = ui.New(ui.Config{Store: observed, Logger: log, Version: version, Metrics: s.registry, PACSURLTemplate: cfg.pacsURL, ClaimTTL: cfg.claimTTL, Sections: sections,
		AllowedOrigins: splitList(cfg.origins), Calendar: calendar, WhatIf: s.store, Edge: edge,
		Pilots: s.pilots, PseudonymKey: key,
		Access: acc, Audit: rec, AuditTrail: trail})
	s.shareRules(ctx)
	return s, nil
}

// shareRules makes the instances on one Redis rank by one set of rules.
// An instance started with --rules publishes its file to all (a file
// unchanged since it was published keeps its version); one without
// applies the rules published, if any. While Redis does not answer, the
// instance ranks by its own rules and WatchRules catches up later.
func (s *service) shareRules(ctx context.Context) {
	if s.cfg.rulesFile == "" {
		if _, err := s.store.LoadRules(ctx); err != nil {
			s.log.Warn("rules: the published rules could not be read; the built-in rules apply for now", "err", err)
		}
		return
	}
	data, err := os.ReadFile(s.cfg.rulesFile)
	if err == nil {
		_, err = s.store.PublishRules(ctx, data)
	}
	if err != nil {
		s.log.Warn("rules: the rules file was not published to the other instances", "err", err)
	}
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// run serves until ctx is cancelled, then shuts down gracefully: it stops
// accepting, lets MLLP connections finish the message in hand and write
// its ACK, and waits for HTTP requests in flight. SIGHUP reloads the rules.
// Meanwhile it ranks studies again when their escalations fall due.
func (s *service) run(ctx context.Context) error {
	s.log.Info("voorrang: serving", "version", version,
		"http", s.httpLn.Addr().String(), "mllp", s.mllpLn.Addr().String())
	errc := make(chan error, 2)
	go func() {
		err := s.mllp.Serve(context.WithoutCancel(ctx), s.mllpLn)
		if errors.Is(err, mllp.ErrServerClosed) {
			err = nil
		}
		errc <- err
	}()
	go func() { errc <- s.http.Serve(s.httpLn) }()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	stopDemo := s.startDemo(ctx)
	// Escalations move studies at their time, with no message to say so.
	escCtx, stopEscalations := context.WithCancel(ctx)
	escDone := make(chan struct{})
	go func() {
		defer close(escDone)
		s.store.RunEscalations(escCtx, 0)
	}()

	// The statistics read a year of turnaround records: decoded now, in
	// the background, a manager's first query is as quick as any later.
	warmDone := make(chan struct{})
	go func() {
		defer close(warmDone)
		start := time.Now()
		n, err := s.store.WarmTurnarounds(ctx)
		if err != nil && ctx.Err() != nil {
			return // shutting down
		}
		if err != nil {
			s.log.Warn("stats: the turnaround records were not read ahead; the first query reads them", "err", err)
			return
		}
		s.log.Info("stats: turnaround records read ahead", "records", n, "took", time.Since(start).Round(time.Millisecond))
	}()

	// Rules published by any instance, and the algorithm registry's
	// changes, apply here too.
	rulesCtx, stopRules := context.WithCancel(ctx)
	rulesDone := make(chan struct{})
	go func() {
		defer close(rulesDone)
		s.store.WatchRules(rulesCtx, 0)
	}()

	var err error
loop:
	for {
		select {
		case <-ctx.Done():
			s.log.Info("voorrang: shutting down")
			break loop
		case err = <-errc:
			s.log.Error("voorrang: server stopped", "err", err)
			break loop
		case <-hup:
			s.reloadRules()
		}
	}
	stopDemo()
	stopEscalations()
	<-escDone
	stopRules()
	<-rulesDone
	<-warmDone
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.shutdownTimeout)
	defer cancel()
	if e := s.mllp.Shutdown(sctx); e != nil {
		s.log.Warn("voorrang: MLLP shutdown", "err", e)
	}
	if e := s.http.Shutdown(sctx); e != nil {
		s.log.Warn("voorrang: HTTP shutdown", "err", e)
	}
	s.log.Info("voorrang: stopped")
	return err
}

// reloadRules reads the rules file again and publishes it, so that every
// instance on this Redis ranks by it; a file with errors leaves the rules
// in force.
func (s *service) reloadRules() {
	if s.cfg.rulesFile == "" {
		s.log.Info("voorrang: SIGHUP: no --rules file; the built-in rules stay")
		return
	}
	r, err := loadRules(s.cfg.rulesFile)
	if err != nil {
		s.log.Error("voorrang: rules not reloaded; the old rules stay", "err", err)
		return
	}
	data, err := os.ReadFile(s.cfg.rulesFile)
	if err == nil {
		_, err = s.store.PublishRules(context.Background(), data)
	}
	if err != nil {
		s.store.SetRules(r)
		s.log.Error("voorrang: rules reloaded here but not published to the other instances", "err", err)
	} else {
		s.log.Info("voorrang: rules reloaded and published to every instance", "file", s.cfg.rulesFile)
	}
	s.recordAudit(audit.Entry{Actor: "system", Method: "sighup", Action: audit.RulesChange, Outcome: audit.OK,
		Target: s.cfg.rulesFile, Detail: "reloaded"})
}

// close releases the store; call it after run.
func (s *service) close() {
	s.closeAudit()
	s.closeStore()
}

// recordAudit appends an entry made outside a request to the audit trail.
func (s *service) recordAudit(e audit.Entry) {
	if e.At.IsZero() {
		e.At = time.Now()
		if s.cfg.now != nil {
			e.At = s.cfg.now()
		}
	}
	if err := s.audit.Record(context.Background(), e); err != nil {
		s.log.Error("audit: an entry was not written", "action", e.Action, "err", err)
	}
}

// pseudonymKey returns the key of the export's pseudonyms: the file's
// content, or the one kept in Redis.
func (c *serveConfig) pseudonymKey(ctx context.Context, rdb redis.UniversalClient) ([]byte, error) {
	if c.pseudonymFile == "" {
		return statsredis.PseudonymKey(ctx, rdb, c.keyPrefix)
	}
	key, err := os.ReadFile(c.pseudonymFile)
	if err != nil {
		return nil, fmt.Errorf("--pseudonym-key-file: %w", err)
	}
	if key = bytes.TrimSpace(key); len(key) < 16 {
		return nil, fmt.Errorf("--pseudonym-key-file: the key must be 16 bytes or more")
	}
	return key, nil
}
