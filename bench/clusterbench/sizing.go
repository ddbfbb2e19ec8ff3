package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/voorrang/voorrang/triage"
	"github.com/voorrang/voorrang/worklist"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

// usedMemory returns Redis's used_memory.
func usedMemory(ctx context.Context, rdb *redis.Client) (int64, error) {
	info, err := rdb.Info(ctx, "memory").Result()
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("no used_memory in INFO")
}

// A closedSizes is what a closed study takes in Redis, per study.
type closedSizes struct {
	studies      int
	days         int
	all          float64 // everything, while the closed study is kept (--closed-ttl)
	records      float64 // its turnaround record, kept --retention
	recordLength float64 // the record's length as written
	markers      float64 // its closed marker, kept --retention
	// settled and recent are the records' bytes a study (MEMORY USAGE)
	// of the days whose studies expired, stored at their length, and of
	// the last --closed-ttl days, still growing.
	settled, recent float64
	withAI          int // studies with an AI result
	perDay          float64
	sections        int
}

// closedPerStudy measures what a year of turnaround facts takes: n
// studies of one site ordered, a third given an AI result, and reported
// through the store, at the density of yearly studies a year (so many a
// UTC day, as the records are kept one string per site and day). Redis's
// used_memory is read before, after, after deleting every key but the
// records and the closed markers (what stays once the closed studies
// expired), and after deleting the markers too.
func closedPerStudy(ctx context.Context, addr string, n, yearly int) (closedSizes, error) {
	rdb := redis.NewClient(&redis.Options{Addr: addr, DB: 10})
	defer rdb.Close()
	const prefix = "year:"
	perDay := float64(yearly) / 365
	days := int(float64(n)/perDay) + 1
	// The first day is days ago, so that the records of every day are
	// kept (they expire --retention after their day).
	first := time.Now().UTC().Truncate(24 * time.Hour).Add(-time.Duration(days) * 24 * time.Hour)
	sections := []string{"neuro", "chest", "abdomen", "msk"}
	store := redisstore.New(rdb, redisstore.Options{Prefix: prefix,
		Section: func(st *worklist.Study) string { return sections[len(st.Accession)%len(sections)] }})
	before, err := usedMemory(ctx, rdb)
	if err != nil {
		return closedSizes{}, err
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	const workers = 4
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				if err := closeOne(ctx, store, i, first.Add(time.Duration(float64(i)/perDay*float64(24*time.Hour)))); err != nil {
					mu.Lock()
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return closedSizes{}, firstErr
	}
	all, err := usedMemory(ctx, rdb)
	if err != nil {
		return closedSizes{}, err
	}
	// The records' length as written, against what they take.
	facts, err := rdb.Keys(ctx, prefix+"*}:facts:*").Result()
	if err != nil {
		return closedSizes{}, err
	}
	var length int64
	last := first.Add(time.Duration(float64(n-1) / perDay * float64(24*time.Hour))).Truncate(24 * time.Hour)
	var usage, count [2]float64 // settled, recent
	for _, k := range facts {
		length += rdb.StrLen(ctx, k).Val()
		day, err := time.Parse("20060102", k[strings.LastIndexByte(k, ':')+1:])
		if err != nil {
			return closedSizes{}, fmt.Errorf("facts key %q: %w", k, err)
		}
		g := 0
		if day.After(last.Add(-15 * 24 * time.Hour)) { // the store's --closed-ttl, 14 days, and the day
			g = 1
		}
		usage[g] += float64(rdb.MemoryUsage(ctx, k, 0).Val())
		for i := range n {
			if first.Add(time.Duration(float64(i) / perDay * float64(24*time.Hour))).Truncate(24 * time.Hour).Equal(day) {
				count[g]++
			}
		}
	}
	// Deleting a few keys leaves the keyspace's tables as they are, so
	// the drop is the records' own; then the markers'.
	if err := deleteKeys(ctx, rdb, prefix+"*", func(k string) bool { return strings.Contains(k, "}:facts:") }); err != nil {
		return closedSizes{}, err
	}
	noRecords, err := usedMemory(ctx, rdb)
	if err != nil {
		return closedSizes{}, err
	}
	if err := deleteKeys(ctx, rdb, prefix+"*", func(k string) bool { return strings.Contains(k, "}:closed:") }); err != nil {
		return closedSizes{}, err
	}
	noMarkers, err := usedMemory(ctx, rdb)
	if err != nil {
		return closedSizes{}, err
	}
	if err := deleteKeys(ctx, rdb, prefix+"*", func(string) bool { return true }); err != nil {
		return closedSizes{}, err
	}
	f := float64(n)
	return closedSizes{studies: n, days: days, perDay: perDay, withAI: (n + 2) / 3, sections: len(sections),
		all: float64(all-before) / f, records: float64(all-noRecords) / f, recordLength: float64(length) / f,
		markers: float64(noRecords-noMarkers) / f, settled: usage[0] / count[0], recent: usage[1] / count[1]}, nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// closeOne orders study i, completed an hour before at, gives every third
// an AI result, and reports it at at, as the HL7 feed and the AI platform
// do.
func closeOne(ctx context.Context, store *redisstore.Store, i int, at time.Time) error {
	site, acc := "ZHWEST", fmt.Sprintf("Y%08d", i)
	o := event(site, acc, at.Add(-time.Hour))
	o.Order.Patient.MRN = fmt.Sprintf("%07d", 1000000+i)
	o.Order.OrderedAt, o.Order.CompletedAt = at.Add(-2*time.Hour), at.Add(-time.Hour)
	o.Source = "HIX|" + site + "|O" + acc
	if _, err := store.Apply(ctx, o, []byte("MSA|AA|O"+acc)); err != nil {
		return err
	}
	if i%3 == 0 {
		ai := worklist.Event{Kind: worklist.AIResultReceived, Site: site, Accession: acc, At: at.Add(-50 * time.Minute),
			Source: "ai:r" + acc, AI: &worklist.AIResult{ID: "r" + acc, ProducedAt: at.Add(-50 * time.Minute),
				Algorithm: triage.Algorithm{ID: "aidoc-pe", Name: "Incidental PE", Version: "2.1", Vendor: "Aidoc"},
				Findings:  []triage.Finding{{Code: "PE", Display: "PE", Positive: i%9 == 0, Confidence: 0.93}}}}
		if _, err := store.Apply(ctx, ai, []byte("MSA|AA|r"+acc)); err != nil {
			return err
		}
	}
	rep := worklist.Event{Kind: worklist.ReportFinal, Site: site, Accession: acc, At: at,
		Source: "HIX|" + site + "|R" + acc, Report: &worklist.Report{Reader: "radioloog" + strconv.Itoa(i%40)}}
	_, err := store.Apply(ctx, rep, []byte("MSA|AA|R"+acc))
	return err
}

// deleteKeys deletes the keys matching pattern for which del is true.
func deleteKeys(ctx context.Context, rdb *redis.Client, pattern string, del func(string) bool) error {
	iter := rdb.Scan(ctx, 0, pattern, 1000).Iterator()
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := rdb.Del(ctx, batch...).Err() // not UNLINK: it frees later, after used_memory is read
		batch = batch[:0]
		return err
	}
	for iter.Next(ctx) {
		if k := iter.Val(); del(k) {
			batch = append(batch, k)
			if len(batch) == 500 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	return flush()
}

func printClosed(out io.Writer, c closedSizes, yearly int) {
	fmt.Fprintf(out, "\n## A year of turnaround facts\n\n%d studies of one site ordered, %d with an AI result, and reported through the store over %d days (%.0f a day: %d a year), in %d sections; Redis's used_memory before, after, after deleting the records, and after deleting the closed markers (the closed study: the rest). The records are %.0f bytes a study as written; a day's string grows by APPEND, which leaves Redis room to grow it:\n\n",
		c.studies, c.withAI, c.days, c.perDay, yearly, c.sections, c.recordLength)
	fmt.Fprintln(out, "| kept | bytes a study | for a year |")
	fmt.Fprintln(out, "|---|---|---|")
	fmt.Fprintf(out, "| the closed study, --closed-ttl (14 days) | %.0f | |\n", c.all-c.records-c.markers)
	fmt.Fprintf(out, "| its turnaround record, --retention (400 days) | %.0f | %.1f MB |\n", c.records, c.records*float64(yearly)/1e6)
	fmt.Fprintf(out, "| its closed marker, --retention (400 days) | %.0f | %.1f MB |\n", c.markers, c.markers*float64(yearly)/1e6)
	fmt.Fprintf(out, "\nThe records by MEMORY USAGE: %.0f bytes a study on the days whose studies expired (stored at their length when a day 15 days later began), %.0f on the last 15 days (still growing by APPEND). A year, with all but the last 15 days settled: %.1f MB.\n",
		c.settled, c.recent, (c.settled*float64(yearly)*350/365+c.recent*float64(yearly)*15/365)/1e6)
}
