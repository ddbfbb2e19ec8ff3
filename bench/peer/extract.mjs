// Usage: node bench/peer/extract.mjs FILE|DIR...   (npm run extract:peer -- FILE...)
//
// Splits every file into messages (see splitMessages in lib.mjs), parses each
// with @medplum/core's Hl7Message.parse and prints one JSON line per message:
//   {"file": "<path as given>", "index": <0-based message index in the file>,
//    "fields": {"MSH-3": "...", ...},      // medplum's raw values, FIELDS order
//    "unescaped": {"MSH-3": "...", ...}}   // the same after unescapeHl7()
// or, when medplum throws: {"file", "index", "error": "<message>"}.
// null = the message has no such segment. Medplum quirks and our conventions:
// the header comment of lib.mjs. A file with lines outside any message
// gets a warning on stderr.

import { Hl7Message } from '@medplum/core';
import { FIELDS, expandArgs, loadFile, readFields, unescapeHl7 } from './lib.mjs';

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error('usage: node bench/peer/extract.mjs FILE|DIR...');
  process.exit(2);
}

const lines = [];
for (const file of expandArgs(args)) {
  const { messages, orphans } = loadFile(file);
  if (orphans > 0) {
    console.error(`warning: ${file}: ${orphans} non-blank line(s) outside any message (ignored)`);
  }
  messages.forEach((text, index) => {
    const rec = { file, index };
    try {
      const msg = Hl7Message.parse(text);
      const values = readFields(msg);
      const fields = {};
      const unescaped = {};
      FIELDS.forEach((f, i) => {
        fields[f.path] = values[i];
        unescaped[f.path] = unescapeHl7(values[i], msg.context);
      });
      rec.fields = fields;
      rec.unescaped = unescaped;
    } catch (err) {
      rec.error = String(err?.message ?? err);
    }
    lines.push(JSON.stringify(rec));
  });
}
process.stdout.write(lines.length ? lines.join('\n') + '\n' : '');
