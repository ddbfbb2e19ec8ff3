// One study's row: built once, then patched field by field as the study
// changes, so that an open "why" list or a focused button survives updates.

import { h, setText, setAttr, setClass } from './dom.js';
import * as fmt from './format.js';

const BAND_LABEL = { critical: 'Critical', urgent: 'Urgent', routine: 'Routine' };
const SEX = { M: 'M', F: 'F', O: 'X', U: '?' };
// What a badge says of a finding that did not rank the study, by reason code.
const NOTE = {
  'ai-display-only': 'display only', 'ai-outside-use': 'outside use', 'ai-unmapped': 'unmapped',
  'ai-below-threshold': 'below threshold', 'ai-indeterminate': 'indeterminate', 'ai-info': 'info',
};

export class Row {
  constructor(study) {
    this.key = fmt.studyKey(study);
    this.study = null;
    this.badgesSig = this.reasonsSig = null;
    const e = (this.e = {
      band: h('span', { class: 'band-label' }),
      due: h('span', { class: 'due' }),
      wait: h('span', { class: 'wait' }),
      site: h('span', { class: 'site' }),
      name: h('span', { class: 'name' }),
      demo: h('span', { class: 'demo' }),
      modality: h('span', { class: 'modality' }),
      proc: h('span', { class: 'proc' }),
      badges: h('ul', { class: 'badges', 'aria-label': 'AI findings' }),
      claim: h('span', { class: 'claim' }),
      lapse: h('span', { class: 'lapse' }),
      claimBtn: h('button', { type: 'button', class: 'claim-btn', 'data-action': 'claim' }),
      pacs: h('a', { class: 'pacs', 'data-action': 'pacs', target: '_blank', rel: 'noopener noreferrer', text: 'Open in PACS' }),
      reasons: h('ol', { class: 'reasons' }),
      why: null,
    });
    e.why = h('details', { class: 'why' }, h('summary', { text: 'Why here' }), e.reasons);
    this.el = h('li', { class: 'row', 'data-key': this.key, tabindex: '-1' },
      h('div', { class: 'r1' }, e.band, e.due, e.wait, e.site),
      h('div', { class: 'r2' }, e.name, e.demo),
      h('div', { class: 'r3' }, e.modality, e.proc),
      e.badges,
      h('div', { class: 'r5' }, e.why, e.claim, e.lapse, h('span', { class: 'actions' }, e.claimBtn, e.pacs)),
    );
  }

  // update shows study as of now. ctx: {me, pacsTemplate, now}.
  update(study, ctx) {
    this.study = study;
    const e = this.e, now = ctx.now, rank = study.rank || {}, band = rank.band || 'routine', p = study.patient || {};
    for (const b of fmt.BANDS) setClass(this.el, 'band-' + b, b === band);
    setText(e.band, BAND_LABEL[band] || band);

    setText(e.due, fmt.dueText(rank.due, now));
    setClass(e.due, 'overdue', fmt.isOverdue(rank.due, now));
    setText(e.wait, fmt.waitingText(study, now));
    setText(e.site, study.site);

    setText(e.name, fmt.dutchName(p) || 'unknown patient');
    const a = fmt.age(p.birthDate, now);
    setText(e.demo, [a === null ? '' : a + ' y', SEX[p.sex] || '', p.mrn || ''].filter(Boolean).join(' · '));
    setAttr(e.demo, 'title', p.mrn ? 'age · sex · MRN ' + p.mrn : null);

    setText(e.modality, study.modality || '');
    setText(e.proc, study.procedureText || study.procedureCode || '');
    setAttr(e.proc, 'title', study.procedureText || null);

    this.updateBadges(study, ctx.me);
    this.updateReasons(rank.reasons || []);
    this.updateClaim(study, ctx);

    const url = fmt.pacsUrl(ctx.pacsTemplate, study);
    e.pacs.hidden = !url;
    setAttr(e.pacs, 'href', url || null);
    setAttr(e.pacs, 'aria-label', 'Open ' + study.accession + ' in PACS');
  }

  updateClaim(study, ctx) {
    const e = this.e, c = fmt.claimHeld(study, ctx.now);
    const mine = !!c && !!ctx.me && c.by === ctx.me;
    setClass(this.el, 'claimed', !!c);
    setClass(this.el, 'mine', mine);
    setText(e.claim, c ? 'claimed by ' + (mine ? 'you' : c.name || c.by) + ' since ' + fmt.clock(c.at) : '');
    setAttr(e.claim, 'title', c && c.until ? 'claim lasts until ' + fmt.clock(c.until) : null);
    setText(e.lapse, mine && c.until ? 'held until ' + fmt.clock(c.until) : '');
    setAttr(e.lapse, 'title', mine ? 'The panel renews your claim while it is open; if it cannot, the claim lapses at ' + fmt.clock(c.until) : null);
    const [text, action] = !c ? ['Claim', 'claim'] : mine ? ['Release', 'release'] : ['Take over', 'override'];
    setText(e.claimBtn, text);
    setAttr(e.claimBtn, 'data-action', action);
    setAttr(e.claimBtn, 'aria-label', text + ' ' + study.accession);
  }

