// The panel in Chromium against the real server: rendering, live updates
// over MLLP and the AI endpoint, claims across readers, holding re-ordering
// under the pointer, keys, and the 400 px layout. The tests run in order
// and share one server, its Redis database and one browser.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as hx from './harness.mjs';

const PACS = 'https://pacs.example.org/viewer?acc={accession}&mrn={mrn}&site={site}&uid={studyUID}';
let bin, redis, server, browser, a, b;

before(async () => {
  bin = await hx.build();
  redis = await hx.TestRedis.start();
  server = await hx.Server.start(bin.bin, redis);
  await server.send('zhwest_feed_day.hl7');
  browser = await hx.launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await redis?.stop();
  bin?.remove();
});

// keys are the keys of the rows, top first.
const keys = page => page.$$eval('#list > li.row', els => els.map(e => e.dataset.key));

// inOrder waits until the panel shows the server's list, and returns it.
async function inOrder(page) {
  const want = (await server.api('/worklist?limit=500')).studies.map(s => s.site + '/' + s.accession);
  await page.waitForFunction(w => [...document.querySelectorAll('#list > li.row')].map(e => e.dataset.key).join() === w.join(),
    want, { timeout: 2000 });
  return want;
}

// waitTop waits until the study is the top row.
function waitTop(page, key, timeout = 2000) {
  return page.waitForFunction(k => document.querySelector('#list > li.row')?.dataset.key === k, key, { timeout });
}

test('signed out, the panel sends the browser to the sign-in page, which is public and inline-free too', async () => {
  const res = await fetch(server.url + '/', { redirect: 'manual' });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/signin');
  for (const p of ['/api/v1/worklist', '/api/v1/sections', '/api/v1/config']) {
    assert.equal((await fetch(server.url + p)).status, 401, p);
  }
  const signin = await fetch(server.url + '/signin');
  assert.equal(signin.status, 200);
  assert.doesNotMatch(signin.headers.get('content-security-policy'), /unsafe-inline|unsafe-eval/);
  const html = await signin.text();
  assert.doesNotMatch(html, /<script>|<style|style=/, 'nothing inline');
  const js = html.match(/\/static\/signin\.[0-9a-f]{10}\.js/);
  assert.ok(js, 'a hashed script: ' + html);
  assert.equal((await fetch(server.url + js[0])).status, 200, 'the sign-in page\'s assets are public');
});

test('the page: hashed assets cached for a year, the page not cached, a CSP without unsafe-inline', async () => {
  const res = await fetch(server.url + '/', { headers: { Authorization: 'Bearer ' + hx.TOKENS.reader } });
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  const html = await res.text();
  assert.doesNotMatch(html, /<script>|<style|style=/, 'nothing inline');
  const js = html.match(/\/static\/app\.[0-9a-f]{10}\.js/);
  const css = html.match(/\/static\/panel\.[0-9a-f]{10}\.css/);
  assert.ok(js && css, 'hashed asset names in index.html: ' + html);
  const asset = await fetch(server.url + js[0]);
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get('cache-control'), /max-age=31536000.*immutable/);
  assert.match(asset.headers.get('content-type'), /^text\/javascript/);
  assert.match(await asset.text(), /from '\.\/list\.[0-9a-f]{10}\.js'/, 'imports point at hashed names');
  assert.equal((await fetch(server.url + '/static/app.js')).status, 404);
  assert.deepEqual(Object.keys(await server.api('/config')).sort(), ['claimTtlSeconds', 'pacsUrlTemplate']);
});

test('first render: every waiting study in reading order, the feed live', async () => {
  ({ page: a.page } = (a = await hx.openPanel(browser, server, { pacsTemplate: PACS })));
  const page = a.page;
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 5000 });
  const want = await inOrder(page);
  assert.ok(want.length >= 3, 'the feed puts studies on the list');
  const hendriks = hx.row(page, 'ZHWEST', 'W26000122');
  assert.equal(await hendriks.locator('.name').textContent(), 'Hendriks, M.');
  assert.match(await hendriks.locator('.demo').textContent(), /^\d+ y · F · 7101002$/);
  assert.match(await hendriks.locator('.due').textContent(), /^(due in|overdue by) /);
  assert.match(await hendriks.locator('.wait').textContent(), /^waiting /);
  assert.equal(await hendriks.locator('.modality').textContent(), 'DX');
  assert.equal(await page.locator('#conn').textContent(), 'live');
  assert.deepEqual(page.errors, []);
});

test('an order completed over MLLP appears within a second', async () => {
  const page = a.page;
  await server.send('zhwest_orm_nw_ct_oncology.hl7'); // scheduled: not on the list yet
  await server.send('zhwest_orm_sc_cm_ct_oncology.hl7');
  const r = hx.row(page, 'ZHWEST', 'W26000101');
  await r.waitFor({ timeout: 1000 });
  assert.equal(await r.locator('.name').textContent(), 'Berg, J. van den');
  assert.match(await r.locator('.proc').textContent(), /CT thorax-abdomen/);
});

