package redisstore

import (
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/voorrang/voorrang/worklist"
)

// defaultDayCacheSize is how many days of turnaround records a store
// keeps decoded by default: a year of 40 sites.
const defaultDayCacheSize = 40 * 366

// dayCache keeps the decoded turnaround records of days (by their key),
// with the length of the string they were decoded from. A day's records
// are only ever appended to, so the same length means the same records;
// the key expires at the end of the retention and is then never read.
type dayCache struct {
	c *lru.Cache[string, cachedDay]
}

type cachedDay struct {
	length int64
	facts  []worklist.Turnaround
}

func newDayCache(size int) *dayCache {
	c, err := lru.New[string, cachedDay](size)
	if err != nil {
		panic(err) // only for size <= 0, which New never passes
	}
	return &dayCache{c: c}
}

// get returns the records of the day key when they were decoded from a
// string of length n.
func (c *dayCache) get(key string, n int64) ([]worklist.Turnaround, bool) {
	e, ok := c.c.Get(key)
	if !ok || e.length != n {
		return nil, false
	}
	return e.facts, true
}

func (c *dayCache) put(key string, n int64, facts []worklist.Turnaround) {
	c.c.Add(key, cachedDay{length: n, facts: facts})
}

// clear forgets every day (for benchmarks of a cold read).
func (c *dayCache) clear() { c.c.Purge() }

// ForgetDecodedDays drops the decoded turnaround records the store keeps,
// so that the next read of the statistics reads and decodes every day
// again (for benchmarks of a cold read).
func (s *Store) ForgetDecodedDays() { s.days.clear() }
