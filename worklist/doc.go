// Package worklist is Voorrang's domain: the study (one accession at one
// site) and the events that change it (orders, status changes, reports, AI
// results, patient corrections), claims, feedback, turnaround records,
// dead letters and the changes of the reading list, with the rules that
// hold among them:
//
//   - the pure merge of an event (or a claim, or feedback) into a study
//     ([Update], [Study.Apply]): which input is stale or repeated, when a
//     study enters and leaves the reading list, its rank by triage, and
//     how the list moves;
//   - the one reading order ([Place]: rank score, then site and
//     accession), which every list follows and which clients receive with
//     each study as its sort key.
//
// It knows no storage and no web framework: the Redis store (package
// redisstore below it) reads a study, calls Update and writes what it
// returns. Everything here is pure, so the merge is tested without Redis
// and statistics or a simulator can use it.
package worklist
