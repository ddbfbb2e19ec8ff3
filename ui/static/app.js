// The panel: wires the feed, the list, the filters, alerts, claims and
// keys, and the reader's actions (claim, release, read next, open in PACS).

import * as api from './api.js';
import * as prefs from './prefs.js';
import * as fmt from './format.js';
import { Connection } from './connection.js';
import { WorkList } from './list.js';
import { Filters } from './filters.js';
import { Alerts } from './alerts.js';
import { ClaimKeeper } from './claims.js';
import { bindKeys } from './keyboard.js';
import { Discrepancies } from './discrepancies.js';

const $ = id => document.getElementById(id);

const state = {
  me: '', // the name of the reader signed in, which claims carry
  pacsTemplate: '',
  conn: { state: 'connecting', mode: 'ws', lostAt: null },
  more: false, // the service holds more studies than it sent (the most urgent 2,000)
};

const live = () => state.conn.state === 'live';
const ctx = () => ({ me: state.me, pacsTemplate: state.pacsTemplate, now: new Date() });
const isCritical = s => !!s.rank && s.rank.band === 'critical';

// ---- look: theme, night profile, sound, density

const look = {
  theme: prefs.load('theme', 'dark'), night: prefs.load('night', false), muted: prefs.load('muted', false),
  compact: prefs.load('compact', false), alertScope: prefs.load('alertScope', 'all'),
};

function applyLook() {
  const root = document.documentElement;
  root.dataset.theme = look.night ? 'night' : look.theme;
  root.classList.toggle('compact', look.compact);
  toggle($('theme'), look.theme === 'light');
  toggle($('night'), look.night);
  toggle($('mute'), look.muted);
  toggle($('compact'), look.compact);
  $('theme').disabled = look.night;
  $('alert-scope').textContent = look.alertScope === 'filter' ? 'Alerts: my filter' : 'Alerts: all critical';
  $('alert-scope').title = look.alertScope === 'filter'
    ? 'Only new critical studies your filters show sound and notify; click to be alerted for every critical study'
    : 'Every new critical study sounds and notifies, also outside your filters; click for your filters only';
  alerts.muted = look.muted;
  alerts.night = look.night;
}

function toggle(btn, on) {
  btn.setAttribute('aria-pressed', String(on));
}

// ---- the list, its filters and its feed

const list = new WorkList($('list'), {
  ctx,
  onPending: n => {
    const b = $('updates');
    b.hidden = n === 0;
    b.textContent = n === 1 ? '1 update' : n + ' updates';
  },
  onChange: showSummary,
});

const filters = new Filters($('filters'), () => {
  list.setFilter(inFilter);
  showSummary();
});
const inFilter = s => filters.matches(s, ctx());
list.filter = inFilter;

// Alerts sound for every new critical study, or, by the reader's choice,
// only for those the filters show.
const alerts = new Alerts({
  onShow: key => {
    if (!list.filter(list.get(key) || {})) filters.showAll();
    list.select(key);
  },
  wants: s => look.alertScope !== 'filter' || inFilter(s),
  outside: s => !inFilter(s),
});

const keeper = new ClaimKeeper({
  renew: s => api.claim(s, false, true),
  get: s => api.study(s),
  me: () => state.me,
  lost: (study, text) => {
    notice(text);
    list.upsert(study);
  },
});

const conn = new Connection({}, {
  onSnapshot(studies, more) {
    state.more = more;
    alerts.snapshot(studies);
    list.snapshot(studies);
    for (const s of studies) keeper.seen(s);
  },
  onUpsert(study) {
    if (list.upsert(study) !== false) {
      alerts.upsert(study);
      keeper.seen(study);
    }
  },
  onRemove(m) {
    alerts.remove(m.site, m.accession);
    keeper.gone(m.site, m.accession);
    list.remove(m);
  },
  onState(st) {
    state.conn = st;
    showConn();
  },
});

