// The worklist: rows keyed by study, in reading order, patched in place.
//
// While the pointer moves over the list, changes that would move, add or
// remove a row are held back (a reader about to click must not have the
// row slide away) and counted; they are applied when the pointer leaves,
// rests for a few seconds, or the reader asks for them. Changes that leave
// every row where it is (a claim, a new reason) are shown at once.

import { Row } from './row.js';
import * as fmt from './format.js';

const REST_MS = 4000; // a pointer that has not moved for this long is not about to click
// WINDOW rows at a time are in the page: a reader looks at the top of the
// list (a second screen shows about ten), and a browser that lays out
// 2,000 rows for each change cannot keep up with a busy department. The rest are sorted and kept current, and
// shown a window at a time on demand.
const WINDOW = 50;

export class WorkList {
  // root: the <ol>; ctx() returns {me, pacsTemplate, now} for rows;
  // onPending(n) shows how many changes are held; onChange() follows
  // every applied change.
  constructor(root, { ctx, onPending, onChange }) {
    this.root = root;
    this.ctx = ctx;
    this.onPending = onPending;
    this.onChange = onChange;
    this.rows = new Map(); // key -> Row
    this.pending = new Map(); // key -> study, or {removed: true, version}
    this.order = []; // visible keys, in reading order
    this.filter = () => true; // which studies are shown
    this.selectedKey = null;
    this.pointerIn = false;
    this.lastMove = 0;
    this.renderTimer = 0;
    this.holdTimer = 0;
    this.limit = WINDOW; // how many rows are in the page
    this.moreEl = document.createElement('li');
    this.moreEl.className = 'more';
    this.moreBtn = document.createElement('button');
    this.moreBtn.type = 'button';
    this.moreBtn.addEventListener('click', () => { this.limit += WINDOW; this.render(); });
    this.moreEl.append(this.moreBtn);
    root.addEventListener('pointerenter', () => { this.pointerIn = true; this.lastMove = Date.now(); });
    root.addEventListener('pointermove', () => { this.lastMove = Date.now(); });
    root.addEventListener('pointerleave', () => { this.pointerIn = false; this.flush(); });
  }

  held() {
    return this.pointerIn && Date.now() - this.lastMove < REST_MS;
  }

  // latest is the newest state known of a study, held back or shown.
  latest(key) {
    if (this.pending.has(key)) return this.pending.get(key);
    const r = this.rows.get(key);
    return r ? r.study : null;
  }

  get(key) {
    const r = this.rows.get(key);
    return r ? r.study : null;
  }

  // upsert takes a study unless what the list holds is as new or newer,
  // and reports whether it did.
  upsert(study) {
    if (study.onList === false) {
      this.remove({ site: study.site, accession: study.accession, version: study.version });
      return true;
    }
    const key = fmt.studyKey(study), cur = this.latest(key);
    if (cur && typeof study.version === 'number' && typeof cur.version === 'number' && study.version <= cur.version) return false;
    const row = this.rows.get(key);
    if (!this.held() || (row && !this.pending.has(key) && this.staysPut(row.study, study))) {
      this.pending.delete(key);
      this.applyUpsert(key, study);
    } else {
      this.hold(key, study);
    }
    return true;
  }

  // remove takes a study off the list; a remove of an unknown row, or one
  // older than the row, is ignored.
  remove({ site, accession, version }) {
    const key = site + '/' + accession, cur = this.latest(key);
    if (!cur || cur.removed) return;
    if (typeof version === 'number' && typeof cur.version === 'number' && version < cur.version) return;
    if (this.held()) this.hold(key, { removed: true, version });
    else {
      this.pending.delete(key);
      this.applyRemove(key);
    }
  }

  // snapshot replaces the list's content: an upsert for each study and a
  // remove for each row the snapshot lacks.
  snapshot(studies) {
    const keep = new Set();
    for (const s of studies) {
      keep.add(fmt.studyKey(s));
      this.upsert(s);
    }
    for (const key of new Set([...this.rows.keys(), ...this.pending.keys()])) {
      if (keep.has(key)) continue;
      const cur = this.latest(key);
      if (cur && !cur.removed) this.remove({ site: cur.site, accession: cur.accession });
    }
  }

  clear() {
    this.pending.clear();
    for (const key of [...this.rows.keys()]) this.applyRemove(key);
    this.onPending(0);
  }

  // staysPut reports whether a change leaves the row where it is.
  staysPut(a, b) {
    const ra = a.rank || {}, rb = b.rank || {};
    return ra.band === rb.band && ra.due === rb.due;
  }

