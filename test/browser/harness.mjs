// Test harness for the panel's browser tests: builds the voorrang binary
// once per test file, runs it on free ports against a Redis of the file's
// own (redis.mjs), feeds it HL7 over MLLP and AI results over HTTP, and
// drives Debian's Chromium with playwright-core. Every panel signs in first,
// with a local account the harness makes; the tests' own API calls carry
// integration tokens (a reader's, and an AI platform's).
//
// Missing tools fail the tests loudly; nothing here skips.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { TestRedis, spawnChild } from './redis.mjs';

export { TestRedis };

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const run = promisify(execFile);

// The tests' integration tokens and the password of their accounts.
export const TOKENS = {
  reader: 'browser-test-reader-0123456789abcdefghijk',
  ai: 'browser-test-ai-platform-0123456789abcdefgh',
  admin: 'browser-test-admin-0123456789abcdefghijklm',
};
export const PASSWORD = 'browser test password';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// build compiles the server into a temporary folder and returns the
// binary's path and a function that removes the folder.
export async function build() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the browser tests need Debian's chromium (apt-get install chromium; .ci/testenv does)`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'voorrang-browser-'));
  const bin = path.join(dir, 'voorrang');
  await run(process.env.GO || 'go', ['build', '-o', bin, './cmd/voorrang'], { cwd: ROOT, maxBuffer: 16 << 20 });
  return { bin, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// A Server is `voorrang serve` on fixed ports and a TestRedis, which the
// test can stop and start again.
export class Server {
  constructor(bin, { redis, http, mllp, args = [] }) {
    Object.assign(this, { bin, redis, http, mllp, args });
    this.url = `http://127.0.0.1:${http}`;
    this.proc = null;
    this.log = '';
  }

  static async start(bin, redis, args) {
    const s = new Server(bin, { redis, http: await freePort(), mllp: await freePort(), args });
    await s.start();
    return s;
  }

  async start() {
    const env = { ...process.env,
      VOORRANG_API_TOKENS: `tests:radiologist:${TOKENS.reader},ai-tests:integration:${TOKENS.ai},admin-tests:admin:${TOKENS.admin}` };
    this.proc = spawnChild(this.bin, ['serve', ...this.redis.serveArgs,
      '--http', `127.0.0.1:${this.http}`, '--mllp', `127.0.0.1:${this.mllp}`, ...this.args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const exited = new Promise(resolve => this.proc.once('exit', code => resolve(code)));
    this.exited = exited;
    for (const s of [this.proc.stdout, this.proc.stderr]) s.on('data', d => { this.log = (this.log + d).slice(-20000); });
    const deadline = Date.now() + 15000;
    for (;;) {
      const code = await Promise.race([exited, new Promise(r => setTimeout(r, 50, 'wait'))]);
      if (code !== 'wait') throw new Error(`voorrang serve exited (${code}):\n${this.log}`);
      try {
        if ((await fetch(this.url + '/healthz')).ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`voorrang serve did not answer /healthz in 15 s:\n${this.log}`);
    }
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(t);
  }

  // send sends HL7 files (names in testdata/hl7) over MLLP with `voorrang
  // send`, which fails unless every message is acknowledged with AA.
  async send(...files) {
    const paths = files.map(f => path.join(ROOT, 'testdata/hl7', f));
    try {
      await run(this.bin, ['send', '--to', `127.0.0.1:${this.mllp}`, ...paths]);
    } catch (e) {
      throw new Error(`voorrang send ${files.join(' ')}: ${e.message}\n${e.stdout}${e.stderr}`);
    }
  }

  // complete sends an order file again as "exam completed" (ORC-1 SC,
  // ORC-5 CM, a new MSH-10), which puts its study on the reading list.
  async complete(file) {
    const { readFile, writeFile, mkdtemp } = await import('node:fs/promises');
    const text = await readFile(path.join(ROOT, 'testdata/hl7', file), 'latin1');
    const dir = await mkdtemp(path.join(tmpdir(), 'voorrang-hl7-'));
    const out = path.join(dir, 'completed-' + file);
    await writeFile(out, completeOrder(text), 'latin1');
    try {
      await run(this.bin, ['send', '--to', `127.0.0.1:${this.mllp}`, out]);
    } catch (e) {
      throw new Error(`voorrang send (completed ${file}): ${e.message}\n${e.stdout}${e.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  // postAI posts an AI result (a file in testdata/ai) as the AI platform.
  async postAI(file) {
    const { readFile } = await import('node:fs/promises');
    const res = await fetch(this.url + '/api/v1/ai-results', {
      method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + TOKENS.ai },
      body: await readFile(path.join(ROOT, 'testdata/ai', file)),
    });
    if (!res.ok) throw new Error(`POST ai-results ${file}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  // api calls the API with a reader's token (an AI platform's for
  // /ai-results, an admin's with options.admin).
  async api(p, options = {}) {
    const { admin, ...init } = options;
    const token = admin ? TOKENS.admin : p.startsWith('/ai-results') && init.method === 'POST' ? TOKENS.ai : TOKENS.reader;
    const res = await fetch(this.url + '/api/v1' + p, { ...init, headers: { ...(init.headers || {}), Authorization: 'Bearer ' + token } });
    if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  // account makes the local account name (once per server), with roles
  // (comma-separated) and, for a resident, sections.
  async account(name, { roles = 'radiologist', display = '', sections = '' } = {}) {
    this.accounts = this.accounts || new Set();
    if (this.accounts.has(name)) return;
    const args = ['user', 'add', name, '--role', roles, ...this.redis.serveArgs];
    if (display) args.push('--display', display);
    if (sections) args.push('--sections', sections);
    await new Promise((resolve, reject) => {
      const p = execFile(this.bin, args, (err, stdout, stderr) => err ? reject(new Error(`voorrang user add ${name}: ${err.message}\n${stdout}${stderr}`)) : resolve());
      p.stdin.end(PASSWORD + '\n');
    });
    this.accounts.add(name);
  }
}

// completeOrder turns a new-order message into its exam-completed status
// change.
export function completeOrder(text) {
  return text.split(/\r\n|\r|\n/).map(seg => {
    const f = seg.split('|');
    if (f[0] === 'MSH' && f.length > 9) f[9] += 'CM';
    if (f[0] === 'ORC' && f.length > 5) {
      f[1] = 'SC';
      f[5] = 'CM';
    }
    return f.join('|');
  }).join('\r');
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

// launch starts Chromium with a fresh temporary profile.
export function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

// signIn signs page in as the local account name through the sign-in page
// (the panel sends a browser without a session there) and waits for the
// panel.
export async function signIn(page, server, name) {
  await page.goto(server.url + '/');
  await page.waitForURL(/\/signin/, { timeout: 15000 });
  await page.fill('#signin-name', name);
  await page.fill('#signin-password', PASSWORD);
  await Promise.all([page.waitForURL(server.url + '/', { timeout: 15000 }), page.click('#signin-form button[type="submit"]')]);
  await page.locator('#conn').waitFor({ timeout: 15000 });
}

// openPanel opens the panel in a new browser context (its own storage) at
// 400 px wide, signed in as the radiologist `name` (an account the server
// gets), with window.Notification and window.open replaced by recorders:
// window.__notes and window.__opened. pacsTemplate, when given, stands in
// for the server's configured template.
export async function openPanel(browser, server, { name = 'jansen', width = 400, height = 900, pacsTemplate } = {}) {
  await server.account(name, { display: 'Dr. ' + name });
  const context = await browser.newContext({ viewport: { width, height } });
  if (pacsTemplate !== undefined) {
    await context.route('**/api/v1/config', r => r.fulfill({ json: { pacsUrlTemplate: pacsTemplate } }));
  }
  await context.addInitScript(() => {
    window.__notes = [];
    window.__opened = [];
    window.Notification = class {
      static permission = 'granted';
      static requestPermission() { return Promise.resolve('granted'); }
      constructor(title, options) { window.__notes.push({ title, body: options && options.body }); }
      close() {}
    };
    window.open = url => { window.__opened.push(url); return null; };
  });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', e => page.errors.push(e.message));
  page.on('console', m => m.type() === 'error' && page.errors.push(m.text()));
  await signIn(page, server, name);
  return { context, page };
}

// row is the locator of a study's row.
export function row(page, site, accession) {
  return page.locator(`li.row[data-key="${site}/${accession}"]`);
}
