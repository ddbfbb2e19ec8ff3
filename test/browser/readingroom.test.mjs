// The panel through a reading radiologist's shift: claims kept while the
// panel is open and lost out loud, filters that never hide danger (what
// they hide counted, alerts and Read next beyond them), remembered filters
// visible after a reload, the compact density, the keys overlay against
// the README, and the whole list marked stale when the connection drops.
// The server runs with a short claim lease (--claim-ttl 8s), so that
// renewal and lapse happen within a test. The tests run in order and share
// one server and one browser.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as hx from './harness.mjs';

const TTL_MS = 8000;
let bin, redis, server, browser, a;

before(async () => {
  bin = await hx.build();
  redis = await hx.TestRedis.start();
  server = await hx.Server.start(bin.bin, redis, ['--claim-ttl', TTL_MS / 1000 + 's']);
  await server.send('zhwest_feed_day.hl7');
  // A synthetic hour of both sites: enough studies to fill a screen.
  const sim = mkdtempSync(path.join(os.tmpdir(), 'voorrang-sim-'));
  await promisify(execFile)(bin.bin, ['simulate', '--seed', '3', '--duration', '1h', '--out', sim]);
  await promisify(execFile)(bin.bin, ['send', '--to', `127.0.0.1:${server.mllp}`, ...readdirSync(sim).map(f => path.join(sim, f))]);
  rmSync(sim, { recursive: true });
  browser = await hx.launch();
  a = await hx.openPanel(browser, server);
  await a.page.locator('#conn[data-state="live"]').waitFor({ timeout: 5000 });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await redis?.stop();
  bin?.remove();
});

const key = s => s.site + '/' + s.accession;
const shownKeys = page => page.$$eval('#list > li.row', els => els.map(e => e.dataset.key));
const waiting = async () => (await server.api('/worklist?limit=500')).studies;
const held = (s, now = Date.now()) => s.claim && Date.parse(s.claim.until) > now;

// waitShown waits until the panel shows exactly these studies, in order.
function waitShown(page, studies, timeout = 3000) {
  return page.waitForFunction(w => [...document.querySelectorAll('#list > li.row')].map(e => e.dataset.key).join() === w.join(),
    studies.map(key), { timeout });
}

// untilHeld polls the server until the study's claim satisfies ok.
async function untilHeld(s, ok, timeout) {
  const end = Date.now() + timeout;
  for (;;) {
    const st = await server.api(`/studies/${s.site}/${s.accession}`);
    if (ok(st)) return st;
    if (Date.now() > end) throw new Error(`the claim on ${key(s)} is ${JSON.stringify(st.claim)}`);
    await new Promise(r => setTimeout(r, 250));
  }
}

test('a claim holds for three leases while the panel is open, and the row says until when', async () => {
  const page = a.page;
  const study = (await waiting()).filter(s => !held(s) && s.rank.band !== 'critical')[0];
  const row = hx.row(page, study.site, study.accession);
  await row.locator('button[data-action="claim"]').click();
  await row.locator('.claim', { hasText: /^claimed by you since \d\d:\d\d$/ }).waitFor({ timeout: 2000 });
  await row.locator('.lapse', { hasText: /^held until \d\d:\d\d$/ }).waitFor({ timeout: 2000 });
  const first = await server.api(`/studies/${study.site}/${study.accession}`);
  assert.equal(first.claim.by, 'jansen');
  // Three leases later the claim is still the reader's, renewed, not new.
  const later = Date.parse(first.claim.until) + 2 * TTL_MS;
  const st = await untilHeld(study, st => Date.parse(st.claim.until) > later, 4 * TTL_MS);
  assert.equal(st.claim.by, 'jansen');
  assert.equal(st.claim.at, first.claim.at, 'renewed, not claimed anew');
  assert.equal(await page.locator('#notices .notice').count(), 0, 'nothing lost');
});

test('taken over: the reader is told at once who took it and when, by the name colleagues know', async () => {
  const page = a.page;
  const mine = (await waiting()).find(s => held(s) && s.claim.by === 'jansen');
  const b = await hx.openPanel(browser, server, { name: 'devries' }); // display name "Dr. devries"
  b.page.on('dialog', d => d.accept());
  const rb = hx.row(b.page, mine.site, mine.accession);
  await rb.locator('.claim', { hasText: /^claimed by Dr\. jansen since \d\d:\d\d$/ }).waitFor({ timeout: 3000 });
  await rb.locator('button[data-action="override"]').click();
  await rb.locator('.claim', { hasText: /^claimed by you/ }).waitFor({ timeout: 3000 });
  const note = page.locator('#notices .notice', { hasText: new RegExp(`^${mine.accession} was taken over by Dr\\. devries at \\d\\d:\\d\\d`) });
  await note.waitFor({ timeout: 3000 });
  await hx.row(page, mine.site, mine.accession).locator('.claim', { hasText: /^claimed by Dr\. devries since/ }).waitFor();
  await note.locator('button').click();
  assert.equal(await page.locator('#notices .notice').count(), 0);
  assert.equal((await server.api(`/studies/${mine.site}/${mine.accession}`)).claim.name, 'Dr. devries');
  await b.context.close();
});

