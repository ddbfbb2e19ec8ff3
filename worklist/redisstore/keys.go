package redisstore

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// keys builds every Redis key of a store. All keys of one site share the
// hash tag {site}; prefix separates stores that share a database (tests).
type keys struct{ prefix string }

func (k keys) tag(site string) string { return k.prefix + "{" + site + "}:" }

// study is a hash: v (version) and d (the study as JSON).
func (k keys) study(site, acc string) string { return k.tag(site) + "study:" + acc }

// ranking is the site's reading order: a sorted set of accessions scored
// by triage.Score.
func (k keys) ranking(site string) string { return k.tag(site) + "ranking" }

// escalations holds the site's studies whose rank changes at a known time
// (an escalation rule falls due): a sorted set of accessions scored by that
// time in Unix milliseconds.
func (k keys) escalations(site string) string { return k.tag(site) + "escalations" }

// changes is the site's change stream.
func (k keys) changes(site string) string { return k.tag(site) + "changes" }

// changesAnnounced is the channel on which, on Redis Cluster, each change
// is announced with its stream's key (doorbell.go).
func (k keys) changesAnnounced() string { return k.prefix + "changes:announced" }

// pending holds events for an accession not yet ordered, in arrival order.
func (k keys) pending(site, acc string) string { return k.tag(site) + "pending:" + acc }

// dedupe holds the ACK of an applied message, by a hash of its source ID.
func (k keys) dedupe(site, source string) string {
	sum := sha256.Sum256([]byte(source))
	return k.tag(site) + "seen:" + hex.EncodeToString(sum[:12])
}

// patient indexes the open studies of a patient by MRN.
func (k keys) patient(site, mrn string) string { return k.tag(site) + "patient:" + mrn }

// facts holds the turnaround records of the site's studies that closed
// on one UTC day, appended as written (factcodec.go).
func (k keys) facts(site string, day time.Time) string {
	return k.tag(site) + "facts:" + day.UTC().Format("20060102")
}

// closed marks an accession whose study closed, for the retention of the
// turnaround records: a replayed message does not bring back a study that
// expired. Its value is the day of its turnaround record (YYYYMMDD).
func (k keys) closed(site, acc string) string { return k.tag(site) + "closed:" + acc }

// waiting is the site's studies on the reading list scored by when they
// became ready to read (Unix milliseconds): the backlog's age.
func (k keys) waiting(site string) string { return k.tag(site) + "waiting" }

// discrepancies is a hash of the site's AI findings after the final
// report: accession|result ID -> []worklist.Discrepancy JSON.
func (k keys) discrepancies(site string) string { return k.tag(site) + "discrepancies" }

// audit is the site's audit trail (claims, overrides, views).
func (k keys) audit(site string) string { return k.tag(site) + "audit" }

// sites is the set of sites the store has seen; it carries no tag, as it
// spans sites.
func (k keys) sites() string { return k.prefix + "sites" }

// rules holds the published triage rules: a hash of yaml (the rules
// file) and version (raised by each publication that changes them).
func (k keys) rules() string { return k.prefix + "rules" }

// rulesChanged is the channel that announces a new rules version.
func (k keys) rulesChanged() string { return k.prefix + "rules:changed" }

// deadLetters is the list of refused messages.
func (k keys) deadLetters() string { return k.prefix + "deadletters" }

// The algorithm registry's keys share the hash tag {algorithms}, so
// that a change of a record, the registry's version and the record's
// history are written by one script.
func (k keys) algorithms() string { return k.prefix + "{algorithms}:" }

// algorithmRecords is a hash: algorithm ID -> worklist.AlgorithmRecord JSON.
func (k keys) algorithmRecords() string { return k.algorithms() + "records" }

// algorithmVersion counts the changes of the records: every instance polls
// it, and applies the records again when it differs from the version it
// ranks by.
func (k keys) algorithmVersion() string { return k.algorithms() + "version" }

// algorithmHistory lists an algorithm's record changes
// (worklist.AlgorithmChange JSON), newest first.
func (k keys) algorithmHistory(id string) string { return k.algorithms() + "history:" + id }

// algorithmSeen is a hash of what was seen of an algorithm: vendor, name,
// version, first, last (Unix ms), results, v:VERSION and u:CODE counts.
func (k keys) algorithmSeen(id string) string { return k.algorithms() + "seen:" + id }

// algorithmFeedback lists the readers' verdicts on an algorithm's results
// (worklist.Feedback JSON), newest first.
func (k keys) algorithmFeedback(id string) string { return k.algorithms() + "feedback:" + id }

// algorithmIDs is the set of the IDs of the algorithms seen.
func (k keys) algorithmIDs() string { return k.algorithms() + "ids" }

// validID reports whether s may be a site or accession: 1 to 64 printable
// characters without braces, which would break the hash tag.
func validID(s string) bool {
	if s == "" || len(s) > 64 || strings.ContainsAny(s, "{}") {
		return false
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return false
		}
	}
	return true
}
