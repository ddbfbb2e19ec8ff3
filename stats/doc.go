// Package stats computes what department managers and the AI officer look
// at: turnaround times, due-time compliance, the backlog, reads per hour,
// the performance of each AI algorithm, and the evaluation of AI pilots.
//
// Everything here is a pure computation over turnaround records
// (worklist.Turnaround, one per closed study) and the studies waiting now
// (worklist.Waiting); the store reads them, and the clock is passed in.
//
// Definitions, so that a figure can be checked by hand:
//   - A turnaround interval runs between two times of a reported study:
//     completed → final (from when the study was ready to read: the exam's
//     completion, else its first AI result), order → final, and AI flag →
//     final (from the first positive AI result received before the
//     report). A study lacking either time, or whose end comes before its
//     start (a sender's clock), is left out of that interval.
//   - Percentiles interpolate linearly between the two nearest ranks (as a
//     spreadsheet's PERCENTILE.INC does): of n sorted values x[0..n-1] the
//     p-th percentile is x[h'] + (h−h')·(x[h'+1]−x[h']) with h = (n−1)·p/100
//     and h' = ⌊h⌋. The median is the 50th percentile: the middle value, or
//     the mean of the two middle values. Results are whole seconds.
//   - Times of day and days are those of the site's time zone (Europe/
//     Amsterdam unless configured), so a day may have 23 or 25 hours.
//     Working hours are Monday to Friday, 08:00 to 17:00 by default; a
//     study belongs to the hours in which it became ready to read.
package stats
