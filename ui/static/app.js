// The panel: wires the feed, the list, the filters, alerts and keys, and
// the reader's actions (claim, release, read next, open in PACS).

import * as api from './api.js';
import * as prefs from './prefs.js';
import * as fmt from './format.js';
import { Connection } from './connection.js';
import { WorkList } from './list.js';
import { Filters } from './filters.js';
import { Alerts } from './alerts.js';
import { bindKeys } from './keyboard.js';

const $ = id => document.getElementById(id);

const state = {
  me: '', // the name of the reader signed in, which claims carry
  pacsTemplate: '',
  conn: { state: 'connecting', mode: 'ws', lostAt: null },
};

// ---- look: theme, night profile, sound

const look = { theme: prefs.load('theme', 'dark'), night: prefs.load('night', false), muted: prefs.load('muted', false) };

function applyLook() {
  const root = document.documentElement;
  root.dataset.theme = look.night ? 'night' : look.theme;
  toggle($('theme'), look.theme === 'light');
  toggle($('night'), look.night);
  toggle($('mute'), look.muted);
  $('theme').disabled = look.night;
  alerts.muted = look.muted;
  alerts.night = look.night;
}

function toggle(btn, on) {
  btn.setAttribute('aria-pressed', String(on));
}

// ---- the list and its feed

const list = new WorkList($('list'), {
  ctx: () => ({ me: state.me, pacsTemplate: state.pacsTemplate, now: new Date() }),
  onPending: n => {
    const b = $('updates');
    b.hidden = n === 0;
    b.textContent = n === 1 ? '1 update' : n + ' updates';
  },
  onChange: showSummary,
});

const alerts = new Alerts({ onShow: key => list.select(key) });

const filters = new Filters($('filters'), (f, serverSide) => {
  if (!serverSide) {
    list.setBand(f.band);
    return;
  }
  list.clear();
  alerts.seeded = false; // a new selection's criticals are not news
  conn.setFilters(f);
});
list.band = filters.value.band || '';

const conn = new Connection(filters.value, {
  onSnapshot(studies) {
    filters.learn(studies);
    alerts.snapshot(studies);
    list.snapshot(studies);
  },
  onUpsert(study) {
    filters.learn([study]);
    if (list.upsert(study) !== false) alerts.upsert(study);
  },
  onRemove(m) {
    alerts.remove(m.site, m.accession);
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
}

function showSummary() {
  const studies = list.visibleStudies();
  const count = b => studies.filter(s => s.rank && s.rank.band === b).length;
  const parts = [studies.length + ' waiting'];
  for (const b of ['critical', 'urgent']) if (count(b)) parts.push(count(b) + ' ' + b);
  $('summary').textContent = parts.join(' · ');
  $('empty').hidden = studies.length > 0;
}

let statusTimer = 0;
function say(text) {
  $('status').textContent = text;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { $('status').textContent = ''; }, 8000);
}

// ---- the reader: who signed in (the sign-in page sends anyone else away)

const me = await api.me();
state.me = me.name;

function showName() {
  $('who').textContent = 'Sign out';
  $('who').title = 'Signed in as ' + me.display + (me.sections ? ' (' + me.sections.join(', ') + ')' : '');
}

// ---- actions

async function claim(study, override = false) {
  try {
    list.upsert(await api.claim(study, override));
    say('Claimed ' + study.accession + (override ? ' (taken over)' : ''));
    return true;
  } catch (e) {
    say(e.code === 'conflict' ? e.message : 'Could not claim ' + study.accession + ': ' + e.message);
    refresh(study);
    return false;
  }
}

async function release(study) {
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
  if (c && !confirm(c.by + ' has claimed ' + study.accession + ' since ' + fmt.clock(c.at) + '. Take it over?')) return;
  await claim(study, true);
}

async function refresh(study) {
  try {
    list.upsert(await api.study(study));
  } catch {
    // the feed will bring it
  }
}

// readNext claims the most urgent study nobody holds, trying the next one
// when a colleague was quicker.
async function readNext() {
  const now = new Date();
  const free = list.visibleStudies().filter(s => !fmt.claimHeld(s, now));
  for (const s of free.slice(0, 5)) {
    try {
      list.upsert(await api.claim(s));
      list.select(fmt.studyKey(s));
      say('Claimed ' + s.accession + ': ' + [s.modality, s.procedureText].filter(Boolean).join(' '));
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
    else say(c.by === state.me ? 'You hold ' + s.accession + ' already' : s.accession + ' is claimed by ' + c.by);
  },
});

// ---- header buttons

$('updates').addEventListener('click', () => list.flush());
$('next').addEventListener('click', readNext);
$('who').addEventListener('click', () => api.signOut());
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
showSummary();
conn.start();
setInterval(() => {
  showConn();
  list.tick();
}, 5000);
api.config().then(c => {
  state.pacsTemplate = (c && c.pacsUrlTemplate) || '';
  list.tick();
}).catch(() => {});
api.sections().then(s => filters.setSections(s || [])).catch(() => {});
