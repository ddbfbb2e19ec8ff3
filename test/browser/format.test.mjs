// The panel's wording and ordering, run under Node: format.js has no DOM.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fmt from '../../ui/static/format.js';

test('dutchName puts the family name first, the prefix after the initials', () => {
  const cases = [
    { name: 'prefix', p: { family: 'van den Berg', prefix: 'van den', surname: 'Berg', given: 'Jan', initials: 'J' }, want: 'Berg, J. van den' },
    { name: 'partner name', p: { family: 'de Vries-van Dijk', prefix: 'de', surname: 'Vries', given: 'Anna', initials: 'A' }, want: 'Vries-van Dijk, A. de' },
    { name: 'no prefix', p: { family: 'Çelik', given: 'Ayşe', initials: 'A' }, want: 'Çelik, A.' },
    { name: 'initials run together', p: { family: 'Smits', initials: 'JP' }, want: 'Smits, J.P.' },
    { name: 'initials from given names', p: { family: 'Smits', given: 'Jan Pieter' }, want: 'Smits, J.P.' },
    { name: 'surname and prefix only', p: { prefix: 'de', surname: 'Wit', initials: 'B.' }, want: 'Wit, B. de' },
    { name: 'nothing', p: {}, want: '' },
  ];
  for (const c of cases) assert.equal(fmt.dutchName(c.p), c.want, c.name);
});

test('age counts whole years', () => {
  const now = new Date(2026, 10, 23);
  assert.equal(fmt.age('1958-03-14', now), 68);
  assert.equal(fmt.age('1958-11-24', now), 67);
  assert.equal(fmt.age('1958-11-23', now), 68);
  assert.equal(fmt.age('', now), null);
});

test('due and waiting times', () => {
  const now = new Date('2026-11-23T09:00:00Z');
  assert.equal(fmt.dueText('2026-11-23T09:12:30Z', now), 'due in 12 min');
  assert.equal(fmt.dueText('2026-11-23T08:55:00Z', now), 'overdue by 5 min');
  assert.equal(fmt.dueText('2026-11-23T12:05:00Z', now), 'due in 3 h 5 min');
  assert.equal(fmt.dueText('2026-11-26T09:00:00Z', now), 'due in 3 d');
  assert.equal(fmt.dueText('0001-01-01T00:00:00Z', now), '');
  assert.equal(fmt.waitingText({ completedAt: '2026-11-23T07:00:00Z' }, now), 'waiting 2 h');
  assert.equal(fmt.waitingText({}, now), '');
});

test('pacsUrl fills and escapes the template', () => {
  const s = { site: 'ZH WEST', accession: 'W1&2', studyUID: '1.2.3', patient: { mrn: '7012345' } };
  assert.equal(fmt.pacsUrl('https://pacs/v?acc={accession}&mrn={mrn}&site={site}&uid={studyUID}', s),
    'https://pacs/v?acc=W1%262&mrn=7012345&site=ZH%20WEST&uid=1.2.3');
  assert.equal(fmt.pacsUrl('', s), '');
});

test('compareStudies orders by the sort key the server sends, as strings', () => {
  // Keys as the server makes them (worklist.Place.Key): score, then site
  // and accession; the ranks shown do not order.
  const st = (sortKey, band) => ({ sortKey, rank: { band } });
  const want = [
    st('11795424400000.84.64', 'routine'),
    st('21795424400000.84.64'),
    st('21795424400000.84.64O0'),
    st('21795424400000.8508.60'),
    st('21795424400001.84.64', 'critical'),
    st('31795424400000.84.64'),
  ];
  const got = [...want].reverse().sort(fmt.compareStudies);
  assert.deepEqual(got, want);
});

test('findings carry the tier they gave the study', () => {
  const study = {
    rank: {
      band: 'critical',
      reasons: [
        { code: 'ai-finding', text: 'AI: incidental PE 94% (Incidental PE v2.1)', finding: 1 },
        { code: 'priority', text: 'STAT order' },
        { code: 'ai-finding', text: 'AI: fracture 81% (BoneView v3)', finding: 2 },
        { code: 'ai-info', text: 'AI: nodule 60% (Lung v1), informational', finding: 4 },
        { code: 'ai-negative', text: 'AI: no X (BoneView v3)', finding: 3 },
      ],
    },
    results: [
      { id: 'a', algorithm: { id: 'pe' }, findings: [{ code: 'PE', positive: true, confidence: 0.94 }] },
      { id: 'b', algorithm: { id: 'fx' }, findings: [{ code: 'FX', positive: true, confidence: 0.81 }, { code: 'X', positive: false, confidence: 0.1 }] },
      { id: 'c', algorithm: { id: 'ln' }, findings: [{ code: 'LN', positive: true, confidence: 0.6 }] },
      { id: 'd', algorithm: { id: 'off' }, findings: [{ code: 'OFF', positive: true, confidence: 0.9 }] }, // no reason: off
    ],
  };
  assert.deepEqual(fmt.findings(study).map(f => [f.finding.code, f.tier]), [['PE', 'critical'], ['FX', 'flag'], ['LN', 'info']]);
  study.rank.reasons[2].band = 'urgent'; // a server that names each reason's band
  assert.deepEqual(fmt.findings(study).map(f => [f.finding.code, f.tier, f.index]), [['PE', 'critical', 1], ['FX', 'urgent', 2], ['LN', 'info', 4]]);
});

test('claimHeld ignores an expired claim', () => {
  const now = new Date('2026-11-23T09:00:00Z');
  assert.equal(fmt.claimHeld({ claim: { by: 'X', until: '2026-11-23T08:59:00Z' } }, now), null);
  assert.equal(fmt.claimHeld({ claim: { by: 'X', until: '2026-11-23T09:20:00Z' } }, now).by, 'X');
  assert.equal(fmt.claimHeld({}, now), null);
});

test('procedure names the modality once', () => {
  assert.equal(fmt.procedure({ modality: 'CT', procedureText: 'CT thorax-abdomen met contrast' }), 'CT thorax-abdomen met contrast');
  assert.equal(fmt.procedure({ modality: 'DX', procedureText: 'X-pols rechts' }), 'DX X-pols rechts');
  assert.equal(fmt.procedure({ modality: 'MR', procedureCode: 'MRKNIER' }), 'MR MRKNIER');
  assert.equal(fmt.procedure({ procedureText: 'Echo nieren' }), 'Echo nieren');
});