  hold(key, change) {
    this.pending.set(key, change);
    this.onPending(this.pending.size);
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => this.flushIfResting(), REST_MS + 50);
  }

  flushIfResting() {
    if (!this.pending.size) return;
    if (this.held()) this.holdTimer = setTimeout(() => this.flushIfResting(), Math.max(50, this.lastMove + REST_MS - Date.now() + 50));
    else this.flush();
  }

  // flush applies every held change.
  flush() {
    if (!this.pending.size) return;
    for (const [key, change] of this.pending) {
      if (change.removed) this.applyRemove(key);
      else this.applyUpsert(key, change);
    }
    this.pending.clear();
    this.onPending(0);
  }

  applyUpsert(key, study) {
    let row = this.rows.get(key);
    if (!row) {
      row = new Row(study);
      this.rows.set(key, row);
    }
    row.update(study, this.ctx());
    this.scheduleRender();
  }

  applyRemove(key) {
    const row = this.rows.get(key);
    if (!row) return;
    this.rows.delete(key);
    if (this.selectedKey === key) {
      const i = this.order.indexOf(key);
      const next = this.order.slice(i + 1).find(k => this.rows.has(k)) || this.order.slice(0, Math.max(0, i)).reverse().find(k => this.rows.has(k));
      this.selectedKey = next || null;
      this.refocus = document.activeElement && row.el.contains(document.activeElement);
    }
    this.scheduleRender();
  }

  // setFilter shows only the studies filter accepts.
  setFilter(filter) {
    this.filter = filter;
    this.render();
  }

  visible(row) {
    return this.filter(row.study);
  }

  // allStudies returns every study on the list as shown, filtered or not.
  allStudies() {
    return [...this.rows.values()].map(r => r.study);
  }

  // scheduleRender renders once before the next frame, however many
  // changes arrive until then.
  scheduleRender() {
    if (!this.renderTimer) this.renderTimer = requestAnimationFrame(() => this.render());
  }

  // render puts the visible rows in reading order, moving only rows that
  // are out of place.
  render() {
    cancelAnimationFrame(this.renderTimer);
    this.renderTimer = 0;
    const all = [...this.rows.values()].filter(r => this.visible(r)).sort((a, b) => fmt.compareStudies(a.study, b.study));
    const rows = all.slice(0, this.limit);
    const want = new Set(rows.map(r => r.el));
    for (const el of [...this.root.children]) if (!want.has(el) && el !== this.moreEl) el.remove();
    let at = this.root.firstElementChild, ctx = null;
    for (const r of rows) {
      if (r.el === at) {
        at = at.nextElementSibling;
        continue;
      }
      if (!r.el.isConnected) r.update(r.study, ctx || (ctx = this.ctx())); // its times went stale outside the page
      this.root.insertBefore(r.el, at);
    }
    if (all.length > rows.length) {
      this.moreBtn.textContent = `Show ${Math.min(WINDOW, all.length - rows.length)} more (${all.length - rows.length} not shown)`;
      if (this.moreEl.parentNode !== this.root || this.root.lastElementChild !== this.moreEl) this.root.append(this.moreEl);
    } else {
      this.moreEl.remove();
    }
    this.order = all.map(r => r.key);
    if (this.selectedKey && !this.order.includes(this.selectedKey)) this.selectedKey = null;
    this.markSelected(this.refocus);
    this.refocus = false;
    this.onChange();
  }

  // tick refreshes the times the rows in the page show; the others are
  // refreshed when they enter it.
  tick() {
    const ctx = this.ctx();
    for (const key of this.shown()) this.rows.get(key).update(this.rows.get(key).study, ctx);
  }

  // shown returns the keys of the rows in the page, in reading order.
  shown() {
    return this.order.slice(0, this.limit);
  }

  // reveal widens the window so that the row at index i is in the page.
  reveal(i) {
    if (i < this.limit) return;
    this.limit = (Math.floor(i / WINDOW) + 1) * WINDOW;
    this.render();
  }

  visibleStudies() {
    return this.order.map(k => this.rows.get(k).study);
  }

  selected() {
    return this.selectedKey ? this.get(this.selectedKey) : null;
  }

  select(key, focus = true) {
    if (!this.rows.has(key)) return;
    this.reveal(this.order.indexOf(key));
    this.selectedKey = key;
    this.markSelected(focus);
  }

  // move selects the row delta places down (up when negative).
  move(delta) {
    if (!this.order.length) return;
    const i = this.order.indexOf(this.selectedKey);
    const j = i < 0 ? (delta > 0 ? 0 : this.order.length - 1) : Math.min(this.order.length - 1, Math.max(0, i + delta));
    this.select(this.order[j]);
  }

  // markSelected gives the selected row the roving tab stop, and focus
  // when asked.
  markSelected(focus) {
    let first = true;
    for (const key of this.shown()) {
      const row = this.rows.get(key), sel = key === this.selectedKey || (!this.selectedKey && first);
      first = false;
      row.el.tabIndex = sel ? 0 : -1;
      if (key === this.selectedKey) row.el.setAttribute('aria-current', 'true');
      else row.el.removeAttribute('aria-current');
    }
    const row = this.selectedKey && this.rows.get(this.selectedKey);
    if (row && focus) {
      row.el.focus({ preventScroll: true });
      row.el.scrollIntoView({ block: 'nearest' });
    }
  }

  rowOf(el) {
    const li = el && el.closest && el.closest('li.row');
    return li ? this.rows.get(li.dataset.key) : null;
  }
}
