// How the panel words and orders studies. Pure functions, no DOM: the
// browser tests also run them under Node.

export const BANDS = ['critical', 'urgent', 'routine'];

// studyKey identifies a study (and its row): one accession at one site.
export function studyKey(s) {
  return s.site + '/' + s.accession;
}

function bandOrder(band) {
  const i = BANDS.indexOf(band);
  return i < 0 ? BANDS.length : i;
}

// compareStudies orders studies in reading order: by the sortKey the
// server sends with each study, its place on the list, compared as
// strings. The server defines the order (worklist.Place); the panel keeps
// no copy of the rule.
export function compareStudies(a, b) {
  return a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0;
}

// initials words the initials field ("J", "JP", "J.P.", "Jan Pieter") as
// "J." or "J.P."; without one, the first letters of the given names.
export function initials(p) {
  const src = (p.initials || p.given || '').trim();
  const words = src.split(/[\s.]+/).filter(Boolean);
  if (words.length === 1 && words[0].length <= 4 && words[0] === words[0].toUpperCase()) {
    return [...words[0]].map(l => l + '.').join(''); // "JP": one letter per name
  }
  return words.map(w => w[0].toUpperCase() + '.').join('');
}

// dutchName formats a name as Dutch lists do: family name without its
// prefix, initials, prefix after ("van den Berg", Jan -> "Berg, J. van den";
// "de Vries-van Dijk" -> "Vries-van Dijk, A. de").
export function dutchName(p) {
  if (!p) return '';
  const prefix = (p.prefix || '').trim();
  let family = (p.family || '').trim();
  if (prefix && family.toLowerCase().startsWith(prefix.toLowerCase() + ' ')) {
    family = family.slice(prefix.length + 1).trim();
  } else if (!family || (prefix && family.toLowerCase() === (prefix + ' ' + (p.surname || '')).toLowerCase())) {
    family = (p.surname || family).trim();
  }
  const rest = [initials(p), prefix].filter(Boolean).join(' ');
  if (!family) return rest;
  return rest ? family + ', ' + rest : family;
}

// age returns whole years from a YYYY-MM-DD birth date to now, or null.
export function age(birthDate, now) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(birthDate || '');
  if (!m) return null;
  const [y, mo, d] = [+m[1], +m[2], +m[3]];
  let years = now.getFullYear() - y;
  if (now.getMonth() + 1 < mo || (now.getMonth() + 1 === mo && now.getDate() < d)) years--;
  return years >= 0 ? years : null;
}

// duration words a length of time, rounded down: "<1 min", "12 min",
// "2 h 5 min" under six hours, "7 h", "3 d".
export function duration(ms) {
  const min = Math.floor(Math.max(0, ms) / 60000);
  if (min < 1) return '<1 min';
  if (min < 60) return min + ' min';
  const h = Math.floor(min / 60);
  if (h < 6) return min % 60 ? h + ' h ' + (min % 60) + ' min' : h + ' h';
  if (h < 48) return h + ' h';
  return Math.floor(h / 24) + ' d';
}

// dueText says when a study is due: "due in 12 min" or "overdue by 5 min".
export function dueText(due, now) {
  const t = Date.parse(due);
  if (Number.isNaN(t) || t <= 0) return '';
  const d = t - now.getTime();
  return d >= 0 ? 'due in ' + duration(d) : 'overdue by ' + duration(-d);
}

export function isOverdue(due, now) {
  const t = Date.parse(due);
  return !Number.isNaN(t) && t > 0 && t < now.getTime();
}

// waitingText says how long a study has waited since its exam was
// completed (or ordered, before that).
export function waitingText(study, now) {
  const t = Date.parse(study.completedAt || study.orderedAt || '');
  if (Number.isNaN(t)) return '';
  return 'waiting ' + duration(now.getTime() - t);
}

// clock words a time of day as HH:MM (24 h).
export function clock(t) {
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) return '';
  return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
}

export function percent(confidence) {
  const c = Number(confidence);
  return Math.round(Math.min(1, Math.max(0, Number.isFinite(c) ? c : 0)) * 100) + '%';
}

// pacsUrl fills a URL template's {accession}, {mrn}, {site} and {studyUID}
// with the study's values, URL-encoded; '' without a template.
export function pacsUrl(template, study) {
  if (!template) return '';
  const values = {
    accession: study.accession, site: study.site,
    mrn: (study.patient && study.patient.mrn) || '', studyUID: study.studyUID || '',
  };
  return template.replace(/\{(accession|mrn|site|studyUID)\}/g, (_, k) => encodeURIComponent(values[k] || ''));
}

// findings lists the study's AI findings that are shown as badges: the
// positive and indeterminate ones whose algorithm is not switched off.
// Each carries the tier it gave the study: the band it caused, "flag" when
// it contributed but a more urgent reason placed the study, or "info" when
// it did not rank it; and the reason that says why (reason.code: ai-finding,
// ai-info, ai-display-only, ai-below-threshold, ai-outside-use (a warning),
// ai-unmapped, ai-indeterminate).
//
// Every AI reason names its finding: reason.finding counts the study's
// findings from 1, result by result. A finding with no reason is not shown
// (its algorithm is off at the study's site).
export function findings(study) {
  const reasons = (study.rank && study.rank.reasons) || [];
  const byFinding = new Map();
  reasons.forEach((r, i) => { if (r.finding) byFinding.set(r.finding, i); });
  const out = [];
  let n = 0;
  for (const r of study.results || []) {
    for (const f of r.findings || []) {
      n++;
      const i = byFinding.get(n);
      if (i === undefined) continue;
      const rs = reasons[i];
      if (rs.code === 'ai-negative') continue;
      let tier = 'info';
      if (rs.code === 'ai-finding') tier = rs.band || (i === 0 ? study.rank.band : 'flag');
      out.push({ finding: f, algorithm: f.algorithm && f.algorithm.id ? f.algorithm : r.algorithm, tier, resultId: r.id, index: n, reason: rs });
    }
  }
  const order = t => (t === 'info' ? 9 : t === 'flag' ? 5 : bandOrder(t));
  return out.sort((a, b) => order(a.tier) - order(b.tier));
}

// claimHeld returns the study's claim while it is in force at now, or null.
export function claimHeld(study, now) {
  const c = study.claim;
  if (!c || !c.by) return null;
  const until = Date.parse(c.until);
  return Number.isNaN(until) || until > now.getTime() ? c : null;
}

// procedure words what a study is: its modality and procedure text, the
// modality once ("CT thorax", not "CT CT thorax").
export function procedure(s) {
  const m = s.modality || '', t = s.procedureText || s.procedureCode || '';
  if (!m) return t;
  return t.toUpperCase().startsWith(m.toUpperCase() + ' ') || t.toUpperCase() === m.toUpperCase() ? t : (m + ' ' + t).trim();
}
