// The panel orders studies exactly as the API lists them: by the sort key
// the server sends with each study, not by a rule of its own. The list has
// ties (studies of one band and due time at several sites, which only the
// site and accession tell apart) and studies whose rank as shown is not
// the rank they are listed by (a status message before the order: no order
// or completion time, so each read ranks them from the moment it reads).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as hx from './harness.mjs';

const run = promisify(execFile);
const COMPLETED = '20261123083000+0100';
let bin, redis, server, browser, msgID = 0;

before(async () => {
  bin = await hx.build();
  redis = await hx.TestRedis.start();
  server = await hx.Server.start(bin.bin, redis);
  browser = await hx.launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await redis?.stop();
  bin?.remove();
});

// orm is an ORM^O01 status message for a CT of an outpatient: exam
// completed at COMPLETED (status CM), or started (IP), which carries no
// order or completion time.
function orm(site, acc, status) {
  const ts = COMPLETED;
  const obr = Array(28).fill('');
  Object.assign(obr, { 0: 'OBR', 1: '1', 2: acc + '^HIX', 3: acc + '^HIX', 4: 'CTTHAB^CT thorax-abdomen^HIX',
    7: ts, 8: status === 'CM' ? ts : '', 18: acc, 24: 'CT', 27: '^^^' + ts + '^^R' });
  return [
    `MSH|^~\\&|HIX|${site}|VOORRANG|${site}|${ts}||ORM^O01|ORDER${++msgID}|P|2.4|||AL|NE`,
    `PID|1||70${msgID}^^^${site}^PI||Test&&Test^Jan||19580314|M`,
    `PV1|1|O|RAD^^^${site}`,
    `ORC|SC|${acc}^HIX|${acc}^HIX||${status}||^^^${ts}^^R||${status === 'CM' ? ts : ''}`,
    obr.join('|'),
  ].join('\r');
}

async function send(...messages) {
  const dir = mkdtempSync(path.join(tmpdir(), 'voorrang-order-'));
  const files = messages.map((m, i) => {
    const f = path.join(dir, i + '.hl7');
    writeFileSync(f, m + '\r', 'latin1');
    return f;
  });
  try {
    await run(bin.bin, ['send', '--to', `127.0.0.1:${server.mllp}`, ...files]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function postAI(site, accession, id, positive) {
  return server.api('/ai-results', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ id, site, accession, algorithm: { id: 'aidoc-pe', name: 'Incidental PE', version: '2.1' },
      findings: [{ code: 'PE', display: 'Pulmonary embolism', positive, confidence: positive ? 0.94 : 0.03 }],
      producedAt: '2026-11-23T09:12:04+01:00' }),
  });
}

// inOrder waits until the panel's rows stand as the API lists the
// studies, and returns the API's list.
async function inOrder(page) {
  const studies = (await server.api('/worklist?limit=500')).studies;
  const want = studies.map(s => s.site + '/' + s.accession);
  try {
    await page.waitForFunction(w => [...document.querySelectorAll('#list > li.row')].map(e => e.dataset.key).join() === w.join(),
      want, { timeout: 3000 });
  } catch {
    const got = await page.$$eval('#list > li.row', els => els.map(e => e.dataset.key));
    assert.deepEqual(got, want, 'the panel\'s rows in the API\'s order');
  }
  return studies;
}

test('the panel lists studies in the API\'s order, ties and all', async () => {
  // Nine studies of one band and due time: three sites (one a prefix of
  // another) and three accessions each.
  const tied = [];
  for (const site of ['ZH', 'ZHB', 'ZHA']) {
    for (const acc of ['X2', 'X10', 'X1']) tied.push(orm(site, acc, 'CM'));
  }
  await send(...tied);
  // Two studies ranked from the moment they are read: written apart, so
  // the first written is listed first, while a read shows both with the
  // same due time and the later one has the smaller accession.
  await send(orm('ZHA', 'T9', 'IP'));
  await postAI('ZHA', 'T9', 'order-t9', false);
  await new Promise(r => setTimeout(r, 20)); // their ranks a few milliseconds apart
  await send(orm('ZHA', 'T1', 'IP'));
  await postAI('ZHA', 'T1', 'order-t1', false);

  const { page, context } = await hx.openPanel(browser, server);
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 5000 });
  const studies = await inOrder(page);
  assert.equal(studies.length, 11);
  const byKey = Object.fromEntries(studies.map(s => [s.site + '/' + s.accession, s]));
  const tie = studies.filter(s => s.rank.band === byKey['ZH/X1'].rank.band && s.rank.due === byKey['ZH/X1'].rank.due);
  assert.equal(tie.length, 9, 'nine studies tie on band and due time');
  assert.deepEqual(tie.map(s => s.site + '/' + s.accession),
    ['ZH/X1', 'ZH/X10', 'ZH/X2', 'ZHA/X1', 'ZHA/X10', 'ZHA/X2', 'ZHB/X1', 'ZHB/X10', 'ZHB/X2']);
  const [t9, t1] = [byKey['ZHA/T9'], byKey['ZHA/T1']];
  assert.equal(t9.rank.due, t1.rank.due, 'shown with one due time');
  assert.ok(studies.indexOf(t9) < studies.indexOf(t1), 'listed in the order they were ranked');
  for (let i = 1; i < studies.length; i++) assert.ok(studies[i - 1].sortKey < studies[i].sortKey, 'keys ascend');

  // Live changes keep the two in step: a tied study flagged by AI goes to
  // the top, and one reported leaves.
  await postAI('ZHB', 'X10', 'flag-x10', true);
  await hx.row(page, 'ZHB', 'X10').waitFor();
  await page.waitForFunction(() => document.querySelector('#list > li.row')?.dataset.key === 'ZHB/X10', null, { timeout: 3000 });
  await inOrder(page);
  await send(orm('ZH', 'X1', 'CA'));
  await page.waitForFunction(() => !document.querySelector('li.row[data-key="ZH/X1"]'), null, { timeout: 3000 });
  assert.equal((await inOrder(page)).length, 10);
  assert.deepEqual(page.errors, []);
  await context.close();
});