test('a claim the panel cannot renew lapses, and the reader is told', async () => {
  const page = a.page;
  const study = (await waiting()).filter(s => !held(s) && s.rank.band !== 'critical')[1];
  const row = hx.row(page, study.site, study.accession);
  await row.locator('button[data-action="claim"]').click();
  await row.locator('.claim', { hasText: /^claimed by you/ }).waitFor({ timeout: 2000 });
  await page.route('**/claim', r => r.abort('connectionrefused')); // renewals fail
  await page.locator('#notices .notice', { hasText: new RegExp(`^${study.accession}: your claim lapsed at \\d\\d:\\d\\d \\(the panel could not renew it`) })
    .waitFor({ timeout: 3 * TTL_MS });
  await page.unroute('**/claim');
  await page.locator('#notices .notice button').click();
});

test('a new critical study outside the filter still alerts, unless the reader asks for their filter only', async () => {
  const page = a.page;
  await page.selectOption('select[name="modality"]', 'DX');
  const notes = () => page.evaluate(() => window.__notes.map(n => n.title));
  const before = (await notes()).length;
  await server.send('zhwest_orm_nw_ct_oncology.hl7');
  await server.send('zhwest_orm_sc_cm_ct_oncology.hl7');
  await server.postAI('pe_positive.json');
  await page.waitForFunction(n => window.__notes.length > n, before, { timeout: 3000 });
  assert.match((await notes()).at(-1), /^Critical, outside your filter: CT/);
  assert.equal(await hx.row(page, 'ZHWEST', 'W26000101').count(), 0, 'the filter still hides it');

  await page.locator('#alert-scope').click();
  assert.equal(await page.locator('#alert-scope').textContent(), 'Alerts: my filter');
  const count = (await notes()).length;
  await server.send('zhoost_omi_o23_ct_head_stat.hl7');
  await server.complete('zhoost_omi_o23_ct_head_stat.hl7');
  await server.postAI('ich_positive.json');
  // Once the panel counts the new critical study, it has judged whether to alert.
  const crit = (await waiting()).filter(s => s.rank.band === 'critical' && s.modality !== 'DX').length;
  await page.locator('#outside-text', { hasText: `${crit} critical` }).waitFor({ timeout: 3000 });
  assert.equal((await notes()).length, count, 'no alert outside the filter when the reader asked for their filter only');
  await page.locator('#alert-scope').click();
  assert.equal(await page.locator('#alert-scope').textContent(), 'Alerts: all critical');
});

test('a filter says what it hides of the critical and urgent studies, shows it at one click, and stays visible after a reload', async () => {
  const page = a.page;
  await page.selectOption('select[name="modality"]', 'DX');
  const all = await waiting();
  const hidden = all.filter(s => s.modality !== 'DX');
  const crit = hidden.filter(s => s.rank.band === 'critical').length, urg = hidden.filter(s => s.rank.band === 'urgent').length;
  assert.ok(crit > 0, 'the test needs a critical study outside DX');
  await waitShown(page, all.filter(s => s.modality === 'DX'));
  const text = `Filter on (DX): ${crit} critical` + (urg ? ` and ${urg} urgent` : '') + ' outside your filter';
  await page.locator('#outside-text', { hasText: text }).waitFor({ timeout: 2000 });
  assert.match(await page.locator('#outside').getAttribute('class'), /danger/);

  await page.locator('#outside-show').click();
  await waitShown(page, all);
  assert.ok(await page.locator('#outside').isHidden());
  await page.locator('#filters-restore').click();
  await waitShown(page, all.filter(s => s.modality === 'DX'));

  await page.reload();
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 5000 });
  assert.equal(await page.inputValue('select[name="modality"]'), 'DX');
  assert.match(await page.locator('select[name="modality"]').getAttribute('class'), /\bon\b/, 'the remembered filter is marked');
  await page.locator('#outside-text', { hasText: text }).waitFor({ timeout: 2000 });
  await waitShown(page, all.filter(s => s.modality === 'DX'));
});

test('the Modality, Site and Section lists say how many studies each value has', async () => {
  const page = a.page;
  const all = await waiting();
  const options = await page.$$eval('select[name="modality"] option', os => os.slice(1).map(o => o.textContent));
  const mods = [...new Set(all.map(s => s.modality))].sort();
  assert.deepEqual(options, mods.map(m => `${m} (${all.filter(s => s.modality === m).length})`));
  for (const sec of await server.api('/sections')) {
    const n = (await server.api('/worklist?limit=500&section=' + sec.name)).studies.length;
    const text = await page.locator(`select[name="section"] option[value="${sec.name}"]`).textContent();
    assert.equal(text, n ? `${sec.name} (${n})` : `${sec.name} (none)`);
  }
});

