// The panel benchmark (issue 4): the panel with 2,000 rows, and the time
// to apply one change in the browser (target: under one frame, 16 ms).
//
// It builds and starts the server as the browser tests do (on a
// redis-server of its own, or under a key prefix of the Redis that
// VOORRANG_TEST_REDIS names), puts 2,000 completed CT
// exams on the reading list by sending generated ORM^O01 messages over
// MLLP with `voorrang send`, opens the panel in headless Chromium at
// 400x900 and waits for the 2,000 rows. Then it applies N changes one at a
// time through the real path, POST /api/v1/ai-results from inside the
// page: alternately a positive PE result that moves the bottom row to the
// top, and a negative one that leaves its row in place.
//
// Measured in the page, from outside the panel's code (an init script
// wraps WebSocket.prototype.onmessage, window.setTimeout, requestAnimationFrame and
// window.setInterval; nothing in ui/static is changed), for the websocket
// message that carries each change:
//
//   handler  the message handler, synchronously: JSON.parse, list.upsert
//            (the row patched in place), alerts
//   render   the timer callbacks the handler scheduled: list.render, which
//            re-sorts the rows, moves what is out of place and recounts
//   frames   the animation frames after the handler and after the render,
//            each from its requestAnimationFrame callback (which forces
//            style and layout: "of which style + layout") to a task posted
//            from it, which runs once the frame is rendered (style, layout,
//            pre-paint, paint, commit); an idle frame measures ~0.3 ms
//   main thread  the union of those intervals: the main-thread cost of one
//            change, the figure to hold against one frame (16 ms)
//   arrival→DOM updated  from the message event's timeStamp to the end of
//            the render; includes the 16 ms list.js waits (scheduleRender)
//   arrival→painted, POST→painted  to the last frame rendered, from the
//            message's arrival or from the page's POST (server, Redis,
//            websocket push and browser together)
// The first render of the snapshot is measured the same way; the 5 s
// refresh (setInterval: list.tick over every row) is timed too.
//
// Usage: node bench/panel.mjs [--changes 50] [--rows 2000]
//        [--css 'RULES'] (npm run bench:panel). Exits 1 when anything fails
// or times out (no rows, a change not shown, a row not where it should be).

import { writeFile, readFile, mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as hx from '../test/browser/harness.mjs';

const run = promisify(execFile);

function flag(name, def) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 && process.argv[i + 1] !== undefined ? Number(process.argv[i + 1]) : def;
}
const ROWS = flag('rows', 2000);
const WINDOW = 50; // rows the panel keeps in the page (ui/static/list.js)
const CHANGES = flag('changes', 50);
const WARMUP = 2; // one change of each kind, not counted
const SITE = 'ZHWEST';
// --css RULES appends rules to panel.css as served (through a route, the
// file is untouched): to try a style change, e.g.
// --css '.row{content-visibility:auto;contain-intrinsic-size:auto 110px}'
const CSS = (() => { const i = process.argv.indexOf('--css'); return i > 0 ? process.argv[i + 1] : ''; })();
const WIDTH = 400, HEIGHT = 900;

// ---- the feed: ROWS completed exams, newest (bottom of the list) first

const ts = d => d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + '+0000';
const NAMES = [
  'van den Berg&van den&Berg^Jan^J', 'de Vries&de&Vries^Anna^A', 'Jansen^Pieter^P.J.', 'Bakker^Sanne^S',
  'van Dijk&van&Dijk^Kees^K', 'Visser^Els^E.M.', 'Smit^Thomas^T', 'de Jong&de&Jong^Fatima^F', 'Mulder^Lotte^L',
  'Meijer^Ahmed^A',
];
const accession = i => 'B' + String(27000000 + i);

