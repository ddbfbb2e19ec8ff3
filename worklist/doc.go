// Package worklist is Voorrang's domain: the study (one accession at one
// site) and the events that change it (orders, status changes, reports, AI
// results, patient corrections), claims, feedback, turnaround records and
// dead letters, and the pure merge of an event into a study ([Update],
// [Study.Apply]): which input is stale or repeated, when a study enters
// and leaves the reading list, its rank by triage, and how the list moves.
//
// It knows no storage: the Redis store (package redisstore below it)
// reads a study, calls Update and writes what it returns. Everything here
// is pure, so the merge is tested without Redis and a simulator can use
// it.
package worklist