test('an AI PE result moves the study to the top, critical, with a notification', async () => {
  const page = a.page;
  assert.equal(await page.evaluate(() => window.__notes.length), 0, 'no notification for the first snapshot');
  const before = await keys(page);
  assert.notEqual(before[0], 'ZHWEST/W26000101');
  await server.postAI('pe_positive.json');
  await waitTop(page, 'ZHWEST/W26000101');
  const r = hx.row(page, 'ZHWEST', 'W26000101');
  assert.match(await r.getAttribute('class'), /band-critical/);
  const badge = r.locator('.badge.tier-critical');
  assert.match(await badge.textContent(), /Pulmonary embolism/);
  const link = badge.locator('a');
  assert.equal(await link.getAttribute('href'), 'https://ai.example.org/viewer/aidoc-20261123-0001');
  assert.match(await link.getAttribute('title'), /94%/);
  await page.waitForFunction(() => window.__notes.length === 1, null, { timeout: 1000 });
  await page.waitForFunction(() => performance.getEntriesByType('resource').some(e => /\/static\/alert\.[0-9a-f]{10}\.wav$/.test(e.name)),
    null, { timeout: 1000 }); // the chime was loaded to play
  const [note] = await page.evaluate(() => window.__notes);
  assert.match(note.title, /^Critical: CT/);
  assert.match(note.body, /W26000101/);
  await r.locator('.why summary').click();
  assert.match(await r.locator('.reasons').textContent(), /PE 94%/);
});

test('a claim in one browser shows as claimed in another', async () => {
  b = await hx.openPanel(browser, server, { name: 'devries' });
  const rb = hx.row(b.page, 'ZHWEST', 'W26000101');
  await rb.waitFor({ timeout: 3000 });
  await hx.row(a.page, 'ZHWEST', 'W26000101').locator('button[data-action="claim"]').click();
  const ra = hx.row(a.page, 'ZHWEST', 'W26000101');
  await ra.locator('.claim', { hasText: /^claimed by you since \d\d:\d\d$/ }).waitFor({ timeout: 2000 });
  await rb.locator('.claim', { hasText: /^claimed by Dr\. jansen since \d\d:\d\d$/ }).waitFor({ timeout: 2000 });
  assert.equal(await rb.locator('.claim-btn').textContent(), 'Take over');
  assert.equal(await ra.locator('.claim-btn').textContent(), 'Release');
  const st = await server.api('/studies/ZHWEST/W26000101');
  assert.equal(st.claim.by, 'jansen', 'the claim carries the reader signed in');
});

test('while the pointer is over the list, new rows wait behind "N updates"', async () => {
  const page = b.page;
  await a.page.mouse.move(200, 10); // panel a: the pointer on the header
  const first = page.locator('#list > li.row').first();
  await first.hover();
  await page.mouse.move(50, 400, { steps: 3 });
  await server.send('zhoost_omi_o23_ct_head_stat.hl7');
  await server.complete('zhoost_omi_o23_ct_head_stat.hl7');
  await page.mouse.move(60, 410, { steps: 3 }); // still moving: about to click
  await page.locator('#updates', { hasText: /^1 update$/ }).waitFor({ timeout: 2000 });
  assert.equal(await hx.row(page, 'ZHOOST', 'E26000201').count(), 0, 'the new row is held back');
  await page.mouse.move(200, 10); // the header: the pointer leaves the list
  await hx.row(page, 'ZHOOST', 'E26000201').waitFor({ timeout: 1000 });
  assert.ok(await page.locator('#updates').isHidden());
  // Meanwhile a panel without the pointer over it moved at once.
  assert.equal(await hx.row(a.page, 'ZHOOST', 'E26000201').count(), 1);
  assert.ok(await a.page.locator('#updates').isHidden());
});

test('keys: j and k move the selection, c claims, Enter opens in the PACS', async () => {
  const page = a.page;
  await page.locator('h1').click();
  const order = await inOrder(page);
  const current = () => page.$eval('#list > li.row[aria-current="true"]', e => e.dataset.key).catch(() => null);
  for (const _ of order) await page.keyboard.press('k'); // to the top, wherever the selection was
  assert.equal(await current(), order[0]);
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  assert.equal(await current(), order[2]);
  await page.keyboard.press('k');
  assert.equal(await current(), order[1]);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.key), order[1], 'focus follows the selection');
  const [site, acc] = order[1].split('/');
  await page.keyboard.press('c');
  await hx.row(page, site, acc).locator('.claim', { hasText: /^claimed by you/ }).waitFor({ timeout: 2000 });
  assert.equal((await server.api(`/studies/${site}/${acc}`)).claim.by, 'jansen');
  await page.keyboard.press('Enter');
  const st = await server.api(`/studies/${site}/${acc}`);
  const url = new URL((await page.evaluate(() => window.__opened))[0]);
  assert.equal(url.origin + url.pathname, 'https://pacs.example.org/viewer');
  assert.equal(url.searchParams.get('acc'), acc);
  assert.equal(url.searchParams.get('site'), site);
  assert.equal(url.searchParams.get('mrn'), st.patient.mrn);
});

