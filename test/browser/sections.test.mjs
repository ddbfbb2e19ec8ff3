// The panel's section matching (ui/static/sections.js), run under Node,
// against the same table of Dutch and English procedures as the server's
// (ui/testdata/procedures.json) and the built-in sections as the server
// lists them: the panel filters by section itself, and must agree.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as hx from './harness.mjs';
import { sectionsOf, glob, words } from '../../ui/static/sections.js';

let bin, redis, server;

before(async () => {
  bin = await hx.build();
  redis = await hx.TestRedis.start();
  server = await hx.Server.start(bin.bin, redis);
});

after(async () => {
  await server?.stop();
  await redis?.stop();
  bin?.remove();
});

test('words and patterns', () => {
  assert.deepEqual(words('X-pols rechts (2 richtingen)'), ['x', 'pols', 'rechts', '2', 'richtingen']);
  assert.deepEqual(words('CT thorax/abdomen'), ['ct', 'thorax', 'abdomen']);
  assert.deepEqual(words('X-knieën staand'), ['x', 'knieën', 'staand']);
  for (const [p, s, want] of [['*thorax*', 'ct thorax-abdomen', true], ['ct*', 'mr hersenen', false], ['*pols', 'x-pols', true],
    ['*aba*aba*', 'ababa', false], ['a*b', 'ab', true], ['*', '', true], ['', 'x', false], ['wervel*', 'wervelkolom', true]]) {
    assert.equal(glob(p, s), want, `${p} ~ ${s}`);
  }
});

test('the panel puts each procedure in the sections the server does', async () => {
  const sections = await server.api('/sections');
  const table = JSON.parse(readFileSync(path.join(hx.ROOT, 'ui/testdata/procedures.json'), 'utf8'));
  assert.ok(table.length >= 40);
  for (const p of table) {
    const study = { modality: p.modality, procedureCode: p.code, procedureText: p.text };
    assert.deepEqual(sectionsOf(sections, study), p.sections, `${p.modality} ${p.code} ${p.text}`);
  }
});
