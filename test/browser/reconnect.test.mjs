// The panel's feed when the connection fails: a server restart (reconnect
// with backoff, resume from the last position, stale indicator) and a
// websocket that cannot be opened (polling the API instead).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as hx from './harness.mjs';

let bin, redis, server, browser;

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

const rowCount = page => page.locator('#list > li.row').count();

test('a server restart: reconnecting, stale, then live again, resumed, and later changes appear', async () => {
  const { page } = await hx.openPanel(browser, server);
  const sockets = [];
  page.on('websocket', ws => sockets.push(new URL(ws.url())));
  const conn = page.locator('#conn');
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 5000 });
  await page.locator('#list > li.row').first().waitFor();
  const rows = await rowCount(page);

  await server.stop();
  await page.locator('#conn[data-state="reconnecting"]').waitFor({ timeout: 3000 });
  await page.locator('#conn[data-state="stale"]').waitFor({ timeout: 20000 });
  assert.match(await conn.textContent(), /^stale since \d\d:\d\d$/);
  assert.equal(await rowCount(page), rows, 'the last known list stays on screen');

  await server.start(); // the same ports and Redis database
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 20000 });
  assert.equal(await conn.textContent(), 'live');
  const resumed = sockets.at(-1);
  assert.ok(resumed.searchParams.get('since'), 'the reconnect resumes from the last position: ' + resumed);

  await server.send('zhwest_orm_nw_ct_oncology.hl7');
  await server.send('zhwest_orm_sc_cm_ct_oncology.hl7');
  await hx.row(page, 'ZHWEST', 'W26000101').waitFor({ timeout: 1000 });
  assert.equal(await rowCount(page), rows + 1);
  assert.deepEqual(page.errors.filter(e => !/ERR_CONNECTION_REFUSED|WebSocket/.test(e)), []);
  await page.context().close();
});

test('without a websocket the panel polls the API every 2 s', async () => {
  const context = await browser.newContext({ viewport: { width: 400, height: 900 } });
  await server.account('polder');
  await context.addInitScript(() => {
    // A websocket whose upgrade fails, as behind a proxy that drops them.
    window.WebSocket = class {
      constructor() { setTimeout(() => this.onclose && this.onclose({ code: 1006 }), 10); }
      close() {}
    };
  });
  const page = await context.newPage();
  await hx.signIn(page, server, 'polder');
  await page.locator('#conn[data-state="live"]', { hasText: 'live (polling)' }).waitFor({ timeout: 5000 });
  const want = (await server.api('/worklist?limit=500')).studies.map(s => s.site + '/' + s.accession);
  await page.waitForFunction(n => document.querySelectorAll('#list > li.row').length === n, want.length, { timeout: 3000 });
  await server.send('zhoost_omi_o23_us_abdomen_inpatient.hl7');
  await server.complete('zhoost_omi_o23_us_abdomen_inpatient.hl7');
  await hx.row(page, 'ZHOOST', 'E26000204').waitFor({ timeout: 3000 });
  await context.close();
});
