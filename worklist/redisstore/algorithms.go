package redisstore

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
)

// The algorithm registry: every algorithm that sent a result, with what
// was seen of it, and the records the department keeps of algorithms
// (regulatory status, approval, modes per site, threshold, intended use).
// The records are the policies every instance ranks by: a change is
// written with a new registry version and announced on the rules' channel;
// each instance (WatchRules) applies it when it hears, or at its next look.

//go:embed scripts/algorithm.lua
var algorithmSource string

var algorithmScript = redis.NewScript(algorithmSource)

// historyLength bounds each algorithm's list of changes; the audit trail
// keeps them all for its retention.
const historyLength = 1000

// recordSeen counts an AI result of the registry's algorithms: its
// algorithm, the version, when, and its findings the rules do not know.
func (s *Store) recordSeen(ctx context.Context, r *worklist.AIResult, at time.Time) error {
	id := r.Algorithm.ID
	if !validID(id) {
		return nil
	}
	k := s.keys.algorithmSeen(id)
	ms := at.UnixMilli()
	rules := s.rules.Load()
	pipe := s.rdb.Pipeline()
	pipe.SAdd(ctx, s.keys.algorithmIDs(), id)
	pipe.HSetNX(ctx, k, "first", ms)
	fields := []any{"last", ms}
	for _, f := range []struct{ name, v string }{{"vendor", r.Algorithm.Vendor}, {"name", r.Algorithm.Name}, {"version", r.Algorithm.Version}} {
		if f.v != "" {
			fields = append(fields, f.name, f.v)
		}
	}
	pipe.HSet(ctx, k, fields...)
	pipe.HIncrBy(ctx, k, "results", 1)
	if r.Algorithm.Version != "" {
		pipe.HIncrBy(ctx, k, "v:"+r.Algorithm.Version, 1)
	}
	for i := range r.Findings {
		fd := &r.Findings[i]
		if _, known := rules.Concept(fd); !known {
			pipe.HIncrBy(ctx, k, "u:"+findingCode(fd), 1)
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("record algorithm %s: %w", id, err)
	}
	return nil
}

// findingCode names an unknown finding by its first code: system|code, or
// the code alone.
func findingCode(fd *triage.Finding) string {
	if len(fd.Codes) > 0 {
		c := fd.Codes[0]
		if c.System != "" {
			return c.System + "|" + c.Code
		}
		return c.Code
	}
	return fd.Code
}

// Algorithms returns the registry: every algorithm seen, recorded or named
// by the rules file, by ID.
func (s *Store) Algorithms(ctx context.Context) ([]worklist.Algorithm, error) {
	ids, err := s.rdb.SMembers(ctx, s.keys.algorithmIDs()).Result()
	if err != nil {
		return nil, fmt.Errorf("list algorithms: %w", err)
	}
	records, err := s.records(ctx)
	if err != nil {
		return nil, err
	}
	for id := range records {
		ids = append(ids, id)
	}
	ids = append(ids, s.registryBase().Algorithms()...)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := make([]worklist.Algorithm, 0, len(ids))
	for _, id := range ids {
		a, err := s.algorithm(ctx, id, records)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Algorithm returns one algorithm of the registry: one seen, recorded, or
// named by the rules file; another is worklist.ErrNotFound.
func (s *Store) Algorithm(ctx context.Context, id string) (worklist.Algorithm, error) {
	if !validID(id) {
		return worklist.Algorithm{}, fmt.Errorf("%w: no such algorithm", worklist.ErrNotFound)
	}
	records, err := s.records(ctx)
	if err != nil {
		return worklist.Algorithm{}, err
	}
	a, err := s.algorithm(ctx, id, records)
	if err != nil {
		return worklist.Algorithm{}, err
	}
	if a.Results == 0 && a.Record == nil && a.PolicyFrom == worklist.PolicyFromNew {
		return worklist.Algorithm{}, fmt.Errorf("%w: no algorithm %q has sent a result or been recorded", worklist.ErrNotFound, id)
	}
	return a, nil
}

// algorithm assembles the registry's entry of id.
func (s *Store) algorithm(ctx context.Context, id string, records map[string]worklist.AlgorithmRecord) (worklist.Algorithm, error) {
	seen, err := s.rdb.HGetAll(ctx, s.keys.algorithmSeen(id)).Result()
	if err != nil {
		return worklist.Algorithm{}, fmt.Errorf("read algorithm %s: %w", id, err)
	}
	a := worklist.Algorithm{ID: id, Vendor: seen["vendor"], Name: seen["name"], Version: seen["version"]}
	for f, v := range seen {
		n, _ := strconv.ParseInt(v, 10, 64)
		switch {
		case f == "first":
			a.FirstSeen = time.UnixMilli(n).UTC()
		case f == "last":
			a.LastSeen = time.UnixMilli(n).UTC()
		case f == "results":
			a.Results = n
		case f == "discrepancies":
			a.Discrepancies = n
		case strings.HasPrefix(f, "v:"):
			if a.Versions == nil {
				a.Versions = map[string]int64{}
			}
			a.Versions[f[2:]] = n
		case strings.HasPrefix(f, "u:"):
			if a.Unmapped == nil {
				a.Unmapped = map[string]int64{}
			}
			a.Unmapped[f[2:]] = n
		}
	}
	if rec, ok := records[id]; ok {
		a.Record = &rec
		a.Policy, a.PolicyFrom = rec.Policy, worklist.PolicyFromRegistry
		return a, nil
	}
	p, known := s.registryBase().Policy(id)
	a.Policy, a.PolicyFrom = p, worklist.PolicyFromRules
	if !known {
		a.PolicyFrom = worklist.PolicyFromNew
	}
	return a, nil
}

// registryBase returns the rules the registry's policies apply over.
func (s *Store) registryBase() *triage.Rules {
	s.registry.Lock()
	defer s.registry.Unlock()
	return s.registry.base
}

// records reads the department's records of algorithms.
func (s *Store) records(ctx context.Context) (map[string]worklist.AlgorithmRecord, error) {
	raw, err := s.rdb.HGetAll(ctx, s.keys.algorithmRecords()).Result()
	if err != nil {
		return nil, fmt.Errorf("read algorithm records: %w", err)
	}
	out := make(map[string]worklist.AlgorithmRecord, len(raw))
	for id, v := range raw {
		var rec worklist.AlgorithmRecord
		if err := json.Unmarshal([]byte(v), &rec); err != nil {
			return nil, fmt.Errorf("read algorithm record %s: %w", id, err)
		}
		out[id] = rec
	}
	return out, nil
}

// ChangeAlgorithm applies patch to the record of the algorithm id as by
// says, and returns the change. The change is written with a new registry
// version and announced to the other instances; this store applies it at once, and ranks again
// every open study that holds a result of the algorithm, so that every
// panel shows its new place. Two admins changing one algorithm at once
// cannot lose either change: the record is compared and set.
func (s *Store) ChangeAlgorithm(ctx context.Context, id, by string, patch worklist.AlgorithmPatch) (worklist.AlgorithmChange, error) {
	if !validID(id) {
		return worklist.AlgorithmChange{}, fmt.Errorf("%w: an algorithm ID is 1 to 64 printable characters without braces", worklist.ErrInvalid)
	}
	for attempt := 0; attempt < maxAttempts; attempt++ {
		prev, err := s.rdb.HGet(ctx, s.keys.algorithmRecords(), id).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return worklist.AlgorithmChange{}, fmt.Errorf("read algorithm record %s: %w", id, err)
		}
		var before *worklist.AlgorithmRecord
		current, _ := s.registryBase().Policy(id)
		if prev != "" {
			before = new(worklist.AlgorithmRecord)
			if err := json.Unmarshal([]byte(prev), before); err != nil {
				return worklist.AlgorithmChange{}, fmt.Errorf("read algorithm record %s: %w", id, err)
			}
		}
		after, err := patch.Apply(before, current, by, s.opts.Now())
		if err != nil {
			return worklist.AlgorithmChange{}, err
		}
		change := worklist.AlgorithmChange{Algorithm: id, At: after.ChangedAt, By: by, Why: after.Why, Before: before, After: after}
		recJSON, err := json.Marshal(after)
		if err != nil {
			return worklist.AlgorithmChange{}, fmt.Errorf("encode algorithm record: %w", err)
		}
		changeJSON, err := json.Marshal(change)
		if err != nil {
			return worklist.AlgorithmChange{}, fmt.Errorf("encode algorithm change: %w", err)
		}
		keys := []string{s.keys.algorithmRecords(), s.keys.algorithmVersion(), s.keys.algorithmHistory(id)}
		v, err := algorithmScript.Run(ctx, s.rdb, keys, id, prev, recJSON, changeJSON, historyLength).Int64()
		if err != nil {
			return worklist.AlgorithmChange{}, fmt.Errorf("change algorithm %s: %w", id, err)
		}
		if v < 0 {
			continue // another admin came first: patch their record
		}
		change.Version = v
		// The other instances apply it when they hear (WatchRules), or at
		// their next look.
		if err := s.rdb.Publish(ctx, s.keys.rulesChanged(), "algorithms").Err(); err != nil {
			s.opts.Logger.Warn("registry: a change was not announced", "err", err)
		}
		if _, err := s.ReloadAlgorithms(ctx); err != nil {
			return change, err
		}
		if _, err := s.RerankAlgorithm(ctx, id); err != nil {
			return change, err
		}
		return change, nil
	}
	return worklist.AlgorithmChange{}, fmt.Errorf("%w: algorithm %s changed %d times while being written; try again", worklist.ErrConflict, id, maxAttempts)
}

// AlgorithmHistory returns the changes of an algorithm's record, newest
// first (at most the last 1,000).
func (s *Store) AlgorithmHistory(ctx context.Context, id string) ([]worklist.AlgorithmChange, error) {
	if !validID(id) {
		return nil, fmt.Errorf("%w: no such algorithm", worklist.ErrNotFound)
	}
	raw, err := s.rdb.LRange(ctx, s.keys.algorithmHistory(id), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("read algorithm history %s: %w", id, err)
	}
	out := make([]worklist.AlgorithmChange, 0, len(raw))
	for _, v := range raw {
		var c worklist.AlgorithmChange
		if err := json.Unmarshal([]byte(v), &c); err != nil {
			return nil, fmt.Errorf("read algorithm history %s: %w", id, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// ReloadAlgorithms applies the registry's records if their version
// differs from the one this store ranks by, and reports whether it did.
func (s *Store) ReloadAlgorithms(ctx context.Context) (bool, error) {
	v, err := s.rdb.Get(ctx, s.keys.algorithmVersion()).Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		return false, fmt.Errorf("read registry version: %w", err)
	}
	if v == s.rules.Load().PoliciesVersion() {
		return false, nil
	}
	// The version and the records, as of one moment.
	var vc *redis.StringCmd
	var rc *redis.MapStringStringCmd
	if _, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		vc = p.Get(ctx, s.keys.algorithmVersion())
		rc = p.HGetAll(ctx, s.keys.algorithmRecords())
		return nil
	}); err != nil && !errors.Is(err, redis.Nil) {
		return false, fmt.Errorf("read algorithm records: %w", err)
	}
	v, _ = vc.Int64()
	policies := make(map[string]triage.Policy, len(rc.Val()))
	for id, raw := range rc.Val() {
		var rec worklist.AlgorithmRecord
		if err := json.Unmarshal([]byte(raw), &rec); err != nil {
			return false, fmt.Errorf("read algorithm record %s: %w", id, err)
		}
		policies[id] = rec.Policy
	}
	s.registry.Lock()
	defer s.registry.Unlock()
	if v == s.registry.version && v == s.rules.Load().PoliciesVersion() {
		return false, nil
	}
	s.registry.version, s.registry.policies = v, policies
	s.rules.Store(s.registry.base.WithPolicies(v, policies))
	return true, nil
}

// RerankAlgorithm ranks again, and records as a change, every open study
// that holds a result of the algorithm id, so that each panel shows where
// the rules in force put it. It returns how many it ranked.
func (s *Store) RerankAlgorithm(ctx context.Context, id string) (int, error) {
	sites, err := s.Sites(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, site := range sites {
		accs, err := s.rdb.ZRange(ctx, s.keys.ranking(site), 0, -1).Result()
		if err != nil {
			return n, fmt.Errorf("rerank at %s: %w", site, err)
		}
		for chunk := range slices.Chunk(accs, 500) {
			pipe := s.rdb.Pipeline()
			cmds := make([]*redis.StringCmd, len(chunk))
			for i, acc := range chunk {
				cmds[i] = pipe.HGet(ctx, s.keys.study(site, acc), "d")
			}
			if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
				return n, fmt.Errorf("rerank at %s: %w", site, err)
			}
			for i, c := range cmds {
				data, err := c.Bytes()
				if err != nil {
					continue // gone meanwhile
				}
				var st worklist.Study
				if err := unmarshalStudy(data, &st); err != nil {
					return n, fmt.Errorf("rerank at %s: %w", site, err)
				}
				if !st.UsesAlgorithm(id) {
					continue
				}
				if _, err := s.mutate(ctx, mutation{site: site, acc: chunk[i], edit: worklist.Rerank()}); err != nil {
					if errors.Is(err, worklist.ErrNotFound) {
						continue
					}
					return n, fmt.Errorf("rerank at %s: %w", site, err)
				}
				n++
			}
		}
	}
	return n, nil
}

// feedbackLength bounds each algorithm's feedback log.
const feedbackLength = 10_000

// logFeedback adds reader's verdict on the result of st to its
// algorithm's feedback log.
func (s *Store) logFeedback(ctx context.Context, st *worklist.Study, resultID, reader string) error {
	f, ok := worklist.FeedbackOn(st, resultID, reader, s.opts.Now())
	if !ok || !validID(f.Algorithm) {
		return nil
	}
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("encode feedback: %w", err)
	}
	k := s.keys.algorithmFeedback(f.Algorithm)
	pipe := s.rdb.Pipeline()
	pipe.LPush(ctx, k, data)
	pipe.LTrim(ctx, k, 0, feedbackLength-1)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("log feedback on %s: %w", f.Algorithm, err)
	}
	return nil
}

// AlgorithmFeedback returns the readers' verdicts on an algorithm's
// results, newest first: at most limit from offset.
func (s *Store) AlgorithmFeedback(ctx context.Context, id string, offset, limit int) ([]worklist.Feedback, int64, error) {
	if !validID(id) {
		return nil, 0, fmt.Errorf("%w: no such algorithm", worklist.ErrNotFound)
	}
	k := s.keys.algorithmFeedback(id)
	pipe := s.rdb.Pipeline()
	lr := pipe.LRange(ctx, k, int64(offset), int64(offset+limit-1))
	ln := pipe.LLen(ctx, k)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, 0, fmt.Errorf("read feedback on %s: %w", id, err)
	}
	out := make([]worklist.Feedback, 0, len(lr.Val()))
	for _, v := range lr.Val() {
		var f worklist.Feedback
		if err := json.Unmarshal([]byte(v), &f); err != nil {
			return nil, 0, fmt.Errorf("read feedback on %s: %w", id, err)
		}
		out = append(out, f)
	}
	return out, ln.Val(), nil
}
