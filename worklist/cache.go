package worklist

import "sync"

// studyCache keeps the studies this store wrote last, so that the next
// event for one can go straight to the compare-and-set script without
// reading the study first. A stale entry costs nothing but a retry: the
// script refuses a version that is not the stored one.
type studyCache struct {
	mu  sync.Mutex
	m   map[string]cachedStudy
	max int
}

type cachedStudy struct {
	data    []byte
	version int64
}

func newStudyCache(max int) *studyCache {
	return &studyCache{m: make(map[string]cachedStudy, max), max: max}
}

func (c *studyCache) get(key string) (cachedStudy, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	return e, ok
}

func (c *studyCache) put(key string, e cachedStudy) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; !ok && len(c.m) >= c.max {
		for k := range c.m { // evict an arbitrary entry
			delete(c.m, k)
			break
		}
	}
	c.m[key] = e
}

func (c *studyCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}
