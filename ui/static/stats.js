// The managers' statistics page: the period's turnaround, trend, backlog,
// due-time compliance, AI table, pilots and a what-if, from the stats
// API, drawn as SVG by chart.js. No patient data reaches this page.

import { ApiError, get, me, signOut } from './api.js';
import { barsAndLine, groupedBars, heatmap, hbars, intervals, svg } from './chart.js';
import { h } from './dom.js';
import * as prefs from './prefs.js';

const $ = (id) => document.getElementById(id);
const BANDS = ['critical', 'urgent', 'routine'];
const root = document.documentElement;

let theme = prefs.load('theme', 'dark');
function applyTheme() {
  root.dataset.theme = theme;
  $('theme').setAttribute('aria-pressed', String(theme === 'light'));
}
applyTheme();
$('theme').addEventListener('click', () => {
  theme = theme === 'light' ? 'dark' : 'light';
  prefs.save('theme', theme);
  applyTheme();
});
$('who').addEventListener('click', () => signOut());

const hours = (s) => (s === null || s === undefined ? null : s / 3600);
function dur(s) {
  if (s === null || s === undefined) return '–';
  if (s < 3600) return Math.round(s / 60) + ' min';
  if (s < 48 * 3600) return (s / 3600).toFixed(1) + ' h';
  return (s / 86400).toFixed(1) + ' d';
}
const day = (t) => new Date(t).toLocaleDateString('en-CA');
const pct = (v) => (v === null || v === undefined ? '–' : Math.round(v * 100) + '%');

function query() {
  const form = $('period');
  const days = Number(form.elements.days.value);
  const to = new Date();
  const from = new Date(to.getTime() - days * 86400e3);
  const q = new URLSearchParams({ from: from.toISOString().slice(0, 19) + 'Z', to: to.toISOString().slice(0, 19) + 'Z' });
  if (form.elements.site.value) q.set('site', form.elements.site.value);
  return q;
}

function table(el, head, rows) {
  const caption = el.querySelector('caption');
  el.replaceChildren(...(caption ? [caption] : []),
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c)))))));
}

function card(label, value, note = '') {
  return h('div', { class: 'card' }, h('span', { class: 'card-label' }, label), h('strong', { class: 'card-value' }, value),
    note ? h('span', { class: 'card-note' }, note) : '');
}

function renderOverview(o) {
  const ta = o.turnaround['completed-final'];
  const reported = o.trend.reduce((n, d) => n + d.reported, 0);
  $('cards').replaceChildren(
    card('Reported', String(reported), `${o.trend.length} days`),
    card('Median completed → final', dur(ta.all.median), `p90 ${dur(ta.all.p90)}`),
    card('Read by the due time', pct(o.compliance.all.share), `${o.compliance.all.met} of ${o.compliance.all.n}`),
    card('Waiting now', String(o.backlog.open), `${o.backlog.overdue} overdue`),
    card('Longest wait now', dur(o.backlog.oldest)),
  );
  const siteSel = $('period').elements.site;
  if (siteSel.options.length === 1) {
    for (const s of o.sites) siteSel.append(h('option', { value: s }, s));
  }

  const dist = o.distribution;
  const labels = dist.bins.map((b, i) => (i === dist.bins.length - 1 ? '≥' + dur(b) : '<' + dur(dist.bins[i + 1])));
  groupedBars($('dist'), labels, dist.groups.filter((g) => BANDS.includes(g.key)).map((g) => ({ name: g.key, cls: 'band-' + g.key, values: g.counts })));
  table($('turnaround'), ['band', 'n', 'median', 'p90', 'p95', 'max'],
    [...ta.groups, { key: 'all', ...ta.all }].map((g) => [g.key, String(g.n), dur(g.median), dur(g.p90), dur(g.p95), dur(g.max)]));

  barsAndLine($('trend'), o.trend.map((d) => d.date), o.trend.map((d) => d.reported),
    o.trend.map((d) => hours(d.turnaround.median)), { lineUnit: ' h' });

  heatmap($('heat'), o.backlogByHour.mean);
  table($('backlog'), ['band', 'open', 'overdue'], o.backlog.bands.map((b) => [b.band, String(b.open), String(b.overdue)]));

  hbars($('due'), o.compliance.groups.map((g) => ({ label: g.key, value: g.share, n: g.n, cls: 'band-' + g.key })));

  table($('ai'), ['algorithm', 'site', 'results', 'positive', 'PPV (95% CI)', 'discrepancies', 'flagged vs unflagged (median)', 'critical read in time'],
    o.ai.map((a) => [a.algorithm, a.site, String(a.results), `${a.positive} (${pct(a.positiveRate)})`,
      a.ppv ? `${pct(a.ppv.value)} (${pct(a.ppv.low)}–${pct(a.ppv.high)}, n = ${a.ppv.n})` : '–',
      String(a.discrepancies),
      a.difference === null ? '–' : `${dur(a.flagged.median)} vs ${dur(a.unflagged.median)} (${a.difference <= 0 ? '−' : '+'}${dur(Math.abs(a.difference))})`,
      a.critical ? `${a.criticalInTime} of ${a.critical}` : '–']));
  if (o.ai.length === 0) table($('ai'), ['algorithm'], [['No AI results in this period.']]);
}

