// AI governance in the panel, in Chromium against the real server: a
// reader's feedback on an AI badge (agree, disagree, not assessable, with
// a note) goes to the study and to the AI officer's feedback log; an AI
// platform's failure shows on the row; a finding after the final report
// shows in the discrepancy list, and is reviewed there.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as hx from './harness.mjs';

let bin, redis, server, browser, panel;

before(async () => {
  bin = await hx.build();
  redis = await hx.TestRedis.start();
  server = await hx.Server.start(bin.bin, redis);
  await server.complete('zhwest_orm_nw_ct_oncology.hl7'); // W26000101, a routine oncology CT
  await server.postAI('pe_positive.json'); // an incidental PE, 94%
  await server.postAI('status/failed.json'); // another platform could not process it
  browser = await hx.launch();
  panel = await hx.openPanel(browser, server, { name: 'jansen', width: 420 });
});

after(async () => {
  await panel?.context.close();
  await browser?.close();
  await server?.stop();
  await redis?.stop();
  bin?.remove();
});

async function shot(page, name) {
  const dir = path.join(os.tmpdir(), 'voorrang-screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, name), fullPage: true });
}

test('feedback on an AI badge: a verdict with a note, stored with the study and in the AI officer\'s log', async () => {
  const { page } = panel;
  const row = hx.row(page, 'ZHWEST', 'W26000101');
  const badge = row.locator('li.badge', { hasText: 'Pulmonary embolism' });
  await badge.waitFor({ timeout: 5000 });
  // The other platform's failure is on the row, with its reason.
  const failed = row.locator('li.badge.ai-failed');
  await failed.waitFor({ timeout: 5000 });
  assert.match(await failed.innerText(), /CTPA Triage failed/);
  assert.match(await failed.locator('span').first().getAttribute('title'), /slice thickness/);

  await badge.locator('details.fb > summary').click();
  await badge.locator('input.fb-note').fill('contrast mixing artefact, no embolus');
  await badge.locator('button.fb-disagree').click();
  const study = async () => server.api('/studies/ZHWEST/W26000101');
  let st;
  for (let i = 0; i < 50; i++) {
    st = await study();
    if (st.results[0].feedback?.jansen) break;
    await new Promise(r => setTimeout(r, 100));
  }
  assert.equal(st.results[0].feedback.jansen, 'disagree');
  assert.equal(st.results[0].notes.jansen, 'contrast mixing artefact, no embolus');
  // The panel shows the verdict given (once the row may change).
  await page.mouse.move(0, 0);
  await row.locator('details.fb.fb-is-disagree').waitFor({ timeout: 10000 });
  assert.equal(await row.locator('button.fb-disagree').getAttribute('aria-pressed'), 'true');
  await shot(page, 'aifeedback-badge.png');

  const log = await server.api('/algorithms/aidoc-pe/feedback', { admin: true });
  assert.equal(log.total, 1);
  assert.equal(log.feedback[0].reader, 'jansen');
  assert.equal(log.feedback[0].verdict, 'disagree');
  assert.equal(log.feedback[0].note, 'contrast mixing artefact, no embolus');

  // Changing one's mind: not assessable.
  await row.locator('details.fb > summary').click();
  await row.locator('button.fb-not-assessable').click();
  await row.locator('details.fb.fb-is-not-assessable').waitFor({ timeout: 10000 });
  assert.deepEqual(page.errors, []);
});

test('a PE after the final report: on the discrepancy list, not the reading list; reviewed there', async () => {
  const { page } = panel;
  await server.send('zhwest_oru_report_final.hl7');
  await hx.row(page, 'ZHWEST', 'W26000101').waitFor({ state: 'detached', timeout: 10000 });
  const body = JSON.parse(await readFile(path.join(hx.ROOT, 'testdata/ai/pe/aidoc.json'), 'utf8'));
  body.id = 'aidoc-after-report';
  const ans = await server.api('/ai-results', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(ans.status, 'discrepancy');
  assert.match(ans.discrepancies[0], /after final report by dr\. Jansen — review$/);
  assert.equal((await server.api('/worklist')).studies.some(s => s.accession === 'W26000101'), false);

  await page.reload();
  const item = page.locator('#discrepancies li.discrepancy');
  await item.waitFor({ timeout: 10000 });
  assert.match(await item.innerText(), /AI: incidental PE 9\d% \(Incidental PE v2\.1\) after final report by dr\. Jansen — review/);
  assert.match(await page.locator('#discrepancies summary').innerText(), /1 to review/);
  await shot(page, 'aifeedback-discrepancy.png');
  await item.locator('input.d-note').fill('addendum sent, ward called');
  await item.locator('button[data-action="review"]').click();
  await page.locator('#discrepancies').waitFor({ state: 'hidden', timeout: 5000 });
  const all = await server.api('/discrepancies?all=true');
  assert.equal(all.discrepancies.length, 1);
  assert.equal(all.discrepancies[0].reviewedBy, 'jansen');
  assert.equal(all.discrepancies[0].note, 'addendum sent, ward called');
  assert.deepEqual(page.errors, []);
});
