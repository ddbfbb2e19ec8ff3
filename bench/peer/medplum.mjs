// Usage: node bench/peer/medplum.mjs [--seconds N] [--warmup N] FILE|DIR...
//        npm run bench:peer -- [--seconds N] FILE|DIR...
//
// Throughput of @medplum/core's HL7 parser on a corpus. All messages of the
// files are split (same rules as extract.mjs, see lib.mjs) and held in memory
// as strings first. Then, after a warm-up (default 1 s), for a fixed time
// (default 3 s) it loops over the corpus: Hl7Message.parse(text) and the 20
// worklist field reads of fields.json through getSegment/getComponent. The
// string lengths of the values read go into a checksum that is printed, so
// the reads cannot be optimised away. The clock is read once per pass over
// the corpus, so a run ends on a whole pass (at least one pass is made).
//
// Prints one JSON line:
// {"peer":"@medplum/core","version":"x.y.z","messages":<messages parsed in the
//  timed run>,"corpusMessages":<messages in the corpus>,"seconds":S,
//  "msgsPerSec":R,"nsPerMsg":X,"bytes":<UTF-8 bytes parsed in the timed run>,
//  "corpusBytes":B,"mbPerSec":M (1 MB = 1e6 bytes),"checksum":C,
//  "node":"v20...","errors":<messages that threw, corpus pass>}

import { Hl7Message } from '@medplum/core';
import { FIELDS, expandArgs, loadFile, medplumVersion, readFields } from './lib.mjs';

function usage(msg) {
  if (msg) console.error(msg);
  console.error('usage: node bench/peer/medplum.mjs [--seconds N] [--warmup N] FILE|DIR...');
  process.exit(2);
}

let seconds = 3;
let warmup = 1;
const paths = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--seconds' || a === '--warmup') {
    const v = Number(argv[++i]);
    if (!Number.isFinite(v) || v < 0) usage(`bad value for ${a}`);
    if (a === '--seconds') seconds = v;
    else warmup = v;
  } else if (a.startsWith('--')) {
    usage(`unknown option ${a}`);
  } else {
    paths.push(a);
  }
}
if (paths.length === 0) usage();

const corpus = [];
for (const file of expandArgs(paths)) {
  corpus.push(...loadFile(file).messages);
}
if (corpus.length === 0) usage('no messages found');
const corpusBytes = corpus.reduce((n, m) => n + Buffer.byteLength(m, 'utf8'), 0);

// Drop the messages medplum throws on (none expected: every text starts 'MSH').
let errors = 0;
const good = corpus.filter((text) => {
  try {
    readFields(Hl7Message.parse(text));
    return true;
  } catch {
    errors++;
    return false;
  }
});
if (good.length === 0) usage('medplum threw on every message');
const goodBytes = good.reduce((n, m) => n + Buffer.byteLength(m, 'utf8'), 0);

let checksum = 0;

function pass() {
  let sum = 0;
  for (let i = 0; i < good.length; i++) {
    const values = readFields(Hl7Message.parse(good[i]), FIELDS);
    for (let j = 0; j < values.length; j++) {
      const v = values[j];
      if (v !== null) sum += v.length + 1;
    }
  }
  return sum;
}

function run(limitSeconds) {
  const limit = BigInt(Math.round(limitSeconds * 1e9));
  const t0 = process.hrtime.bigint();
  let passes = 0;
  let elapsed = 0n;
  do {
    checksum = (checksum + pass()) % 0x7fffffff;
    passes++;
    elapsed = process.hrtime.bigint() - t0;
  } while (elapsed < limit);
  return { passes, ns: Number(elapsed) };
}

if (warmup > 0) run(warmup);
checksum = 0;
const { passes, ns } = run(seconds);

const messages = passes * good.length;
const bytes = passes * goodBytes;
const secs = ns / 1e9;
const round = (x, d) => Number(x.toFixed(d));
console.log(
  JSON.stringify({
    peer: '@medplum/core',
    version: medplumVersion(),
    messages,
    corpusMessages: corpus.length,
    seconds: round(secs, 3),
    msgsPerSec: round(messages / secs, 0),
    nsPerMsg: round(ns / messages, 0),
    bytes,
    corpusBytes,
    mbPerSec: round(bytes / secs / 1e6, 2),
    checksum,
    node: process.version,
    errors,
  })
);