async function renderPilots() {
  const box = $('pilots');
  const { pilots } = await get('/pilots');
  if (pilots.length === 0) {
    box.replaceChildren(h('p', { class: 'muted' }, 'No pilots defined. An admin defines one with POST /api/v1/pilots/{id}.'));
    return;
  }
  const parts = [];
  for (const p of pilots) {
    const { report: r } = await get('/pilots/' + encodeURIComponent(p.id));
    const el = svg('svg', { class: 'chart', role: 'img', 'aria-label': 'Change during the pilot with its 95% interval, per measure' });
    const rows = [r.primary, ...r.safety].map((c, i) => ({
      label: (i === 0 ? 'primary: ' : 'safety: ') + c.name,
      value: c.change ? c.change.value : null, low: c.change ? c.change.low : 0, high: c.change ? c.change.high : 0,
      limit: c.limit, outcome: 'outcome-' + c.outcome,
    }));
    parts.push(h('article', { class: 'pilot', 'data-pilot': p.id },
      h('h3', {}, p.name, ' ', h('span', { class: 'verdict verdict-' + r.verdict }, r.text)),
      h('p', { class: 'muted' }, p.description),
      h('p', { class: 'muted' }, `Before: ${day(r.before.from)} to ${day(r.before.to)}; during: ${day(r.during.from)} to ${day(r.during.to)}.`),
      el,
      h('ul', { class: 'reasons' }, ...r.reasons.map((s) => h('li', {}, s)))));
    if (r.verdict !== 'not-started') intervals(el, rows, r.primary.unit === 'minutes' ? 'min' : 'pt');
  }
  box.replaceChildren(...parts);
}

async function runWhatIf() {
  const status = $('whatif-status');
  $('whatif-run').disabled = true;
  status.textContent = 'simulating…';
  try {
    const { report } = await get('/whatif?days=28&replications=3&horizon=14d');
    const classes = report.classes;
    const series = report.policies.map((p, i) => ({
      name: p.name, cls: 'series-' + (i % 5),
      values: classes.map((c) => {
        const r = report.results.find((x) => x.policy === p.name && x.class === c);
        return r && r.wait.p95 ? r.wait.p95.value : 0;
      }),
    }));
    groupedBars($('whatif'), classes, series, { width: 1200 });
    $('whatif-caption').textContent = `p95 wait (${report.unit}) by class under each policy: ${report.replications} replications of ${Math.round(report.studiesPerReplication)} studies, ${report.readers} readers. The difference to the baseline (${report.baseline}) is a fair expected effect for a pilot.`;
    status.textContent = '';
  } catch (e) {
    status.textContent = e instanceof ApiError ? e.message : String(e);
  } finally {
    $('whatif-run').disabled = false;
  }
}
$('whatif-run').addEventListener('click', runWhatIf);

async function load() {
  const status = $('status');
  status.textContent = 'loading…';
  const q = query();
  $('export').setAttribute('href', '/api/v1/stats/export?' + q);
  try {
    renderOverview(await get('/stats/overview?' + q));
    status.textContent = '';
    document.body.dataset.loaded = 'overview';
    await renderPilots();
    document.body.dataset.loaded = 'all';
  } catch (e) {
    status.textContent = e instanceof ApiError ? e.message : 'The statistics could not be read: ' + e;
  }
}

$('period').addEventListener('change', load);
me().then(load, () => {});