// completedOrders writes the exams as ORM^O01 status changes (ORC-1 SC,
// ORC-5 CM), from the corpus's oncology CT, each with its own MSH-10,
// accession, order number, patient and study UID; study i completed i*20 s
// before now, so study 0 is due last and is the bottom row.
async function completedOrders(now) {
  const tpl = (await readFile(path.join(hx.ROOT, 'testdata/hl7/zhwest_orm_sc_cm_ct_oncology.hl7'), 'latin1'))
    .split(/\r\n|\r|\n/).filter(Boolean);
  const msgs = [];
  for (let i = 0; i < ROWS; i++) {
    const done = new Date(now - i * 20000), started = new Date(done - 15 * 60000), acc = accession(i);
    const placer = String(44100000 + i) + '^HIX', mrn = String(8000000 + i);
    msgs.push(tpl.map(seg => {
      const f = seg.split('|');
      switch (f[0]) {
        case 'MSH': f[6] = ts(done); f[9] = 'BENCHPANEL' + i; break;
        case 'PID': f[3] = mrn + '^^^ZHWEST^PI'; f[5] = NAMES[i % NAMES.length] + '^^^^L'; break;
        case 'ORC': f[2] = placer; f[3] = acc + '^HIX'; f[9] = ts(done); break;
        case 'OBR':
          f[2] = placer; f[3] = acc + '^HIX'; f[7] = ts(started); f[8] = ts(done);
          f[18] = acc; f[19] = 'RP' + acc; f[22] = ts(done);
          break;
        case 'ZDS': f[1] = '1.2.826.0.1.3680043.9.7133.27.' + i + '^HIX^Application^DICOM'; break;
      }
      return f.join('|');
    }).join('\r'));
  }
  return msgs.join('\r') + '\r';
}

function aiResult(i, k, positive, now) {
  return {
    id: `bench-panel-${positive ? 'pos' : 'neg'}-${k}-${now}`,
    accession: accession(i), site: SITE,
    algorithm: { id: 'aidoc-pe', name: 'Incidental PE', version: '2.1', vendor: 'Aidoc' },
    findings: [positive
      ? { code: 'PE', display: 'Pulmonary embolism', positive: true, confidence: 0.94, location: 'right lower lobe segmental artery', slice: 143, viewerUrl: 'https://ai.example.org/viewer/' + i }
      : { code: 'PE', display: 'Pulmonary embolism', positive: false, confidence: 0.03, viewerUrl: 'https://ai.example.org/viewer/' + i }],
    producedAt: new Date().toISOString(),
  };
}

// ---- the probe, injected before the panel's scripts