test('read next claims the most urgent study nobody holds', async () => {
  const page = b.page;
  const list = (await server.api('/worklist?limit=500')).studies;
  const want = list.find(s => !s.claim || Date.parse(s.claim.until) < Date.now());
  await page.locator('#next').click();
  await hx.row(page, want.site, want.accession).locator('.claim', { hasText: /^claimed by you/ }).waitFor({ timeout: 2000 });
  assert.equal((await server.api(`/studies/${want.site}/${want.accession}`)).claim.by, 'devries');
});

test('filters: band and section, applied in the browser as the server would, remembered by the browser', async () => {
  const page = b.page;
  const bandOf = () => page.$$eval('#list > li.row', els => els.map(e => e.className.match(/band-(\w+)/)[1]));
  await page.selectOption('select[name="band"]', 'critical');
  assert.deepEqual(await bandOf(), ['critical']);
  await page.reload();
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 5000 });
  await page.locator('#list > li.row').first().waitFor({ timeout: 2000 });
  assert.equal(await page.inputValue('select[name="band"]'), 'critical');
  assert.deepEqual(await bandOf(), ['critical']);
  await page.selectOption('select[name="band"]', '');

  await page.locator('select[name="section"] option[value="neuro"]').waitFor({ state: 'attached' });
  await page.selectOption('select[name="section"]', 'neuro');
  const want = (await server.api('/worklist?section=neuro')).studies.map(s => s.site + '/' + s.accession);
  assert.ok(want.length > 0 && want.length < (await server.api('/worklist')).studies.length);
  await page.waitForFunction(w => [...document.querySelectorAll('#list > li.row')].map(e => e.dataset.key).join() === w.join(),
    want, { timeout: 3000 });
  await page.selectOption('select[name="section"]', '');
});

test('signs in, says who, and signs out: the session ends and the panel is behind the sign-in page again', async () => {
  const { context, page } = await hx.openPanel(browser, server, { name: 'bakker' });
  assert.match(await page.locator('#who').getAttribute('title'), /Signed in as Dr\. bakker/);
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 5000 });
  await Promise.all([page.waitForURL(/\/signin\?/, { timeout: 5000 }), page.click('#who')]);
  await page.locator('#signin-reason', { hasText: 'You are signed out.' }).waitFor({ timeout: 2000 });
  await page.goto(server.url + '/');
  await page.waitForURL(/\/signin/, { timeout: 5000 });
  assert.deepEqual(page.errors.filter(e => !/401|Unauthorized/.test(e)), []);
  await context.close();
});

test('signed out everywhere by an admin: the open panel goes to the sign-in page within seconds, and says why', async () => {
  const { context, page } = await hx.openPanel(browser, server, { name: 'kok' });
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 5000 });
  const ended = await server.api('/users/kok/signout', { method: 'POST', admin: true, headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(ended.ended, 1);
  await page.waitForURL(/\/signin\?.*reason=session_ended/, { timeout: 10000 });
  await page.locator('#signin-reason', { hasText: 'Your session has ended' }).waitFor({ timeout: 2000 });
  await context.close();
});

test('400 px wide: no horizontal scroll, and a screenshot for the README', async () => {
  for (const { page } of [a, b]) {
    await page.locator('#list > li.row .why:not([open]) summary').first().click();
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 400, 'no horizontal scroll');
  }
  for (const toggle of ['theme', 'night']) {
    await b.page.locator('#' + toggle).click();
    assert.ok(await b.page.evaluate(() => document.documentElement.scrollWidth) <= 400);
  }
  assert.equal(await b.page.evaluate(() => document.documentElement.dataset.theme), 'night');
  // The README's picture is rewritten only when asked (UPDATE_DOCS=1), so
  // that a test run leaves the checkout as it was.
  const docs = process.env.UPDATE_DOCS ? path.join(hx.ROOT, 'docs') : mkdtempSync(path.join(os.tmpdir(), 'voorrang-shot-'));
  mkdirSync(docs, { recursive: true });
  await a.page.mouse.move(200, 10);
  await a.page.locator('h1').click();
  await a.page.screenshot({ path: path.join(docs, 'panel.png') });
  if (!process.env.UPDATE_DOCS) rmSync(docs, { recursive: true });
  assert.deepEqual(a.page.errors, []);
  assert.deepEqual(b.page.errors, []);
});