test('Read next offers an unclaimed critical study outside the filter first', async () => {
  const page = a.page; // the filter: DX
  const now = Date.now();
  const outside = (await waiting()).find(s => s.rank.band === 'critical' && !held(s, now) && s.modality !== 'DX');
  await page.locator('#next').click();
  await page.locator('#offer-text', { hasText: `${outside.site} ${outside.accession}` }).waitFor({ timeout: 2000 });
  assert.match(await page.locator('#offer-text').textContent(), /^Critical, unclaimed, outside your filter: /);
  await page.locator('#offer-outside').click();
  await page.locator('#status', { hasText: `Claimed ${outside.accession} (outside your filter)` }).waitFor({ timeout: 2000 });
  assert.equal((await server.api(`/studies/${outside.site}/${outside.accession}`)).claim.by, 'jansen');
});

test('Mine and Unclaimed', async () => {
  const page = a.page;
  await page.locator('#filters-clear').click();
  await page.selectOption('select[name="claim"]', 'mine');
  const now = Date.now(), all = await waiting();
  await waitShown(page, all.filter(s => held(s, now) && s.claim.by === 'jansen'));
  assert.ok(await page.locator('#list > li.row').count() > 0);
  await page.selectOption('select[name="claim"]', 'unclaimed');
  await waitShown(page, all.filter(s => !held(s, now)));
  await page.selectOption('select[name="claim"]', '');
});

test('compact: at least 12 studies at 400x900, remembered', async () => {
  const page = a.page;
  assert.ok((await waiting()).length >= 12, 'the test needs 12 studies');
  await page.locator('#compact').click();
  const fits = () => page.$$eval('#list > li.row', els => els.filter(e => e.getBoundingClientRect().bottom <= window.innerHeight).length);
  assert.ok(await fits() >= 12, `${await fits()} rows fit`);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 400, 'no horizontal scroll');
  await page.reload();
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 5000 });
  await page.locator('#list > li.row').nth(11).waitFor();
  assert.equal(await page.locator('#compact').getAttribute('aria-pressed'), 'true');
  assert.ok(await fits() >= 12);
  await page.screenshot({ path: path.join(os.tmpdir(), 'voorrang-compact.png') });
  await page.locator('#compact').click();
});

test('? lists the keys, the same as the README', async () => {
  const page = a.page;
  await page.locator('h1').click();
  await page.keyboard.press('?');
  await page.locator('#keys[open]').waitFor({ timeout: 1000 });
  const shown = await page.$$eval('#keys tbody tr', trs => trs.map(tr => [tr.querySelector('th').textContent, tr.querySelector('td').textContent]));
  const readme = readFileSync(path.join(hx.ROOT, 'README.md'), 'utf8');
  const lines = readme.slice(readme.indexOf('**Keys**')).split('\n');
  const start = lines.findIndex(l => l.startsWith('|'));
  const table = lines.slice(start + 2, lines.findIndex((l, i) => i > start && !l.startsWith('|')));
  const rows = table.map(l => l.split('|').slice(1, 3).map(c => c.trim().replaceAll('`', '')));
  assert.ok(rows.length >= 8);
  assert.deepEqual(shown, rows);
  await page.keyboard.press('Escape');
  assert.ok(await page.locator('#keys').isHidden());
});

test('the connection lost: the whole list is marked stale, and claim and Read next say they cannot work offline', async () => {
  const page = a.page;
  const rows = await page.locator('#list > li.row').count();
  await server.stop();
  await page.locator('#stale', { hasText: /^Not live since \d\d:\d\d: this list may be out of date/ }).waitFor({ timeout: 5000 });
  assert.ok(await page.evaluate(() => document.documentElement.classList.contains('offline')), 'the list is marked');
  assert.equal(await page.locator('#list > li.row').count(), rows, 'the last list stays, marked');
  await page.locator('#next').click({ force: true }); // aria-disabled, and says why when clicked
  await page.locator('#status', { hasText: 'Offline: cannot use Read next until the connection is back' }).waitFor({ timeout: 1000 });
  await page.locator('#list > li.row button[data-action="claim"]').first().click();
  await page.locator('#status', { hasText: /^Offline: cannot claim \w+ until the connection is back$/ }).waitFor({ timeout: 1000 });
  await page.screenshot({ path: path.join(os.tmpdir(), 'voorrang-offline.png') });
  await server.start();
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 20000 });
  assert.ok(!(await page.evaluate(() => document.documentElement.classList.contains('offline'))));
  assert.ok(await page.locator('#stale').isHidden());
  assert.deepEqual(page.errors.filter(e => !/ERR_CONNECTION_REFUSED|WebSocket|Failed to load resource/.test(e)), []);
});
