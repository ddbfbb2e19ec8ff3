// Package redisstore keeps Voorrang's worklist in Redis: studies, the
// reading order of each site (a sorted set scored by triage.Score), a
// change stream per site, events that wait for their order,
// de-duplication keys, turnaround records (compact, per site and day,
// kept for the retention while closed studies expire), claims, an audit
// trail and dead letters. What an event does to a study is the worklist package's
// pure merge (worklist.Update); this package reads, writes and lists.
//
// Every write is a compare-and-set of one study run as a Lua script
// (EVALSHA): the store reads the study, merges the event and ranks the
// study in Go, then the script checks that the study's version is still
// the one read and writes the study, its place in the reading order, one
// change record and the de-duplication key in one step. A concurrent
// writer makes the script report a conflict and the store tries again, so
// several instances of the service can share one Redis and lose nothing.
// Because go-redis retries commands after timeouts, every write is
// idempotent: a retried script that had already run finds a newer version,
// re-reads, and sees its own de-duplication key or event.
//
// Keys carry the site in a hash tag ({site}) so that a Redis Cluster keeps
// a site's keys together; keys.go builds every key.
package redisstore
