package redisstore

import (
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/voorrang/voorrang/worklist"
)

// defaultCacheSize is how many studies a store remembers by default: the
// recently written studies that the next AI results and reports refer to.
const defaultCacheSize = 16_384

// studyCache keeps the studies this store wrote last, so that the next
// event for one can go straight to the compare-and-set script without
// reading the study first. A stale entry costs nothing but a retry: the
// script refuses a version that is not the stored one. Studies are kept
// as the JSON written: each entry is one pointer-free buffer, which the
// garbage collector does not have to scan (parsed studies, full of
// strings and slices, made every collection mark the whole cache and
// doubled the tail latency of reads in the same process).
type studyCache struct {
	c *lru.Cache[string, cachedStudy]
}

type cachedStudy struct {
	data    []byte
	version int64
}

func newStudyCache(size int) *studyCache {
	c, err := lru.New[string, cachedStudy](size)
	if err != nil {
		panic(err) // only for size <= 0, which New never passes
	}
	return &studyCache{c: c}
}

// get returns the study cached under key and its version.
func (c *studyCache) get(key string) (*worklist.Study, int64, bool) {
	e, ok := c.c.Get(key)
	if !ok {
		return nil, 0, false
	}
	st := new(worklist.Study)
	if unmarshalStudy(e.data, st) != nil {
		return nil, 0, false
	}
	return st, e.version, true
}

func (c *studyCache) put(key string, data []byte, version int64) {
	c.c.Add(key, cachedStudy{data: data, version: version})
}

func (c *studyCache) drop(key string) { c.c.Remove(key) }
