// Package triage decides how urgently a radiology study must be read.
//
// Given the facts of a study (order priority, patient class, modality and
// procedure, ordering location, when it was ordered and completed, and the
// findings of AI algorithms) and a set of [Rules], it returns a [Rank]: a
// [Band] (critical, urgent or routine), a due time, and the reasons that
// produced them, in words a radiologist reads beside the study.
//
// The worklist is read band first, then earliest due time first. Ranking by a
// due time rather than by a score that grows with waiting needs no periodic
// re-scoring: routine work rises as its due time nears. Under a heavy
// urgent load it could still starve, so escalation rules lift a study that
// is overdue by more than a limit into the urgent band at its own due time
// (never into critical); [Rank.EscalatesAt] says when that will happen, so
// that a store ranks the study once more at that time instead of re-scoring
// everything periodically. [Score] packs band and due time into one integer
// for a sorted index.
//
// Rules live in a YAML file; the defaults are built in and documented in
// defaults.yaml, which [DefaultRulesYAML] returns with its comments. In short:
// every rule and every AI finding rule that matches a study contributes; the
// study takes the most urgent band and the earliest due time of all of them; a
// negative AI result never lowers a study; an algorithm that is switched off,
// or a finding below its algorithm's confidence threshold, is shown among the
// reasons but does not move the study.
//
// The package is pure: it does no I/O and never reads the clock. The time of
// ranking is passed in; it words the "waiting" reason, decides whether an
// escalation has fallen due, and otherwise does not move the band or due
// time of a study whose order or completion time is known.
package triage
