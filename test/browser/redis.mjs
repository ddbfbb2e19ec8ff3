// The Redis a browser test file uses: a redis-server of the file's own
// (Debian's, on a unix socket in a temporary folder, keeping nothing on
// disk), or, only when VOORRANG_TEST_REDIS names one (host:port, or a
// redis:// or unix:// URL), that server under a key prefix of the file's
// own, whose keys are removed afterwards. Nothing here sends FLUSHDB or
// FLUSHALL.

import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';

// children are the processes a test file started, stopped if it exits
// without stopping them (a failed before() hook, an uncaught error).
const children = new Set();
process.on('exit', () => { for (const p of children) p.kill('SIGKILL'); });

// setpriv (util-linux) asks the kernel to kill a child when this process
// dies, even by SIGKILL, so no redis-server or voorrang outlives its test.
const SETPRIV = (() => {
  try {
    execFileSync('setpriv', ['--pdeathsig', 'KILL', 'true']);
    return true;
  } catch {
    return false;
  }
})();

// spawnChild starts a process that dies with this one.
export function spawnChild(cmd, args, options) {
  const proc = SETPRIV ? spawn('setpriv', ['--pdeathsig', 'KILL', cmd, ...args], options) : spawn(cmd, args, options);
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return proc;
}

// parseTarget reads VOORRANG_TEST_REDIS: host:port, redis://[:pw@]host:port[/db]
// or unix:///path[?db=N].
export function parseTarget(v) {
  if (!v.includes('://')) v = 'redis://' + v;
  const u = new URL(v);
  const db = Number(u.protocol === 'unix:' ? u.searchParams.get('db') || 0 : u.pathname.slice(1) || 0);
  const password = decodeURIComponent(u.password || u.searchParams.get('password') || '');
  if (u.protocol === 'unix:') return { path: u.pathname, db, password, url: v };
  if (u.protocol !== 'redis:') throw new Error(`VOORRANG_TEST_REDIS=${v}: the browser tests speak redis:// and unix:// only`);
  return { host: u.hostname, port: Number(u.port || 6379), db, password, url: v };
}

export class TestRedis {
  constructor({ target, prefix = '', proc = null, dir = null }) {
    Object.assign(this, { target, prefix, proc, dir });
  }

