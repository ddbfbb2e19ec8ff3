package worklist

import (
	lru "github.com/hashicorp/golang-lru/v2"
)

// defaultCacheSize is how many studies a store remembers by default: the
// recently written studies that the next AI results and reports refer to.
const defaultCacheSize = 16_384

// studyCache keeps the studies this store wrote last, so that the next
// event for one can go straight to the compare-and-set script without
// reading the study first. A stale entry costs nothing but a retry: the
// script refuses a version that is not the stored one. Studies are kept
// as clones, and handed out as clones, so that no caller shares one.
type studyCache struct {
	c *lru.Cache[string, *Study]
}

func newStudyCache(size int) *studyCache {
	c, err := lru.New[string, *Study](size)
	if err != nil {
		panic(err) // only for size <= 0, which New never passes
	}
	return &studyCache{c: c}
}

// get returns a copy of the study cached under key.
func (c *studyCache) get(key string) (*Study, bool) {
	st, ok := c.c.Get(key)
	if !ok {
		return nil, false
	}
	return st.clone(), true
}

func (c *studyCache) put(key string, st *Study) { c.c.Add(key, st.clone()) }

func (c *studyCache) drop(key string) { c.c.Remove(key) }
