// Package worklist is Voorrang's domain store in Redis: it applies events
// (orders, status changes, reports, AI results, claims) to studies,
// ranks each study with triage, and keeps the reading order, a change
// stream per site, turnaround records, claims and an audit trail.
//
// Every write is a compare-and-set of one study run as a Lua script
// (EVALSHA): the store reads the study, applies the event and ranks the
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
package worklist