function showConn() {
  const st = state.conn, el = $('conn');
  let text, s;
  if (st.state === 'live') [text, s] = [st.mode === 'poll' ? 'live (polling)' : 'live', 'live'];
  else if (st.state === 'connecting') [text, s] = ['connecting…', 'reconnecting'];
  else if (st.lostAt && Date.now() - st.lostAt.getTime() > 10000) [text, s] = ['stale since ' + fmt.clock(st.lostAt), 'stale'];
  else [text, s] = ['reconnecting…', 'reconnecting'];
  if (el.textContent !== text) el.textContent = text;
  el.dataset.state = s;
  el.title = st.lostAt ? 'no news since ' + fmt.clock(st.lostAt) + '; reconnecting' : '';
  // The whole list is marked while it may be out of date, not only this
  // dot: a study may have been reported, claimed or added meanwhile.
  const offline = st.state !== 'live' && !!st.lostAt;
  document.documentElement.classList.toggle('offline', offline);
  $('stale').hidden = !offline;
  $('next').setAttribute('aria-disabled', String(offline));
  if (offline) {
    $('stale').textContent = 'Not live since ' + fmt.clock(st.lostAt) +
      ': this list may be out of date. Claims and Read next wait for the connection.';
  }
}

function showSummary() {
  const c = ctx(), all = list.allStudies(), shown = list.visibleStudies();
  const count = (studies, b) => studies.filter(s => s.rank && s.rank.band === b).length;
  const parts = [shown.length + ' waiting'];
  for (const b of ['critical', 'urgent']) if (count(shown, b)) parts.push(count(shown, b) + ' ' + b);
  $('summary').textContent = parts.join(' · ') + (state.more ? ' (of the ' + all.length + ' most urgent; more wait)' : '');
  $('empty').hidden = shown.length > 0;
  $('empty').textContent = all.length ? 'No studies in your filter.' : 'No studies waiting.';
  filters.fillOptions(all);

  // Whenever a filter is on, say what it hides of the critical and urgent
  // studies: a filter set yesterday must not hide today's emergency.
  const on = filters.active();
  const box = $('outside');
  box.hidden = on.length === 0;
  $('restore').hidden = !(on.length === 0 && filters.saved);
  if (on.length) {
    const hidden = all.filter(s => !filters.matches(s, c));
    const crit = count(hidden, 'critical'), urg = count(hidden, 'urgent');
    const what = [crit && crit + ' critical', urg && urg + ' urgent'].filter(Boolean).join(' and ');
    $('outside-text').textContent = 'Filter on (' + on.map(n => filters.value[n]).join(', ') + '): ' +
      (what ? what + ' outside your filter' : 'no critical or urgent study outside it');
    box.classList.toggle('danger', crit > 0);
    box.classList.toggle('warn', crit === 0 && urg > 0);
    $('outside-show').hidden = !what;
  }
}

let statusTimer = 0;
function say(text) {
  $('status').textContent = text;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { $('status').textContent = ''; }, 8000);
}

// notice tells the reader something that stays until they dismiss it: a
// claim lost.
function notice(text) {
  const box = $('notices');
  const ok = document.createElement('button');
  ok.type = 'button';
  ok.textContent = 'OK';
  const p = document.createElement('p');
  p.className = 'notice';
  const span = document.createElement('span');
  span.textContent = text;
  p.append(span, ok);
  ok.addEventListener('click', () => p.remove());
  box.append(p);
  while (box.children.length > 4) box.firstElementChild.remove();
}

// ---- the reader: who signed in (the sign-in page sends anyone else away)

// The sections and the claim lease are read at the same time, before the
// feed starts: the filters need the one, the claims the other.
const [me, sections, config] = await Promise.all([api.me(), api.sections().catch(() => []), api.config().catch(() => ({}))]);
state.me = me.name;

function showName() {
  $('who').textContent = 'Sign out';
  $('who').title = 'Signed in as ' + me.display + (me.sections ? ' (' + me.sections.join(', ') + ')' : '');
}

// ---- actions

function offline(what) {
  if (live()) return false;
  say('Offline: cannot ' + what + ' until the connection is back');
  return true;
}