  // updateBadges shows a badge per AI finding that is shown, each with the
  // reader's feedback on its result (agree, disagree, not assessable, and
  // a note), and the algorithms whose result is pending or failed.
  updateBadges(study, me) {
    const list = fmt.findings(study);
    const states = study.aiStates || [];
    const mine = id => {
      const r = (study.results || []).find(x => x.id === id) || {};
      return [(r.feedback || {})[me] || '', (r.notes || {})[me] || ''];
    };
    const sig = JSON.stringify([list.map(x => [x.tier, x.reason.code, x.reason.text, x.finding.code, x.finding.display, x.finding.viewerUrl, mine(x.resultId)]),
      states.map(st => [st.algorithm.id, st.status, st.reason])]);
    if (sig === this.badgesSig) return;
    this.badgesSig = sig;
    const items = list.map(({ finding: f, algorithm: alg, tier, reason, resultId }) => {
      const title = [
        reason.text,
        alg ? [alg.name, alg.version, alg.vendor && '(' + alg.vendor + ')'].filter(Boolean).join(' ') : '',
        f.location || '',
      ].filter(Boolean).join(' · ');
      const note = tier !== 'info' ? (tier === 'flag' ? 'ranked' : tier) : NOTE[reason.code] || 'info';
      const label = [h('span', { class: 'finding', text: f.display || f.code }), h('span', { class: 'tier', text: note })];
      const inner = f.viewerUrl && /^https?:/i.test(f.viewerUrl)
        ? h('a', { href: f.viewerUrl, target: '_blank', rel: 'noopener noreferrer', title: title + ' · open in the AI viewer' }, ...label)
        : h('span', { title }, ...label);
      return h('li', { class: 'badge tier-' + tier + (reason.code === 'ai-outside-use' ? ' warn' : '') },
        inner, feedbackControl(resultId, f.display || f.code, ...mine(resultId)));
    });
    for (const st of states) {
      const name = st.algorithm.name || st.algorithm.id;
      const text = st.status === 'failed' ? name + ' failed' : name + ' pending';
      const title = st.status === 'failed'
        ? 'The AI could not process this study' + (st.reason ? ': ' + st.reason : '') + '. No result will come.'
        : 'The AI platform has this study since ' + fmt.clock(st.since) + '; its result is still to come.';
      items.push(h('li', { class: 'badge ai-state ai-' + st.status },
        h('span', { title }, h('span', { class: 'finding', text }), h('span', { class: 'tier', text: st.status === 'failed' ? 'no result' : 'AI result to come' }))));
    }
    this.e.badges.replaceChildren(...items);
    this.e.badges.hidden = items.length === 0;
  }

  updateReasons(reasons) {
    const sig = JSON.stringify(reasons);
    if (sig === this.reasonsSig) return;
    this.reasonsSig = sig;
    this.e.reasons.replaceChildren(...reasons.map(r => h('li', { class: 'reason reason-' + r.code, text: r.text })));
    this.e.why.hidden = reasons.length === 0;
  }
}

const VERDICTS = [['agree', 'Agree', '✓'], ['disagree', 'Disagree', '✗'], ['not-assessable', 'Not assessable', '?']];

// feedbackControl is a badge's feedback: the reader's verdict on the AI
// result, and a note, sent with a verdict button (data-action feedback).
function feedbackControl(resultId, what, verdict, note) {
  const given = VERDICTS.find(v => v[0] === verdict);
  const buttons = VERDICTS.map(([v, label, sign]) => h('button', {
    type: 'button', class: 'fb-verdict fb-' + v, 'data-action': 'feedback', 'data-result': resultId, 'data-verdict': v,
    'aria-pressed': String(v === verdict), title: label + ': ' + what, text: sign + ' ' + label,
  }));
  const input = h('input', { type: 'text', class: 'fb-note', maxlength: '2000', placeholder: 'note (optional)', 'aria-label': 'Note on ' + what, value: note });
  return h('details', { class: 'fb' + (given ? ' given fb-is-' + verdict : '') },
    h('summary', { title: 'Your feedback on this AI result', text: given ? given[2] + ' you' : 'feedback' }),
    h('span', { class: 'fb-body' }, ...buttons, input));
}
