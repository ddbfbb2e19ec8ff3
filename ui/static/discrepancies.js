// The discrepancy list: AI findings that came after a study's final
// report and would have moved it ("AI: PE 91% after final report by dr.
// X — review"). They never return to the reading list; the reporting
// radiologist reviews them here, with a note.

import * as api from './api.js';
import { h } from './dom.js';

const POLL_MS = 30000;

export class Discrepancies {
  // box is the section, with a heading and an <ol>; say reports to the
  // reader.
  constructor(box, say) {
    this.box = box;
    this.list = box.querySelector('ol');
    this.count = box.querySelector('.count');
    this.say = say;
    this.box.addEventListener('click', e => {
      const b = e.target.closest('button[data-action="review"]');
      if (b) this.review(b);
    });
  }

  start() {
    this.load();
    setInterval(() => this.load(true), POLL_MS);
  }

  async load(background = false) {
    try {
      const { discrepancies } = await api.discrepancies(background);
      this.show(discrepancies || []);
    } catch {
      // the next poll tries again
    }
  }

  show(ds) {
    this.items = ds;
    this.box.hidden = ds.length === 0;
    this.count.textContent = String(ds.length);
    this.list.replaceChildren(...ds.map((d, i) => h('li', { class: 'discrepancy', 'data-key': d.site + '/' + d.accession + '/' + d.resultId },
      h('span', { class: 'd-text', text: d.text }),
      h('span', { class: 'd-study', text: d.site + ' ' + d.accession }),
      h('input', { type: 'text', class: 'd-note', maxlength: '2000', placeholder: 'note (optional)', 'aria-label': 'Note on the review of ' + d.accession }),
      h('button', { type: 'button', 'data-action': 'review', 'data-index': String(i), text: 'Reviewed' }))));
  }

  async review(button) {
    const d = this.items[Number(button.dataset.index)];
    if (!d) return;
    const input = button.parentElement.querySelector('.d-note');
    button.disabled = true;
    try {
      await api.reviewDiscrepancy(d, input ? input.value.trim() : '');
      this.say('Reviewed: ' + d.text);
      await this.load();
    } catch (e) {
      button.disabled = false;
      this.say('Could not mark it reviewed: ' + e.message);
    }
  }
}
