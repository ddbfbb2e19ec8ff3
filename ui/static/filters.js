// The filters: section, site, modality, band and claims (mine /
// unclaimed), all applied here over the whole list the server sends, so
// that the panel can say what they hide. Remembered per browser, and
// marked on screen whenever one is on, also after a reload.

import * as prefs from './prefs.js';
import { h, setClass } from './dom.js';
import { sectionsOf } from './sections.js';
import { claimHeld } from './format.js';

export const NAMES = ['section', 'site', 'modality', 'band', 'claim'];
const ALL_TEXT = { section: 'Section', site: 'Site', modality: 'Modality' };
const EMPTY = { section: '', site: '', modality: '', band: '', claim: '' };

export class Filters {
  // form holds a <select> per filter; onChange() follows every change.
  constructor(form, onChange) {
    this.form = form;
    this.onChange = onChange;
    const saved = prefs.load('filters', {});
    this.value = { ...EMPTY };
    for (const n of NAMES) if (typeof saved[n] === 'string') this.value[n] = saved[n];
    this.saved = null; // the reader's filters while "show" shows everything
    this.sections = [];
    this.sectionCache = new WeakMap(); // study -> its sections
    this.optionSig = {};
    for (const sel of form.querySelectorAll('select')) {
      sel.addEventListener('change', () => this.set({ ...this.value, [sel.name]: sel.value }));
    }
    form.addEventListener('submit', e => e.preventDefault());
    this.fillOptions([]);
    this.show();
  }

  set(value, remember = true) {
    this.value = { ...EMPTY, ...value };
    if (remember) prefs.save('filters', this.value);
    this.show();
    this.onChange();
  }

  // active returns the names of the filters that are on.
  active() {
    return NAMES.filter(n => this.value[n]);
  }

  // showAll turns every filter off for now, keeping the reader's filters
  // to come back to.
  showAll() {
    if (!this.active().length) return;
    this.saved = { ...this.value };
    this.set(EMPTY, false);
  }

  restore() {
    if (!this.saved) return;
    const v = this.saved;
    this.saved = null;
    this.set(v, false);
  }

  clear() {
    this.saved = null;
    this.set(EMPTY);
  }

  setSections(sections) {
    this.sections = sections;
    this.sectionCache = new WeakMap();
  }

  sectionsOf(study) {
    let s = this.sectionCache.get(study);
    if (!s) this.sectionCache.set(study, (s = sectionsOf(this.sections, study)));
    return s;
  }

  // matches reports whether study passes every filter; ctx: {me, now}.
  matches(study, ctx) {
    const v = this.value;
    if (v.site && study.site !== v.site) return false;
    if (v.modality && study.modality !== v.modality) return false;
    if (v.band && ((study.rank && study.rank.band) || 'routine') !== v.band) return false;
    if (v.section && !this.sectionsOf(study).includes(v.section)) return false;
    if (v.claim) {
      const c = claimHeld(study, ctx.now);
      if (v.claim === 'mine' && !(c && c.by === ctx.me)) return false;
      if (v.claim === 'unclaimed' && c) return false;
    }
    return true;
  }

  // show marks each filter that is on.
  show() {
    for (const sel of this.form.querySelectorAll('select')) {
      if (sel.value !== this.value[sel.name]) sel.value = this.value[sel.name];
      setClass(sel, 'on', !!this.value[sel.name]);
      setClass(sel.closest('label'), 'on', !!this.value[sel.name]);
    }
  }

  // fillOptions offers the sites and modalities that have studies, and
  // every section, each with its number of studies ("none" when empty).
  fillOptions(studies) {
    const count = { site: new Map(), modality: new Map(), section: new Map() };
    const add = (m, k) => k && m.set(k, (m.get(k) || 0) + 1);
    for (const s of studies) {
      add(count.site, s.site);
      add(count.modality, s.modality);
      for (const sec of this.sectionsOf(s)) add(count.section, sec);
    }
    const values = {
      site: [...count.site.keys()].sort(),
      modality: [...count.modality.keys()].sort(),
      section: this.sections.map(s => s.name),
    };
    for (const name of ['section', 'site', 'modality']) this.fill(name, values[name], count[name]);
  }

  fill(name, values, counts) {
    const sel = this.form.elements[name];
    const cur = this.value[name] || '';
    const all = [...new Set([...values, ...(cur ? [cur] : [])])];
    const sig = JSON.stringify(all.map(v => [v, counts.get(v) || 0]));
    if (sig === this.optionSig[name]) return;
    this.optionSig[name] = sig;
    const opts = [h('option', { value: '', text: ALL_TEXT[name] })];
    for (const v of all) {
      const n = counts.get(v) || 0;
      const o = h('option', { value: v, text: v + (n ? ' (' + n + ')' : ' (none)') });
      if (!n) o.className = 'none';
      opts.push(o);
    }
    sel.replaceChildren(...opts);
    sel.value = cur;
  }
}
