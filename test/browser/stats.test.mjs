// The managers' statistics page on the demo's data: a manager signs in,
// sees the period's turnaround, the trend, the backlog heat map, due-time
// compliance, the AI table with PPV per algorithm, and the demo's pilot
// with its verdict — all drawn as SVG under the strict CSP, no errors.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as hx from './harness.mjs';

let bin, redis, server, browser;

before(async () => {
  bin = await hx.build();
  redis = await hx.TestRedis.start();
  server = await hx.Server.start(bin.bin, redis, ['--demo', '--demo-speed', '1', '--seed', '7']);
  await server.account('baas', { roles: 'manager', display: 'De Baas' });
  browser = await hx.launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await redis?.stop();
  bin?.remove();
});

test('a manager sees the demo\'s statistics, AI table and pilot verdict', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', e => errors.push(e.message));
  page.on('console', m => m.type() === 'error' && errors.push(m.text()));

  // Not signed in: to the sign-in page, and back to the stats page.
  await page.goto(server.url + '/stats');
  await page.waitForURL(/\/signin\?next=%2Fstats/, { timeout: 5000 });
  await page.fill('#signin-name', 'baas');
  await page.fill('#signin-password', hx.PASSWORD);
  await Promise.all([page.waitForURL(server.url + '/stats', { timeout: 5000 }), page.click('#signin-form button[type="submit"]')]);
  await page.waitForSelector('body[data-loaded="all"]', { timeout: 30000 }).catch(async e => {
    await page.screenshot({ path: '/tmp/voorrang-stats-failed.png', fullPage: true });
    throw new Error(`the page did not load: ${e.message}; status ${await page.locator('#status').textContent()}; errors ${errors}`);
  });

  const reported = Number(await page.locator('.card', { hasText: 'Reported' }).locator('.card-value').textContent());
  assert.ok(reported > 1000, `reported in the last 7 days: ${reported}`);
  assert.ok(await page.locator('#dist rect.bar.band-critical').count() >= 9, 'distribution bars per band');
  assert.equal(await page.locator('#trend path.line').count(), 1, 'the trend line');
  assert.equal(await page.locator('#heat rect.heat').count(), 7 * 24, 'the heat map of the week');
  assert.equal(await page.locator('#heat rect.scale').count(), 9, 'the heat map says which shade is more');
  assert.equal(await page.locator('#due rect.bar').count(), 3, 'compliance per band');
  const ai = await page.locator('#ai tbody tr', { hasText: 'aidoc-pe' }).first().textContent();
  assert.match(ai, /aidoc-pe\s*all/, 'the AI table has aidoc-pe over all sites');
  assert.match(ai, /\d+% \(\d+%–\d+%, n = \d+\)/, 'with its PPV and interval');
  const pilot = page.locator('article.pilot');
  assert.equal(await pilot.count(), 1, 'the demo pilot');
  assert.equal((await pilot.locator('.verdict').textContent()).trim(), 'scale up');
  assert.equal(await pilot.locator('svg circle.est').count(), 2, 'primary and safety measure with their intervals');
  assert.match(await pilot.locator('.reasons').textContent(), /95% CI/);

  // The what-if: the last four weeks simulated under each policy.
  await page.click('#whatif-run');
  await page.waitForSelector('#whatif rect.bar', { timeout: 90000 });
  assert.match(await page.locator('#whatif-caption').textContent(), /p95 wait \(minutes\) by class under each policy/);

  // The page holds no patient data: no accession number of the demo.
  assert.doesNotMatch(await page.content(), /\b[WE]26\d{6}\b|HZH\d{7}/, 'no accession numbers on the page');
  await page.screenshot({ path: process.env.STATS_SCREENSHOT || '/tmp/voorrang-stats.png', fullPage: true });
  assert.deepEqual(errors, [], 'no script errors or CSP violations');

  // A manager has no reading list: / sends them to the stats page.
  await page.goto(server.url + '/');
  await page.waitForURL(server.url + '/stats', { timeout: 5000 });
  await context.close();
});