async function claim(study, override = false) {
  if (offline('claim ' + study.accession)) return false;
  try {
    const st = await api.claim(study, override);
    keeper.claimed(st);
    list.upsert(st);
    say('Claimed ' + study.accession + (override ? ' (taken over)' : ''));
    return true;
  } catch (e) {
    say(e.code === 'conflict' ? e.message : 'Could not claim ' + study.accession + ': ' + e.message);
    refresh(study);
    return false;
  }
}

async function release(study) {
  if (offline('release ' + study.accession)) return;
  keeper.released(study);
  try {
    list.upsert(await api.release(study));
    say('Released ' + study.accession);
  } catch (e) {
    say('Could not release ' + study.accession + ': ' + e.message);
    refresh(study);
  }
}

async function takeOver(study) {
  const c = study.claim;
  if (c && !confirm((c.name || c.by) + ' has claimed ' + study.accession + ' since ' + fmt.clock(c.at) + '. Take it over?')) return;
  await claim(study, true);
}

// giveFeedback sends the reader's verdict on an AI result, with the note
// typed beside the buttons.
async function giveFeedback(study, button) {
  const { result, verdict } = button.dataset;
  const box = button.closest('details');
  const input = box && box.querySelector('.fb-note');
  const note = input ? input.value.trim() : '';
  try {
    const st = await api.feedback(study, result, verdict, note);
    if (box) box.open = false;
    list.upsert(st);
    say('Feedback on ' + study.accession + ': ' + verdict.replace('-', ' ') + (note ? ' (with a note)' : ''));
  } catch (e) {
    say('Could not send feedback on ' + study.accession + ': ' + e.message);
  }
}

async function refresh(study) {
  try {
    list.upsert(await api.study(study));
  } catch {
    // the feed will bring it
  }
}

const describe = fmt.procedure;

// readNext claims the most urgent study nobody holds, trying the next one
// when a colleague was quicker. An unclaimed critical study outside the
// filters is never passed over quietly: it is offered first.
async function readNext() {
  if (offline('use Read next')) return;
  hideOffer();
  const now = new Date();
  const free = list.visibleStudies().filter(s => !fmt.claimHeld(s, now));
  const outside = list.allStudies().filter(s => isCritical(s) && !fmt.claimHeld(s, now) && !inFilter(s)).sort(fmt.compareStudies);
  if (outside.length && !(free.length && isCritical(free[0]) && fmt.compareStudies(free[0], outside[0]) < 0)) {
    offer(outside[0], free);
    return;
  }
  await claimFirst(free);
}

async function claimFirst(free, outsideFilter = false) {
  for (const s of free.slice(0, 5)) {
    try {
      const st = await api.claim(s);
      keeper.claimed(st);
      list.upsert(st);
      list.select(fmt.studyKey(s));
      say('Claimed ' + s.accession + (outsideFilter ? ' (outside your filter)' : '') + ': ' + describe(s));
      return;
    } catch (e) {
      if (e.code !== 'conflict') {
        say('Could not claim ' + s.accession + ': ' + e.message);
        return;
      }
    }
  }
  say(free.length ? 'Colleagues claimed the first studies; try again' : 'Nothing unclaimed to read');
}

let offered = null;
function offer(study, free) {
  offered = { study, free };
  const more = free.length ? '' : ' Your filter has nothing unclaimed.';
  $('offer-text').textContent = 'Critical, unclaimed, outside your filter: ' + describe(study) + ' (' + study.site + ' ' +
    study.accession + ', ' + fmt.dueText(study.rank && study.rank.due, new Date()) + ').' + more;
  $('offer-mine').hidden = !free.length;
  $('offer').hidden = false;
  $('offer-outside').focus();
}

function hideOffer() {
  $('offer').hidden = true;
  offered = null;
}

$('offer-outside').addEventListener('click', () => {
  if (!offered || offline('claim')) return;
  const o = offered;
  hideOffer();
  claimFirst([o.study], true);
});
$('offer-mine').addEventListener('click', () => {
  if (!offered || offline('claim')) return;
  const o = offered;
  hideOffer();
  claimFirst(o.free);
});

