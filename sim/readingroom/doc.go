// Package readingroom is the what-if simulator: a discrete-event model of
// a radiology reading room that runs the real ranking (the triage rules
// and the worklist's reading order) on a department's volumes, to show
// before a change what it will do: how much sooner flagged studies are
// read when an AI algorithm is switched on, and what that costs the
// studies it does not flag; what an escalation rule does to the longest
// waits.
//
// A [Scenario] says what arrives (studies an hour by weekday and hour,
// a mix of kinds: modality, procedure, priority, patient class, section,
// AI algorithms), how long reading takes per modality, what each AI
// algorithm finds (prevalence, sensitivity, specificity, delay), and who
// reads (readers with sections and shifts). It is written in YAML or made
// from the turnaround records the worklist keeps ([FromTurnarounds]).
//
// [Run] draws each replication's studies once and reads them under every
// [Policy] (common random numbers: the same arrivals, reading times and
// AI calls for each), so that differences between policies are measured
// on the same studies. Reading is non-preemptive: a reader takes the first
// study of their sections in reading order and reads it to the end. Every
// policy is a set of triage rules: FIFO, order priority only, AI-positive
// first, the site's rules, the site's rules with escalation, and any
// rules file. A study is ranked by the rules when it arrives, when its AI
// result comes and when an escalation falls due; ranks are worked out
// once per kind of study, AI outcome and policy, and each study's place
// is a triage.Score plus its arrival time, ties broken by arrival (the
// accession number's order), exactly as the worklist orders it.
//
// The [Report] gives, per policy and class of study (all, flagged,
// unflagged, truly positive, each band, each patient class), the mean,
// median, 95th and 99th percentile and maximum of the wait (completion to
// a reader taking the study) and the turnaround (to the end of reading),
// each as the mean over replications with a 95% confidence interval, and
// the paired difference from a baseline policy. Its JSON form is stable.
//
// The model is checked against queueing theory: M/M/1 and M/M/c waits and
// their distribution (Erlang C), non-preemptive priority (Cobham), the
// conservation law, and the limits of escalation.
package readingroom