function probe() {
  window.Notification = class {
    static permission = 'granted';
    static requestPermission() { return Promise.resolve('granted'); }
    constructor() {}
    close() {}
  };
  const now = () => performance.now();
  const B = (window.__bench = { msgs: [], ticks: [], cur: null, expect: null, postAt: null });
  const { port1, port2 } = new MessageChannel();
  const posted = [];
  port1.onmessage = () => posted.shift()();
  const afterTask = fn => { posted.push(fn); port2.postMessage(0); };
  const settle = m => { if (--m.pending === 0) m.done = true; };
  // afterFrame forces the pending style and layout in the next animation
  // frame, and notes when a task posted from that frame runs: the frame
  // has been rendered (style, layout, paint, commit) by then.
  const raf0 = window.requestAnimationFrame.bind(window), caf0 = window.cancelAnimationFrame.bind(window);
  const afterFrame = m => {
    m.pending++;
    raf0(() => {
      const a = now();
      void document.body.offsetHeight;
      m.layout += now() - a;
      afterTask(() => {
        const p = now();
        m.spans.push([a, p]);
        m.painted = Math.max(m.painted || 0, p);
        settle(m);
      });
    });
  };
  // timers scheduled by a message handler are its render; a timer cleared
  // before it ran must not keep its message pending
  const timerOf = new Map();
  const setTimeout0 = window.setTimeout, clearTimeout0 = window.clearTimeout;
  window.setTimeout = function (fn, ms, ...args) {
    const m = B.cur;
    if (!m || typeof fn !== 'function') return setTimeout0.call(window, fn, ms, ...args);
    m.pending++;
    m.timers++;
    const id = setTimeout0.call(window, function (...a) {
      timerOf.delete(id);
      const s = now();
      try {
        return fn.apply(this, a);
      } finally {
        const e = now();
        m.render += e - s;
        m.renderEnd = e;
        m.spans.push([s, e]);
        afterFrame(m);
        settle(m);
      }
    }, ms, ...args);
    timerOf.set(id, m);
    return id;
  };
  window.clearTimeout = function (id) {
    const m = timerOf.get(id);
    if (m) {
      timerOf.delete(id);
      settle(m);
    }
    return clearTimeout0.call(window, id);
  };
  // the panel renders in an animation frame: that callback is the render,
  // and the frame it runs in is painted right after it
  window.requestAnimationFrame = function (fn) {
    const m = B.cur;
    if (!m || typeof fn !== 'function') return raf0(fn);
    m.pending++;
    m.timers++;
    const id = raf0(function (t) {
      timerOf.delete(id);
      const s = now();
      try {
        return fn.call(this, t);
      } finally {
        const e = now();
        m.render += e - s;
        m.renderEnd = e;
        m.spans.push([s, e]);
        void document.body.offsetHeight;
        m.layout += now() - e;
        m.pending++;
        afterTask(() => {
          const p = now();
          m.spans.push([e, p]);
          m.painted = Math.max(m.painted || 0, p);
          settle(m);
        });
        settle(m);
      }
    });
    timerOf.set(id, m);
    return id;
  };
  window.cancelAnimationFrame = function (id) {
    const m = timerOf.get(id);
    if (m) {
      timerOf.delete(id);
      settle(m);
    }
    return caf0(id);
  };
  const setInterval0 = window.setInterval;
  window.setInterval = function (fn, ms, ...args) {
    if (typeof fn !== 'function') return setInterval0.call(window, fn, ms, ...args);
    return setInterval0.call(window, function (...a) {
      const s = now();
      try { return fn.apply(this, a); } finally { B.ticks.push(now() - s); }
    }, ms, ...args);
  };
  const d = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
  Object.defineProperty(WebSocket.prototype, 'onmessage', {
    configurable: true, enumerable: true,
    get() { return this.__benchHandler || null; },
    set(fn) {
      this.__benchHandler = fn;
      d.set.call(this, typeof fn !== 'function' ? fn : function (ev) {
        const data = typeof ev.data === 'string' ? ev.data : '';
        const target = B.expect && data.includes('"accession":"' + B.expect + '"') ? B.expect : null;
        const m = {
          type: (data.match(/^\{"type":"(\w+)"/) || [])[1] || '?', bytes: data.length, target,
          postAt: target ? B.postAt : null, arrive: ev.timeStamp, start: now(),
          handler: 0, render: 0, layout: 0, timers: 0, pending: 1, done: false, spans: [],
        };
        if (target) B.expect = null;
        B.cur = m;
        try {
          return fn.call(this, ev);
        } finally {
          B.cur = null;
          m.end = now();
          m.handler = m.end - m.start;
          m.spans.push([m.start, m.end]);
          B.msgs.push(m);
          afterFrame(m);
          settle(m);
        }
      });
    },
  });
}

// ---- statistics and output

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
}
const r2 = x => Math.round(x * 100) / 100;
const summary = xs => ({ p50: r2(pct(xs, 50)), p95: r2(pct(xs, 95)), max: r2(Math.max(...xs)) });

