package main

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/hl7/mllp"
	"github.com/voorrang/voorrang/stats"
	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

// serviceMetrics are the Prometheus metrics of running the service. No
// label holds patient data: labels are message types, results, Redis
// command names, bands and algorithm IDs (as the AI platform names them,
// at most maxAlgorithmLabels of them).
type serviceMetrics struct {
	messages     *prometheus.CounterVec   // type, result
	ackLatency   *prometheus.HistogramVec // result
	redisLatency *prometheus.HistogramVec // command
	redisErrors  *prometheus.CounterVec   // command
	aiResults    *prometheus.CounterVec   // algorithm, outcome

	mu         sync.Mutex
	algorithms []string
}

// maxAlgorithmLabels bounds the algorithm label: IDs come from outside,
// and a platform sending a new ID with every result must not grow the
// metrics without end. Algorithms past the bound count as "other".
const maxAlgorithmLabels = 100

func newServiceMetrics() *serviceMetrics {
	return &serviceMetrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "voorrang_messages_total",
			Help: "HL7 messages answered over MLLP, by type (ORM^O01, OMI^O23, ORU^R01, ADT^A08; unsupported, unparsed) and result (accepted, pending, duplicate, rejected: AR, error: AE)."},
			[]string{"type", "result"}),
		ackLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "voorrang_ack_latency_seconds",
			Help:    "From a message read to its ACK written back: parse, store, answer; by result.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .25, .5, 1, 2.5}},
			[]string{"result"}),
		redisLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "voorrang_redis_latency_seconds",
			Help:    "Redis round trips by command (pipeline for a pipeline); xread blocks while it waits for changes.",
			Buckets: []float64{.0002, .0005, .001, .002, .005, .01, .025, .05, .1, .25, 1, 5}},
			[]string{"command"}),
		redisErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "voorrang_redis_errors_total",
			Help: "Redis commands that failed (not a missing key, a lost WATCH race or a script reloaded), by command."},
			[]string{"command"}),
		aiResults: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "voorrang_ai_results_total",
			Help: "AI results received (JSON, HL7, FHIR), by algorithm ID and outcome (positive, negative, pending: before the order, duplicate, refused)."},
			[]string{"algorithm", "outcome"}),
	}
}

// register adds the service's metrics to reg: the counters above, the
// ingest counters by outcome, the MLLP edge, the websocket clients, and
// the reading list now (open studies by band, overdue), read from Redis
// at each scrape.
func (s *service) registerMetrics(reg *prometheus.Registry) {
	m := s.metrics
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.messages, m.ackLatency, m.redisLatency, m.redisErrors, m.aiResults)
	st := s.handler.Stats()
	for outcome, v := range map[string]interface{ Load() int64 }{
		"accepted": &st.Accepted, "duplicate": &st.Duplicates, "pending": &st.Pending,
		"rejected": &st.Rejected, "error": &st.Errors,
	} {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "voorrang_hl7_messages_total", Help: "HL7 messages answered, by outcome (accepted includes pending).",
			ConstLabels: prometheus.Labels{"outcome": outcome},
		}, func() float64 { return float64(v.Load()) }))
	}
	mstats := func(f func(mllp.Stats) int64) func() float64 {
		return func() float64 { return float64(f(s.mllp.Stats())) }
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "voorrang_mllp_connections", Help: "MLLP connections open."},
			mstats(func(m mllp.Stats) int64 { return m.ConnsOpen })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "voorrang_mllp_frame_errors_total", Help: "MLLP frames too large, cut or timed out."},
			mstats(func(m mllp.Stats) int64 { return m.FrameErrors })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "voorrang_mllp_bytes_total", Help: "Bytes of HL7 messages received."},
			mstats(func(m mllp.Stats) int64 { return m.Bytes })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "voorrang_websocket_clients", Help: "Panels connected to this instance (websockets open)."},
			func() float64 {
				if s.http == nil {
					return 0
				}
				return float64(s.http.LiveClients())
			}),
		&backlogCollector{store: s.store, now: s.now},
	)
}

func (s *service) now() time.Time {
	if s.cfg.now != nil {
		return s.cfg.now()
	}
	return time.Now()
}

// observeMessage counts a message answered over MLLP and its ACK latency.
func (m *serviceMetrics) observeMessage(msgType, result string, took time.Duration) {
	m.messages.WithLabelValues(msgType, result).Inc()
	m.ackLatency.WithLabelValues(result).Observe(took.Seconds())
}

// algorithm returns the label of an algorithm ID.
func (m *serviceMetrics) algorithm(id string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if slices.Contains(m.algorithms, id) {
		return id
	}
	if len(m.algorithms) >= maxAlgorithmLabels || id == "" {
		return "other"
	}
	m.algorithms = append(m.algorithms, id)
	return id
}

// observedStore is the worklist store that counts the AI results it
// applies, whichever route they came by.
type observedStore struct {
	*redisstore.Store
	m *serviceMetrics
}

// Apply applies e, and counts it when it is an AI result.
func (o observedStore) Apply(ctx context.Context, e worklist.Event, ack []byte) (worklist.Outcome, error) {
	out, err := o.Store.Apply(ctx, e, ack)
	if e.Kind == worklist.AIResultReceived && e.AI != nil {
		outcome := "negative"
		switch {
		case err != nil:
			outcome = "refused"
		case out.Duplicate:
			outcome = "duplicate"
		case out.Pending:
			outcome = "pending"
		case slices.ContainsFunc(e.AI.Findings, func(f triage.Finding) bool { return f.Positive }):
			outcome = "positive"
		}
		o.m.aiResults.WithLabelValues(o.m.algorithm(e.AI.Algorithm.ID), outcome).Inc()
	}
	return out, err
}

// redisHook times every Redis command and counts its failures.
type redisHook struct{ m *serviceMetrics }

func (h redisHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h redisHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		h.observe(strings.ToLower(cmd.Name()), time.Since(start), err)
		return err
	}
}

func (h redisHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmds)
		h.observe("pipeline", time.Since(start), err)
		return err
	}
}

func (h redisHook) observe(command string, took time.Duration, err error) {
	h.m.redisLatency.WithLabelValues(command).Observe(took.Seconds())
	if err != nil && !errors.Is(err, redis.Nil) && !errors.Is(err, redis.TxFailedErr) && !strings.HasPrefix(err.Error(), "NOSCRIPT") {
		h.m.redisErrors.WithLabelValues(command).Inc()
	}
}

// backlogCollector reports the reading lists at each scrape: the open
// studies by band and the overdue ones, all sites together.
type backlogCollector struct {
	store interface {
		Waiting(ctx context.Context, sites []string) ([]worklist.Waiting, error)
	}
	now func() time.Time
}

var (
	openDesc = prometheus.NewDesc("voorrang_open_studies", "Studies on the reading lists now, by band.", []string{"band"}, nil)
	overDesc = prometheus.NewDesc("voorrang_overdue_studies", "Studies on the reading lists past their due time now, by band.", []string{"band"}, nil)
)

func (b *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- openDesc
	ch <- overDesc
}

// Collect reads the lists; when Redis does not answer within two seconds
// the gauges are left out of this scrape (the Redis errors say why).
func (b *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	open, err := b.store.Waiting(ctx, nil)
	if err != nil {
		return
	}
	for _, bb := range stats.BacklogAt(open, b.now()).Bands {
		ch <- prometheus.MustNewConstMetric(openDesc, prometheus.GaugeValue, float64(bb.Open), bb.Band)
		ch <- prometheus.MustNewConstMetric(overDesc, prometheus.GaugeValue, float64(bb.Overdue), bb.Band)
	}
}
