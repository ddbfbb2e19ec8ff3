// The filters: section, site, modality (applied by the server) and band
// (applied here), remembered per browser.

import * as prefs from './prefs.js';
import { h } from './dom.js';

const MODALITIES = ['CT', 'MR', 'CR', 'DX', 'US', 'MG', 'NM', 'PT', 'XA', 'RF'];

export class Filters {
  // form holds <select name="section|site|modality|band">; onChange(filters,
  // serverSide) follows a change, serverSide when the feed must start over.
  constructor(form, onChange) {
    this.form = form;
    this.onChange = onChange;
    this.value = { section: '', site: '', modality: '', band: '', ...prefs.load('filters', {}) };
    this.sites = new Set(prefs.load('sites', []));
    this.mods = new Set(MODALITIES);
    this.fill('site', [...this.sites].sort(), 'Site');
    this.fill('modality', [...this.mods].sort(), 'Modality');
    for (const sel of form.querySelectorAll('select')) {
      sel.value = this.value[sel.name] || '';
      sel.addEventListener('change', () => this.changed(sel));
    }
    form.addEventListener('submit', e => e.preventDefault());
  }

  changed(sel) {
    this.value[sel.name] = sel.value;
    prefs.save('filters', this.value);
    this.onChange(this.value, sel.name !== 'band');
  }

  setSections(sections) {
    this.fill('section', sections.map(s => s.name), 'Section');
  }

  // learn adds the sites and modalities of studies seen to the choices.
  learn(studies) {
    let sites = false, mods = false;
    for (const s of studies) {
      if (s.site && !this.sites.has(s.site)) { this.sites.add(s.site); sites = true; }
      if (s.modality && !this.mods.has(s.modality)) { this.mods.add(s.modality); mods = true; }
    }
    if (sites) {
      prefs.save('sites', [...this.sites].sort());
      this.fill('site', [...this.sites].sort(), 'Site');
    }
    if (mods) this.fill('modality', [...this.mods].sort(), 'Modality');
  }

  fill(name, values, allText) {
    const sel = this.form.elements[name];
    const cur = this.value[name] || '';
    const opts = [h('option', { value: '', text: allText })];
    for (const v of new Set([...values, ...(cur ? [cur] : [])])) opts.push(h('option', { value: v, text: v }));
    sel.replaceChildren(...opts);
    sel.value = cur;
  }
}
