// A long list: the panel keeps the first 50 rows in the page and the
// rest, sorted and current, behind a "show more" button; a study that
// becomes critical from far down the list comes to the top.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as hx from './harness.mjs';

const N = 80;
const WINDOW = 50; // ui/static/list.js
let bin, redis, server, browser, dir;

// orders writes N completed CT orders, W3000000 to W3000079.
function orders() {
  const tmpl = readFileSync(path.join(hx.ROOT, 'testdata/hl7/zhwest_orm_sc_cm_ct_oncology.hl7'), 'latin1');
  const msgs = [];
  for (let i = 0; i < N; i++) {
    const acc = 'W3' + String(i).padStart(6, '0');
    const done = `2026112307${String(Math.floor(i / 60)).padStart(2, '0')}${String(i % 60).padStart(2, '0')}+0100`;
    msgs.push(tmpl.replaceAll('W26000101', acc).replace(/\|HIX2611\d+\|/, `|WIN${i}|`)
      .replace(/(OBR\|[^\r]*?\|\d{14}[+-]\d{4}\|)\d{14}[+-]\d{4}\|/, `$1${done}|`));
  }
  const f = path.join(dir, 'orders.hl7');
  writeFileSync(f, msgs.join(''), 'latin1');
  return f;
}

before(async () => {
  bin = await hx.build();
  redis = await hx.TestRedis.start();
  server = await hx.Server.start(bin.bin, redis);
  dir = mkdtempSync(path.join(tmpdir(), 'voorrang-window-'));
  await promisify(execFile)(bin.bin, ['send', '--to', `127.0.0.1:${server.mllp}`, orders()]);
  browser = await hx.launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await redis?.stop();
  bin?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('50 rows in the page, the rest behind "show more"; a critical study from below comes to the top', async () => {
  const total = (await server.api('/worklist?limit=1')).total;
  assert.equal(total, N, 'studies on the list');
  const { page } = await hx.openPanel(browser, server);
  await page.waitForFunction(([n, w]) => document.querySelectorAll('#list > li.row').length === w &&
    (document.querySelector('#list > li.more') || {}).textContent?.includes(`${n - w} not shown`), [N, WINDOW], { timeout: 5000 });
  const last = (await server.api(`/worklist?offset=${N - 1}&limit=1`)).studies[0];
  assert.equal(await page.$$eval(`#list > li.row[data-key="ZHWEST/${last.accession}"]`, els => els.length), 0,
    'the last study is not in the page');
  // An incidental PE on the last study: it leaves the hidden part for the top.
  const body = JSON.parse(readFileSync(path.join(hx.ROOT, 'testdata/ai/pe_positive.json'), 'utf8'));
  Object.assign(body, { id: 'window-pe', accession: last.accession });
  const res = await fetch(server.url + '/api/v1/ai-results', { method: 'POST', body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + hx.TOKENS.ai } });
  assert.equal(res.status, 200, await res.text());
  await page.mouse.move(0, 0);
  await page.waitForFunction(acc => document.querySelector('#list > li.row')?.dataset.key === 'ZHWEST/' + acc, last.accession, { timeout: 2000 });
  // Show more: every study is in the page.
  await page.click('#list > li.more button');
  await page.waitForFunction(n => document.querySelectorAll('#list > li.row').length === n && !document.querySelector('#list > li.more'), N, { timeout: 2000 });
});