function openPacs(study) {
  if (!study) return;
  const url = fmt.pacsUrl(state.pacsTemplate, study);
  if (!url) {
    say('No PACS link is configured');
    return;
  }
  window.open(url, '_blank', 'noopener,noreferrer');
}

$('list').addEventListener('click', e => {
  const row = list.rowOf(e.target);
  if (!row) return;
  const control = e.target.closest('[data-action], a, button, summary');
  list.select(row.key, !control);
  if (!control || !control.dataset.action) return;
  const study = row.study;
  switch (control.dataset.action) {
    case 'claim': claim(study); break;
    case 'release': release(study); break;
    case 'override': takeOver(study); break;
    case 'feedback': giveFeedback(study, control); break;
  }
});
$('list').addEventListener('focusin', e => {
  const row = list.rowOf(e.target);
  if (row && row.key !== list.selectedKey) list.select(row.key, false);
});

bindKeys({
  move: d => list.move(d),
  open: () => openPacs(list.selected()),
  claim: () => {
    const s = list.selected();
    if (!s) return;
    const c = fmt.claimHeld(s, new Date());
    if (!c) claim(s);
    else say(c.by === state.me ? 'You hold ' + s.accession + ' already' : s.accession + ' is claimed by ' + (c.name || c.by));
  },
  release: () => {
    const s = list.selected();
    if (!s) return;
    const c = fmt.claimHeld(s, new Date());
    if (c && c.by === state.me) release(s);
    else say('You do not hold ' + s.accession);
  },
  next: readNext,
  help: () => { if (!$('keys').open) $('keys').showModal(); },
});

// ---- header buttons

$('updates').addEventListener('click', () => list.flush());
$('next').addEventListener('click', readNext);
$('who').addEventListener('click', () => api.signOut());
$('help').addEventListener('click', () => $('keys').showModal());
$('outside-show').addEventListener('click', () => filters.showAll());
$('filters-clear').addEventListener('click', () => filters.clear());
$('filters-restore').addEventListener('click', () => filters.restore());
$('alert-scope').addEventListener('click', () => {
  look.alertScope = look.alertScope === 'filter' ? 'all' : 'filter';
  prefs.save('alertScope', look.alertScope);
  applyLook();
});
$('compact').addEventListener('click', () => {
  look.compact = !look.compact;
  prefs.save('compact', look.compact);
  applyLook();
});
$('mute').addEventListener('click', () => {
  look.muted = !look.muted;
  prefs.save('muted', look.muted);
  applyLook();
  Alerts.askPermission();
  showNotify();
});
$('night').addEventListener('click', () => {
  look.night = !look.night;
  prefs.save('night', look.night);
  applyLook();
});
$('theme').addEventListener('click', () => {
  look.theme = look.theme === 'light' ? 'dark' : 'light';
  prefs.save('theme', look.theme);
  applyLook();
});
$('notify').addEventListener('click', () => {
  Alerts.askPermission();
  setTimeout(showNotify, 1000);
});

function showNotify() {
  const p = Alerts.permission(), b = $('notify');
  b.hidden = p === 'granted' || p === 'unsupported';
  b.textContent = p === 'denied' ? 'Notifications blocked' : 'Notifications';
  b.disabled = p === 'denied';
  b.title = p === 'denied' ? 'The browser blocks notifications for this page; allow them in its site settings' : 'Announce new critical studies';
}

// ---- start

applyLook();
showName();
showNotify();
filters.setSections(sections || []);
state.pacsTemplate = (config && config.pacsUrlTemplate) || '';
keeper.setTTL(config && config.claimTtlSeconds);
showSummary();
conn.start();
new Discrepancies($('discrepancies'), say).start();
setInterval(() => {
  showConn();
  list.tick();
  if (filters.value.claim) list.render(); // claims lapse: "mine" and "unclaimed" change with time
  showSummary();
}, 5000);
setInterval(() => keeper.tick(), 1000);