  // start starts a redis-server for the calling test file, or uses the one
  // VOORRANG_TEST_REDIS names under a new key prefix.
  static async start() {
    const explicit = process.env.VOORRANG_TEST_REDIS;
    if (explicit) {
      const r = new TestRedis({ target: parseTarget(explicit), prefix: `test:${randomBytes(6).toString('hex')}:` });
      await r.command(['PING']);
      return r;
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'voorrang-redistest-'));
    const sock = path.join(dir, 'redis.sock');
    const conf = path.join(dir, 'redis.conf');
    const q = s => JSON.stringify(s);
    writeFileSync(conf, [`daemonize no`, `dir ${q(dir)}`, `logfile ${q(path.join(dir, 'redis.log'))}`, `save ""`,
      `appendonly no`, `port 0`, `unixsocket ${q(sock)}`, `unixsocketperm 700`, ''].join('\n'));
    const proc = spawnChild('redis-server', [conf], { stdio: 'ignore' });
    const r = new TestRedis({ target: { path: sock, db: 0, password: '', url: 'unix://' + sock }, proc, dir });
    const failed = new Promise((_, reject) => {
      proc.once('error', e => reject(new Error(`redis-server could not be started (apt-get install redis-server; .ci/testenv does): ${e.message}`)));
      proc.once('exit', code => reject(new Error(`redis-server exited (${code}) during start:\n${r.logTail()}`)));
    });
    failed.catch(() => {});
    const deadline = Date.now() + 10000;
    for (;;) {
      try {
        await Promise.race([r.command(['PING']), failed]);
        return r;
      } catch (e) {
        if (proc.exitCode !== null || proc.signalCode !== null || Date.now() > deadline) {
          await r.stop();
          throw await Promise.race([failed.catch(f => f), Promise.resolve(e)]);
        }
      }
      await new Promise(res => setTimeout(res, 20));
    }
  }

  // url is the Redis URL for `voorrang serve --redis`.
  get url() {
    const t = this.target;
    if (t.path) return `unix://${t.path}?db=${t.db}` + (t.password ? `&password=${encodeURIComponent(t.password)}` : '');
    return t.url.includes('://') ? t.url : `redis://${t.host}:${t.port}/${t.db}`;
  }

  // serveArgs are the flags that point `voorrang serve` at this Redis.
  get serveArgs() {
    return ['--redis', this.url, ...(this.prefix ? ['--key-prefix', this.prefix] : [])];
  }

  logTail() {
    try {
      return readFileSync(path.join(this.dir, 'redis.log'), 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '';
    }
  }

  // command sends commands (arrays of arguments) on one connection, in the
  // test's database, and resolves to their replies; an error reply rejects.
  command(...commands) {
    const t = this.target;
    const pre = [];
    if (t.password) pre.push(['AUTH', t.password]);
    if (t.db) pre.push(['SELECT', String(t.db)]);
    const all = [...pre, ...commands];
    return new Promise((resolve, reject) => {
      const sock = t.path ? net.connect({ path: t.path }) : net.connect({ host: t.host, port: t.port });
      const where = t.path || `${t.host}:${t.port}`;
      let buf = Buffer.alloc(0);
      const replies = [];
      sock.setTimeout(3000, () => sock.destroy(new Error(`Redis at ${where} did not answer in 3 s`)));
      sock.on('error', e => reject(new Error(`Redis at ${where}: ${e.message}`)));
      sock.on('connect', () => {
        for (const c of all) sock.write(`*${c.length}\r\n` + c.map(a => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join(''));
      });
      sock.on('data', d => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          const r = parseReply(buf, 0);
          if (!r) break;
          buf = buf.subarray(r.end);
          if (r.value instanceof Error) {
            sock.destroy();
            return reject(r.value);
          }
          replies.push(r.value);
        }
        if (replies.length >= all.length) {
          sock.end();
          resolve(replies.slice(pre.length));
        }
      });
    });
  }

  // keys lists the keys under the test's prefix (all keys of its own server).
  async keys() {
    const out = [];
    let cursor = '0';
    do {
      const [[next, batch]] = await this.command(['SCAN', cursor, 'MATCH', globEscape(this.prefix) + '*', 'COUNT', '1000']);
      out.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return out;
  }

  // stop stops the file's own redis-server and removes its folder, or
  // removes the keys under the prefix from the explicit server.
  async stop() {
    if (!this.proc) {
      const keys = await this.keys();
      for (let i = 0; i < keys.length; i += 500) await this.command(['DEL', ...keys.slice(i, i + 500)]);
      return;
    }
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise(res => this.proc.once('exit', res));
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function globEscape(s) {
  return s.replace(/[\\*?[\]]/g, c => '\\' + c);
}

// parseReply reads one RESP2 reply from buf at i: { value, end }, or null
// when buf does not hold all of it yet.
function parseReply(buf, i) {
  const nl = buf.indexOf('\r\n', i);
  if (nl < 0) return null;
  const line = buf.toString('utf8', i + 1, nl);
  const end = nl + 2;
  switch (String.fromCharCode(buf[i])) {
    case '+': return { value: line, end };
    case '-': return { value: new Error('Redis: ' + line), end };
    case ':': return { value: Number(line), end };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, end };
      if (buf.length < end + n + 2) return null;
      return { value: buf.toString('utf8', end, end + n), end: end + n + 2 };
    }
    case '*': {
      const n = Number(line);
      const items = [];
      let j = end;
      for (let k = 0; k < n; k++) {
        const r = parseReply(buf, j);
        if (!r) return null;
        items.push(r.value);
        j = r.end;
      }
      return { value: n < 0 ? null : items, end: j };
    }
  }
  throw new Error('Redis: unexpected reply ' + JSON.stringify(line));
}
