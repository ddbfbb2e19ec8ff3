package redisstore

import (
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

var (
	//go:embed scripts/apply.lua
	applySource string
	//go:embed scripts/pend.lua
	pendSource string
)

// A Store keeps studies in Redis. It is safe for concurrent use, also by
// several processes on one Redis.
type Store struct {
	rdb  redis.UniversalClient
	keys keys
	// rules are the rules in force: base with the registry's policies.
	rules atomic.Pointer[triage.Rules]
	// rulesVersion is the version of the published rules in force (0: the
	// store's own), rulesSum the SHA-256 of their file; rulesMu guards
	// both and orders reading the published rules with applying them.
	rulesMu      sync.Mutex
	rulesVersion int64
	rulesSum     [32]byte
	// registry guards base, the rules in force before the algorithm
	// registry's policies, and the policies it last applied over them.
	registry struct {
		sync.Mutex
		base     *triage.Rules
		version  int64
		policies map[string]triage.Policy
	}
	opts  Options
	apply *redis.Script
	pend  *redis.Script
	cache *studyCache
	days  *dayCache // decoded turnaround records (facts.go)
	// sites holds when this store last recorded each site in the sites
	// set, to spare a round trip for each new study. The set lives outside
	// the sites' hash tags, so the script cannot write it.
	sites sync.Map // site -> time.Time
	// announce is the channel the apply script publishes each change's
	// stream key on ("": it publishes none), and bell hears it, on Redis
	// Cluster (doorbell.go).
	announce string
	bell     *doorbell
}

// Options tune a Store; the zero value of each field is a sensible default.
type Options struct {
	// Prefix is put before every key, to separate stores in one database.
	Prefix string
	// Rules rank studies; nil means triage.DefaultRules().
	Rules *triage.Rules
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// StreamLength bounds each site's change stream (approximately);
	// zero means 10,000 entries.
	StreamLength int64
	// DedupeTTL is how long the ACK of an applied message is kept to answer
	// a resend; zero means 7 days.
	DedupeTTL time.Duration
	// PendingTTL is how long events for an accession never ordered are
	// kept; zero means 30 days.
	PendingTTL time.Duration
	// ClaimTTL is how long a claim lasts unless renewed; zero means 20 minutes.
	ClaimTTL time.Duration
	// ClosedTTL is how long a reported or cancelled study is kept after
	// its last change (for corrections, feedback and late AI results);
	// its turnaround record stays. Zero means 14 days.
	ClosedTTL time.Duration
	// Retention is how long turnaround records are kept, from the day
	// their study closed; so long, too, a message for a study that closed
	// and expired is ignored. Zero means 400 days.
	Retention time.Duration
	// Section names the part of the department a study belongs to, for
	// its turnaround record; nil records none.
	Section func(*worklist.Study) string
	// CacheSize is how many of the studies it wrote last the store keeps
	// in memory, to write the next change of one without reading it first;
	// zero means 16,384 (some tens of megabytes).
	CacheSize int
	// DayCacheSize is how many days of one site's turnaround records the
	// store keeps decoded for the statistics; zero means a year of 40
	// sites.
	DayCacheSize int
	// Logger receives warnings, never patient data; nil means slog.Default().
	Logger *slog.Logger
	// WaitReplicas, when above zero, makes Apply return only once that
	// many replicas of the primary hold the input (Redis WAIT), so that
	// an acknowledged input survives the primary's failure; when fewer
	// confirm within WaitTimeout (zero means one second) Apply returns
	// ErrNotReplicated. It costs a round trip and the replicas' lag on
	// every input.
	WaitReplicas int
	WaitTimeout  time.Duration
	// ClusterPoll is how often the change feed (WaitChanges) on Redis
	// Cluster reads every site's stream besides reading a site's as soon
	// as a change of it is announced; the poll finds a change whose
	// announcement was lost. Zero means one second, or 100 ms when it
	// does not listen.
	ClusterPoll time.Duration
	// NoAnnouncements makes the store on Redis Cluster neither announce
	// its changes nor listen for others': its change feed only polls, as
	// before announcements. For comparison in bench/clusterbench.
	NoAnnouncements bool
}

// New returns a Store on rdb.
func New(rdb redis.UniversalClient, opts Options) *Store {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.StreamLength == 0 {
		opts.StreamLength = 10_000
	}
	if opts.DedupeTTL == 0 {
		opts.DedupeTTL = 7 * 24 * time.Hour
	}
	if opts.PendingTTL == 0 {
		opts.PendingTTL = 30 * 24 * time.Hour
	}
	if opts.ClaimTTL == 0 {
		opts.ClaimTTL = 20 * time.Minute
	}
	if opts.ClosedTTL == 0 {
		opts.ClosedTTL = 14 * 24 * time.Hour
	}
	if opts.Retention == 0 {
		opts.Retention = 400 * 24 * time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.DayCacheSize <= 0 {
		opts.DayCacheSize = defaultDayCacheSize
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = defaultCacheSize
	}
	s := &Store{rdb: rdb, keys: keys{prefix: opts.Prefix}, opts: opts, cache: newStudyCache(opts.CacheSize), days: newDayCache(opts.DayCacheSize),
		apply: redis.NewScript(applySource), pend: redis.NewScript(pendSource)}
	rules := opts.Rules
	if rules == nil {
		rules = triage.DefaultRules()
	}
	s.registry.base = rules
	s.rules.Store(rules)
	if _, ok := rdb.(*redis.ClusterClient); ok && !opts.NoAnnouncements {
		s.announce = s.keys.changesAnnounced()
		s.bell = newDoorbell(rdb, s.announce, opts.Prefix)
	}
	return s
}

// SetRules replaces the triage rules (the algorithm registry's policies
// still apply over them); studies are ranked by them from their next
// change on (and every read re-ranks for display).
func (s *Store) SetRules(r *triage.Rules) {
	s.registry.Lock()
	defer s.registry.Unlock()
	s.registry.base = r
	s.rules.Store(r.WithPolicies(s.registry.version, s.registry.policies))
}

// Rules returns the triage rules in force: those set or published, with
// the algorithm registry's policies over them.
func (s *Store) Rules() *triage.Rules { return s.rules.Load() }

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }

// maxAttempts bounds the compare-and-set loop; each conflict means another
// writer made progress, so running out means heavy contention on one study.
const maxAttempts = 50

// Apply applies e to its study, durably: when it returns without error the
// study, its rank, one change record and the de-duplication key (e.Source
// with the value ack) are stored together. An event for an accession not
// yet ordered is kept and merged when the order arrives.
func (s *Store) Apply(ctx context.Context, e worklist.Event, ack []byte) (worklist.Outcome, error) {
	if !validID(e.Site) {
		return worklist.Outcome{}, fmt.Errorf("%w: site must be 1 to 64 printable characters without braces", worklist.ErrInvalid)
	}
	if e.Kind == worklist.PatientUpdated {
		return s.applyPatient(ctx, e, ack)
	}
	if !validID(e.Accession) {
		return worklist.Outcome{}, fmt.Errorf("%w: accession number must be 1 to 64 printable characters without braces", worklist.ErrInvalid)
	}
	dedupe := ""
	if e.Source != "" {
		dedupe = s.keys.dedupe(e.Site, e.Source)
		if len(ack) == 0 {
			ack = []byte("applied")
		}
	}
	out, err := s.mutate(ctx, mutation{site: e.Site, acc: e.Accession, dedupeKey: dedupe, dedupeVal: string(ack),
		create: e.Kind.CreatesStudy(), pendEvent: &e, edit: worklist.ApplyEvent(e)})
	if err != nil || out.Expired {
		return out, err
	}
	if err := s.replicated(ctx, dedupe); err != nil {
		return worklist.Outcome{}, err
	}
	if e.AI != nil && out.Changed {
		// The registry counts what it saw; the result is stored whether
		// or not the count is.
		if err := s.recordSeen(ctx, e.AI, cmp.Or(e.AI.ReceivedAt, s.opts.Now())); err != nil {
			s.opts.Logger.Warn("registry: an AI result was not counted", "err", err)
		}
		if out.Study != nil && out.Study.Status == worklist.StatusFinal {
			out.Discrepancies = worklist.Discrepancies(out.Study, e.AI.ID, s.rules.Load(), s.opts.Now())
			if err := s.addDiscrepancies(ctx, out.Discrepancies); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// replicated waits for the replicas when Options.WaitReplicas asks to,
// for an input with a de-duplication key (written with the input).
func (s *Store) replicated(ctx context.Context, dedupeKey string) error {
	if s.opts.WaitReplicas <= 0 || dedupeKey == "" {
		return nil
	}
	return s.waitReplicas(ctx, dedupeKey)
}

// A mutation is one compare-and-set change of a study.
type mutation struct {
	site, acc            string
	dedupeKey, dedupeVal string
	// create allows the mutation to create the study; otherwise a missing
	// study is ErrNotFound, or, with pendEvent, the event waits.
	create    bool
	pendEvent *worklist.Event
	edit      worklist.Edit
}

// mutate reads the study (or takes it from the cache), merges the edit
// with worklist.Update, and writes the result with the compare-and-set
// script, again from the read when another writer came first.
func (s *Store) mutate(ctx context.Context, m mutation) (worklist.Outcome, error) {
	sk := s.keys.study(m.site, m.acc)
	pk := s.keys.pending(m.site, m.acc)
	for attempt := 0; attempt < maxAttempts; attempt++ {
		var (
			st      *worklist.Study
			version int64
			pending []worklist.Event
			seen    []byte
			err     error
		)
		// First try without reading: the study as this store last wrote
		// it, or, for an order, no study yet. The script refuses either
		// guess if it is wrong, and the next attempt reads.
		blind := false
		if attempt == 0 {
			if c, v, ok := s.cache.get(sk); ok {
				st, version, blind = c, v, true
			} else if m.create {
				blind = true
			}
		}
		if !blind {
			var gone bool
			st, version, pending, seen, gone, err = s.read(ctx, sk, pk, m.dedupeKey, s.keys.closed(m.site, m.acc))
			if err != nil {
				return worklist.Outcome{}, err
			}
			if seen != nil {
				return worklist.Outcome{Duplicate: true, Ack: seen}, nil
			}
			if gone {
				return s.gone(m)
			}
		}
		now := s.opts.Now()
		var closedBefore time.Time // the day of the study's turnaround record, if it has one
		if st != nil && st.Status.Closed() {
			closedBefore = closeTime(st, now)
		}
		if st == nil {
			if !m.create {
				if m.pendEvent == nil {
					return worklist.Outcome{}, fmt.Errorf("%w: no such study at %s", worklist.ErrNotFound, m.site)
				}
				out, retry, err := s.keepPending(ctx, sk, pk, m)
				if retry {
					continue
				}
				return out, err
			}
			st = &worklist.Study{Site: m.site, Accession: m.acc}
		}
		tr, err := worklist.Update(st, pending, m.edit, s.rules.Load(), now)
		if err != nil {
			return worklist.Outcome{}, err
		}
		for _, err := range tr.Dropped {
			s.opts.Logger.Warn("worklist: dropped a pending event", "site", m.site, "err", err)
		}
		if !tr.Changed && version > 0 && len(pending) == 0 {
			if blind {
				continue // a resend may be a duplicate: read to find out
			}
			// Nothing to write, but a resend must still find its ACK.
			if m.dedupeKey != "" {
				if err := s.rdb.SetNX(ctx, m.dedupeKey, m.dedupeVal, s.opts.DedupeTTL).Err(); err != nil {
					return worklist.Outcome{}, fmt.Errorf("record a study at %s: %w", m.site, err)
				}
			}
			return worklist.Outcome{Study: st}, nil
		}
		st.Version, st.UpdatedAt = version+1, now
		pos, retry, err := s.write(ctx, m, st, tr, version, len(pending), closedBefore)
		if retry {
			s.cache.drop(sk)
			continue
		}
		if err != nil {
			return worklist.Outcome{}, err
		}
		if pos.gone {
			s.cache.drop(sk)
			return s.gone(m)
		}
		if pos.dup != nil {
			return worklist.Outcome{Duplicate: true, Ack: pos.dup}, nil
		}
		s.cache.put(sk, pos.data, st.Version)
		if version == 0 {
			if err := s.recordSite(ctx, m.site); err != nil {
				return worklist.Outcome{}, err
			}
		}
		return worklist.Outcome{Changed: true, Study: st, Position: pos.id}, nil
	}
	return worklist.Outcome{}, fmt.Errorf("%w: a study at %s changed %d times while being written; try again", worklist.ErrConflict, m.site, maxAttempts)
}

// gone answers an input for a study that closed and expired: it is
// ignored (a replay must not bring the study back), and a resend finds
// its ACK.
func (s *Store) gone(m mutation) (worklist.Outcome, error) {
	if m.create || m.pendEvent != nil {
		return worklist.Outcome{Expired: true}, nil
	}
	return worklist.Outcome{}, fmt.Errorf("%w: the study at %s was closed and has expired", worklist.ErrNotFound, m.site)
}

// closeTime returns when the closed study st closed, which names the day
// of its turnaround records; now when it says nothing.
func closeTime(st *worklist.Study, now time.Time) time.Time {
	return cmp.Or(st.ReportedAt, st.CancelledAt, now)
}

// recordSite adds site to the set of sites. It does so again at most once
// a minute, so that a set lost with a failover is soon whole again.
func (s *Store) recordSite(ctx context.Context, site string) error {
	now := time.Now()
	if t, ok := s.sites.Load(site); ok && now.Sub(t.(time.Time)) < time.Minute {
		return nil
	}
	if err := s.rdb.SAdd(ctx, s.keys.sites(), site).Err(); err != nil {
		return fmt.Errorf("record site: %w", err)
	}
	s.sites.Store(site, now)
	return nil
}

// read returns the study (nil if none), its version, the pending events of
// its accession, the value of the de-duplication key, and whether the
// study closed and expired (ck, its closed marker, exists while the study
// does not), in one round trip.
func (s *Store) read(ctx context.Context, sk, pk, dk, ck string) (st *worklist.Study, version int64, pending []worklist.Event, seen []byte, gone bool, err error) {
	pipe := s.rdb.Pipeline()
	hm := pipe.HMGet(ctx, sk, "v", "d")
	pl := pipe.LRange(ctx, pk, 0, -1)
	closed := pipe.Exists(ctx, ck)
	var dg *redis.StringCmd
	if dk != "" {
		dg = pipe.Get(ctx, dk)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, nil, nil, false, fmt.Errorf("read study: %w", err)
	}
	if dg != nil {
		if b, err := dg.Bytes(); err == nil {
			return nil, 0, nil, b, false, nil
		}
	}
	for _, raw := range pl.Val() {
		var e worklist.Event
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			return nil, 0, nil, nil, false, fmt.Errorf("read pending event: %w", err)
		}
		pending = append(pending, e)
	}
	vals := hm.Val()
	if len(vals) != 2 || vals[0] == nil {
		return nil, 0, pending, nil, closed.Val() == 1, nil
	}
	v, err := strconv.ParseInt(fmt.Sprint(vals[0]), 10, 64)
	if err != nil {
		return nil, 0, nil, nil, false, fmt.Errorf("read study version: %w", err)
	}
	st = new(worklist.Study)
	if err := unmarshalStudy([]byte(fmt.Sprint(vals[1])), st); err != nil {
		return nil, 0, nil, nil, false, fmt.Errorf("read study: %w", err)
	}
	return st, v, pending, nil, false, nil
}

// keepPending stores an event for an accession that has no study yet.
func (s *Store) keepPending(ctx context.Context, sk, pk string, m mutation) (out worklist.Outcome, retry bool, err error) {
	data, err := json.Marshal(m.pendEvent)
	if err != nil {
		return worklist.Outcome{}, false, fmt.Errorf("encode event: %w", err)
	}
	keys := []string{sk, pk, m.dedupeKey, s.keys.closed(m.site, m.acc)}
	if m.dedupeKey == "" {
		keys[2] = s.keys.dedupe(m.site, "-")
	}
	res, err := s.pend.Run(ctx, s.rdb, keys, data, m.dedupeVal, int64(s.opts.DedupeTTL/time.Second)).StringSlice()
	if err != nil {
		return worklist.Outcome{}, false, fmt.Errorf("keep pending event: %w", err)
	}
	switch res[0] {
	case "dup":
		return worklist.Outcome{Duplicate: true, Ack: []byte(res[1])}, false, nil
	case "conflict":
		return worklist.Outcome{}, true, nil
	case "gone":
		return worklist.Outcome{Expired: true}, false, nil
	}
	if err := s.rdb.Expire(ctx, pk, s.opts.PendingTTL).Err(); err != nil {
		return worklist.Outcome{}, false, fmt.Errorf("keep pending event: %w", err)
	}
	return worklist.Outcome{Pending: true, Changed: true}, false, nil
}

type written struct {
	id   string
	dup  []byte
	gone bool
	data []byte // the study as stored
}

// write runs the compare-and-set script for st. closedBefore is when the
// study had closed before this change (zero if it was open): a record
// that moves to another day is withdrawn from that day's.
func (s *Store) write(ctx context.Context, m mutation, st *worklist.Study, tr worklist.Transition, version int64, pending int, closedBefore time.Time) (written, bool, error) {
	// The reasons are not stored: every read works them out again (they
	// say how long the study has waited), and they are a fifth of its size.
	// Nor is the sort key, which follows from the rank.
	stored := *st
	stored.Rank.Reasons, stored.SortKey, stored.AIStates = nil, "", nil
	data, err := marshalStudy(&stored)
	if err != nil {
		return written{}, false, fmt.Errorf("encode study: %w", err)
	}
	score, escalates, waiting := "", "", ""
	if st.OnList {
		score = strconv.FormatInt(triage.Score(st.Rank), 10)
		if at := st.Rank.EscalatesAt; !at.IsZero() {
			escalates = strconv.FormatInt(at.UnixMilli(), 10)
		}
		waiting = strconv.FormatInt(cmp.Or(st.ReadyAt(), st.UpdatedAt).UnixMilli(), 10)
	}
	patientOp := ""
	if st.Patient.MRN != "" {
		patientOp = "add"
		if st.Status.Closed() {
			patientOp = "rem"
		}
	}
	var auditData []byte
	if tr.Audit != nil {
		if auditData, err = json.Marshal(tr.Audit); err != nil {
			return written{}, false, fmt.Errorf("encode audit: %w", err)
		}
	}
	dk := m.dedupeKey
	if dk == "" {
		dk = s.keys.dedupe(m.site, "-")
	}
	f := s.factWrite(st, tr, closedBefore)
	keys := []string{
		s.keys.study(m.site, m.acc), s.keys.ranking(m.site), s.keys.changes(m.site), dk,
		s.keys.pending(m.site, m.acc), s.keys.facts(m.site, f.day), s.keys.patient(m.site, st.Patient.MRN),
		s.keys.audit(m.site), s.keys.escalations(m.site), s.keys.waiting(m.site), s.keys.closed(m.site, m.acc),
		s.keys.facts(m.site, f.oldDay), s.keys.facts(m.site, f.settledDay),
	}
	res, err := s.apply.Run(ctx, s.rdb, keys,
		version, version+1, data, score, m.acc, string(tr.List), s.opts.StreamLength,
		m.dedupeVal, int64(s.opts.DedupeTTL/time.Second), pending, f.record, patientOp, auditData, escalates,
		waiting, f.expireAt, f.closedOp, s.opts.ClosedTTL.Milliseconds(), f.day.Format("20060102"), s.opts.Retention.Milliseconds(),
		f.withdrawal, f.oldExpireAt, s.announce,
	).StringSlice()
	if err != nil {
		return written{}, false, fmt.Errorf("write study: %w", err)
	}
	switch res[0] {
	case "dup":
		return written{dup: []byte(res[1])}, false, nil
	case "conflict":
		return written{}, true, nil
	case "gone":
		return written{gone: true}, false, nil
	}
	return written{id: res[1], data: data}, false, nil
}

// A factWrite is what a write does to the turnaround records.
type factWrite struct {
	day         time.Time // the UTC day of the study's record (close day), or of now
	record      []byte    // appended to day's records; nil for none
	expireAt    int64     // Unix ms
	closedOp    string    // "closed", "open" or ""
	oldDay      time.Time // the day the record was in before, when another
	withdrawal  []byte    // appended to oldDay's records
	oldExpireAt int64
	// settledDay is a day whose studies all expired (ClosedTTL after it):
	// its records are complete, and stored at their length once a day.
	settledDay time.Time
}

func (s *Store) factWrite(st *worklist.Study, tr worklist.Transition, closedBefore time.Time) factWrite {
	now := st.UpdatedAt
	f := factWrite{day: utcDay(now)}
	if st.Status.Closed() {
		closed := closeTime(st, now)
		f.day, f.closedOp = utcDay(closed), "closed"
		if tr.Turnaround != nil {
			t := *tr.Turnaround
			t.Version = st.Version
			if s.opts.Section != nil {
				t.Section = s.opts.Section(st)
			}
			f.record = appendFact(nil, &t, closed)
		}
	} else if tr.Reopened {
		f.closedOp = "open"
	}
	f.expireAt = f.day.Add(24*time.Hour + s.opts.Retention).UnixMilli()
	f.settledDay = utcDay(f.day.Add(-s.opts.ClosedTTL - 24*time.Hour))
	f.oldDay = f.day
	if !closedBefore.IsZero() && (!st.Status.Closed() || !utcDay(closedBefore).Equal(f.day)) {
		f.oldDay = utcDay(closedBefore)
		f.withdrawal = appendWithdrawal(nil, st.Accession, st.Version)
		f.oldExpireAt = f.oldDay.Add(24*time.Hour + s.opts.Retention).UnixMilli()
	}
	return f
}

// utcDay returns the start of t's day in UTC.
func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