// union is the length of the union of [start, end] intervals.
function union(spans) {
  let total = 0, end = -Infinity;
  for (const [a, b] of [...spans].sort((x, y) => x[0] - y[0])) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

// costs splits a message's main-thread time: the handler, the render
// timer(s), and the frames after them (from the animation frame callback
// to a task posted from it), counted once where they overlap.
function costs(m) {
  const main = union(m.spans);
  return { handler: m.handler, render: m.render, layout: m.layout, frames: main - m.handler - m.render, main };
}

async function main() {
  const t0 = Date.now();
  const bin = await hx.build();
  let redis, server, browser, tmp;
  try {
    redis = await hx.TestRedis.start();
    server = await hx.Server.start(bin.bin, redis);

    // seed
    tmp = await mkdtemp(path.join(tmpdir(), 'voorrang-bench-panel-'));
    const feed = path.join(tmp, 'completed.hl7');
    const now = Date.now();
    await writeFile(feed, await completedOrders(now), 'latin1');
    const s0 = Date.now();
    try {
      await run(bin.bin, ['send', '--to', `127.0.0.1:${server.mllp}`, feed], { maxBuffer: 64 << 20 });
    } catch (e) {
      throw new Error(`voorrang send: ${e.message}\n${String(e.stdout).slice(-2000)}${e.stderr}`);
    }
    const seedMs = Date.now() - s0;
    const total = (await server.api(`/worklist?site=${SITE}&limit=1`)).total;
    if (total !== ROWS) throw new Error(`the reading list holds ${total} studies after seeding, want ${ROWS}`);

    // open the panel
    browser = await hx.launch();
    const context = await browser.newContext({ viewport: { width: WIDTH, height: HEIGHT } });
    await context.addInitScript(probe);
    if (CSS) {
      await context.route(/\/static\/panel[.\w]*\.css/, async r => {
        const res = await r.fetch();
        await r.fulfill({ response: res, body: (await res.text()) + '\n' + CSS + '\n' });
      });
    }
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', e => errors.push(e.message));
    page.on('console', m => m.type() === 'error' && errors.push(m.text()));
    await server.account('bench');
    await hx.signIn(page, server, 'bench');
    // The panel keeps a window of rows in the page and the rest sorted
    // behind a "show more" button.
    await page.waitForFunction(([n, w]) => document.querySelectorAll('#list > li.row').length === Math.min(n, w) &&
      (n <= w || (document.querySelector('#list > li.more') || {}).textContent.includes(`${n - w} not shown`)) &&
      window.__bench.msgs.some(m => m.type === 'snapshot' && m.done), [ROWS, WINDOW], { timeout: 60000, polling: 50 })
      .catch(async () => {
        const n = await page.$$eval('#list > li.row', els => els.length).catch(() => -1);
        throw new Error(`the panel shows ${n} rows, not ${Math.min(ROWS, WINDOW)} of ${ROWS}, after 60 s; page errors: ${errors.join('; ')}\n${server.log.slice(-2000)}`);
      });
    const snap = await page.evaluate(() => {
      const m = window.__bench.msgs.find(x => x.type === 'snapshot');
      return { ...m, studies: undefined };
    });
    const first = {
      ...costs(snap),
      arrivalToPainted: snap.painted - snap.arrive,
      navigationToPainted: snap.painted,
      snapshotBytes: snap.bytes,
    };

    // the changes, one at a time
    const samples = [];
    let pos = 0, neg = 0;
    for (let k = 0; k < WARMUP + CHANGES; k++) {
      const positive = k % 2 === 0;
      // positives: the bottom row each time (newest exam left), out of the
      // page's window; negatives: rows near the top, in the page
      const i = positive ? pos++ : ROWS - 11 - neg++;
      const key = SITE + '/' + accession(i);
      const before = await page.evaluate(k => [...document.querySelectorAll('#list > li.row')].findIndex(e => e.dataset.key === k), key);
      const body = aiResult(i, k, positive, now);
      const res = await page.evaluate(async ({ body, acc, token }) => {
        const B = window.__bench;
        B.expect = acc;
        B.postAt = performance.now();
        const r = await fetch('/api/v1/ai-results', { method: 'POST', body: JSON.stringify(body),
          headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token } });
        return { status: r.status, text: await r.text() };
      }, { body, acc: accession(i), token: hx.TOKENS.ai });
      if (res.status !== 200 || !/"applied"/.test(res.text)) throw new Error(`POST ai-results ${accession(i)}: ${res.status} ${res.text}`);
      const m = await page.waitForFunction(acc => {
        const m = window.__bench.msgs.find(x => x.target === acc);
        return m && m.done && m;
      }, accession(i), { timeout: 10000, polling: 20 }).then(h => h.jsonValue())
        .catch(() => { throw new Error(`change ${k} (${key}): no websocket message applied and painted within 10 s; page errors: ${errors.join('; ')}`); });
      const after = await page.evaluate(k => [...document.querySelectorAll('#list > li.row')].findIndex(e => e.dataset.key === k), key);
      if (positive && after !== 0) throw new Error(`change ${k}: ${key} is row ${after}, not the top row, after a positive PE result`);
      if (!positive && after !== before) throw new Error(`change ${k}: ${key} moved from row ${before} to ${after} after a negative result`);
      if (m.timers === 0) throw new Error(`change ${k}: the message scheduled no render`);
      if (k >= WARMUP) {
        samples.push({
          positive, from: before, to: after,
          ...costs(m),
          arrivalToDom: m.renderEnd - m.arrive, arrivalToPainted: m.painted - m.arrive, postToPainted: m.painted - m.postAt,
        });
      }
      await page.waitForTimeout(50);
    }
    const rowsShown = await page.$$eval('#list > li.row', els => els.length);
    if (rowsShown !== Math.min(ROWS, WINDOW)) throw new Error(`the panel shows ${rowsShown} rows after the changes, want ${Math.min(ROWS, WINDOW)}`);
    const ticks = await page.evaluate(() => window.__bench.ticks);
    if (errors.length) throw new Error('page errors: ' + errors.join('; '));

    const col = (name, f = () => true) => samples.filter(f).map(s => s[name]);
    const result = {
      bench: 'panel', rows: ROWS, changes: samples.length, warmup: WARMUP, viewport: `${WIDTH}x${HEIGHT}`,
      browser: browser.version(), cpus: os.cpus().length, css: CSS || undefined,
      seed: { messages: ROWS, ms: seedMs, perSecond: Math.round(ROWS / (seedMs / 1000)) },
      firstRender: Object.fromEntries(Object.entries(first).map(([k, v]) => [k, r2(v)])),
      change: {
        handler: summary(col('handler')), render: summary(col('render')), layout: summary(col('layout')),
        frames: summary(col('frames')), main: summary(col('main')),
        mainMoved: summary(col('main', s => s.positive)), mainInPlace: summary(col('main', s => !s.positive)),
        arrivalToDom: summary(col('arrivalToDom')), arrivalToPainted: summary(col('arrivalToPainted')),
        postToPainted: summary(col('postToPainted')),
      },
      refresh: ticks.length ? summary(ticks) : null,
      targetMs: 16,
    };
    result.underTarget = result.change.main.p95 < 16;

    const c = result.change, f = result.firstRender;
    const line = (label, s) => `${label.padEnd(40)}${String(s.p50).padStart(8)}${String(s.p95).padStart(8)}${String(s.max).padStart(8)}`;
    console.log(`panel: ${ROWS} rows at ${WIDTH}x${HEIGHT}, ${samples.length} changes (+${WARMUP} warm-up), Chromium ${result.browser}, ${result.cpus} CPUs` +
      (CSS ? `, extra CSS: ${CSS}` : ''));
    console.log(`seeded ${ROWS} ORM^O01 over MLLP in ${seedMs} ms`);
    console.log(`first render of ${ROWS} rows (snapshot ${(f.snapshotBytes / 1e6).toFixed(1)} MB): handler ${f.handler} + render ${f.render} + frames ${f.frames} ` +
      `(layout ${f.layout}) = main thread ${f.main} ms; arrival→painted ${f.arrivalToPainted} ms; navigation→painted ${f.navigationToPainted} ms`);
    console.log('one change, ms'.padEnd(40) + 'p50'.padStart(8) + 'p95'.padStart(8) + 'max'.padStart(8));
    console.log(line('  handler (parse, upsert, patch row)', c.handler));
    console.log(line('  render (sort, move, recount)', c.render));
    console.log(line('  frames (style, layout, paint)', c.frames));
    console.log(line('    of which style + layout', c.layout));
    console.log(line('  main thread = sum (target < 16)', c.main));
    console.log(line('    moved to the top', c.mainMoved));
    console.log(line('    in place', c.mainInPlace));
    console.log(line('  arrival → DOM updated (next frame)', c.arrivalToDom));
    console.log(line('  arrival → painted', c.arrivalToPainted));
    console.log(line('  POST → painted', c.postToPainted));
    if (result.refresh) console.log(line(`  5 s refresh of all rows (${ticks.length}×)`, result.refresh));
    console.log(`main thread per change p95 ${c.main.p95} ms: ${result.underTarget ? 'under' : 'OVER'} one frame (16 ms); ${((Date.now() - t0) / 1000).toFixed(1)} s in all`);
    console.log(JSON.stringify(result));
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop().catch(() => {});
    await redis?.stop().catch(() => {});
    if (tmp) await rm(tmp, { recursive: true, force: true });
    bin.remove();
  }
}

main().catch(e => {
  console.error('bench panel: FAIL: ' + (e && e.stack || e));
  process.exit(1);
});
