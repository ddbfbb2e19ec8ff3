// Shared helpers for the @medplum/core peer scripts (extract.mjs, medplum.mjs).
//
// Peer: @medplum/core, pinned in package.json. 4.5.2 is the newest release whose
// "engines" allows Node 20 (^20.19.0 || >=22.12.0); every 5.x release requires
// Node >= 22.18 and 5.2.13 fails at import time on Node 20 with
// "ReferenceError: WebSocket is not defined". The HL7 code in 5.x
// (src/hl7.ts) returns the same values; 5.x only parses segments and fields
// lazily (on first getSegment/getField), which makes it faster.
//
// MEDPLUM HL7 QUIRKS (read from src/hl7.ts of 4.5.2 and checked on the samples).
// They decide what every value in the extract output means.
//
//  1. Hl7Message.parse(text) throws Error('Invalid HL7 message') unless the text
//     starts with the 3 characters 'MSH' exactly: a UTF-8 BOM or a leading blank
//     line makes it throw. splitMessages() below strips the BOM and starts each
//     message at its MSH line, so that error does not happen here.
//  2. Delimiters are read by position, not from MSH-2 as written:
//     field = charAt(3), component = charAt(4), repetition = charAt(5),
//     escape = charAt(6), subcomponent = charAt(7). A 5-character MSH-2 such
//     as '^~\\&' therefore gives escape='\' AND subcomponent='\' (the real '&'
//     is never seen; '\T\' then unescapes to '\'). A MSH-2 of fewer than 4
//     characters takes '|' (or whatever follows) as a delimiter. Non-default characters ('*' for components, '}'
//     for subcomponents) work, because they are read by position.
//  3. Segments come from text.split(/[\r\n]+/): CR, LF and CRLF all work, and
//     empty lines disappear. A whitespace-only line becomes a segment named ' '
//     (or similar), which does no harm. A trailing CR produces a last segment
//     named ''. LF inside a field (not allowed in HL7) starts a new segment.
//  4. Segment name = the first field split on repetition and then on component
//     separators: fields[0].components[0][0]. No trimming: ' PID' and 'PID '
//     are not 'PID'.
//  5. getSegment('XYZ') returns the FIRST segment with that name, or undefined.
//     Later messages in the same text are not seen (we split messages first).
//  6. MSH numbering: the segment is split on the field separator, so its raw
//     fields[1] is the MSH-2 text. Segment.getField(n) hides the offset:
//     getField(1) builds a field holding the field separator, getField(2) builds
//     one holding context.getMsh2() (the 4 positional characters, see 2), and
//     getField(n>2) returns fields[n-1]. So getField(3) = MSH-3 = sending
//     application, the same as HL7 numbering. The deprecated Segment.get(n) does
//     NOT do this (get(3) would be MSH-4): do not use it.
//  7. Field.parse: text.split(repetition).map(r => r.split(component)).
//     Values are otherwise raw: NO unescaping (\F\ \S\ \T\ \R\ \E\ \X..\ \.br\
//     come back as written), NO trimming (leading and trailing spaces are
//     kept), HL7 null '""' comes back as the two characters "".
//  8. Subcomponents are never split unless asked: getComponent(f, c) returns the
//     whole component, e.g. 'van den Berg&van den&Berg' for PID-5.1. The
//     optional subcomponent argument is 0-BASED (getComponent(5, 1, 0) is the
//     first subcomponent) while field and component are 1-based; repetition is
//     0-based too. An empty first repetition ('~ID2') gives '' (no skipping).
//  9. Segment.getComponent(f, c) returns '' when the field is beyond the end of
//     the segment (getField(f)?.getComponent() ?? ''). Field.getComponent
//     returns '' when the component is beyond the end of the repetition.
// 10. The escape character plays no part in splitting. That is harmless for
//     well-formed HL7, where escape sequences (\F\, \S\, ...) contain no
//     delimiter characters.
// 11. Nothing is validated: any text starting 'MSH' parses; a bogus line (e.g.
//     Base64 split by a CR) becomes a segment with a garbage name and no one
//     asks for it. In this setup parse and field reads should never throw.
//
// OUR CONVENTIONS (mirror these in the Go differential test):
//  * fields.json: every number is 1-based HL7 numbering. A path without a
//    component (MSH-3, PID-7, ...) means component 1 of the first repetition
//    (terser convention), not the whole field.
//  * Files are decoded as UTF-8 (invalid bytes would become U+FFFD). "index" is
//    the 0-based position of the message in its file.
//  * A value is null when the message has no such segment; '' when the segment
//    exists but the field or component is empty or missing.
//  * "fields" are medplum's raw values. "unescaped" are the same values run once
//    through unescapeHl7() below (only \F\ \S\ \T\ \R\ \E\, with medplum's
//    positional delimiters from quirk 2; other escapes are left as written).

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));

export const FIELDS = JSON.parse(readFileSync(join(here, 'fields.json'), 'utf8'));

// The package's "exports" hide package.json, so walk up from its entry point.
export function medplumVersion() {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve('@medplum/core'));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8'));
      if (pkg.name === '@medplum/core') return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

// Expands the arguments: a directory becomes its *.hl7 files (sorted, not
// recursive); a file is taken as it is.
export function expandArgs(args) {
  const files = [];
  for (const a of args) {
    if (statSync(a).isDirectory()) {
      for (const name of readdirSync(a).sort()) {
        if (name.endsWith('.hl7') && statSync(join(a, name)).isFile()) {
          files.push(join(a, name));
        }
      }
    } else {
      files.push(a);
    }
  }
  return files;
}

const BATCH = new Set(['FHS', 'BHS', 'BTS', 'FTS']);

function isBatchLine(line) {
  // A segment name is 3 characters followed by the field separator (or the end).
  return line.length >= 3 && BATCH.has(line.slice(0, 3)) && (line.length === 3 || !/[A-Za-z0-9]/.test(line[3]));
}

// Splits a file's text into messages the way a receiver would.
//  * A UTF-8 BOM at the very start is dropped.
//  * Lines end at CR, LF or CRLF.
//  * A message starts at a line beginning with 'MSH' and runs to the end of its
//    last non-blank line before the next MSH line, batch line or end of file.
//    Blank and whitespace-only lines inside it are kept (medplum sees them).
//  * FHS/BHS/BTS/FTS lines end the current message and belong to none.
//  * Lines before the first MSH (or after a batch line) belong to no message;
//    their count is returned as `orphans` (blank lines not counted).
// Each message is the original text slice, separators unchanged.
export function splitMessages(text) {
  if (text.charCodeAt(0) === 0xfeff) {
    text = text.slice(1);
  }
  const messages = [];
  let orphans = 0;
  let start = -1;
  let end = -1;
  const close = () => {
    if (start >= 0) {
      messages.push(text.slice(start, end));
    }
    start = -1;
  };
  const re = /\r\n|\r|\n/g;
  let pos = 0;
  while (pos <= text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    const lineEnd = m ? m.index : text.length;
    const next = m ? m.index + m[0].length : text.length + 1;
    const line = text.slice(pos, lineEnd);
    if (line.startsWith('MSH')) {
      close();
      start = pos;
      end = lineEnd;
    } else if (isBatchLine(line)) {
      close();
    } else if (line.trim() !== '') {
      if (start >= 0) {
        end = lineEnd;
      } else {
        orphans++;
      }
    }
    pos = next;
  }
  close();
  return { messages, orphans };
}

export function loadFile(path) {
  return splitMessages(readFileSync(path, 'utf8'));
}

// Reads the worklist fields with medplum's own API. Returns an array of values
// in FIELDS order (null = segment absent). Segments are looked up once each.
export function readFields(msg, fields = FIELDS) {
  const out = new Array(fields.length);
  const segs = new Map();
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    let seg = segs.get(f.segment);
    if (seg === undefined) {
      seg = msg.getSegment(f.segment) ?? null;
      segs.set(f.segment, seg);
    }
    // getComponent(field 1-based, component 1-based, subcomponent none, repetition 0-based)
    out[i] = seg === null ? null : seg.getComponent(f.field, f.component, undefined, f.repetition - 1);
  }
  return out;
}

// Single pass over the value: a complete escape sequence \X\ where X is one of
// F S T R E becomes that delimiter (medplum's positional ones); any other
// sequence (\X0D\, \.br\, \H\ ...) and a lone escape character stay as written.
export function unescapeHl7(value, ctx) {
  if (value === null || value === '') {
    return value;
  }
  const esc = ctx.escapeCharacter;
  if (!esc || value.indexOf(esc) === -1) {
    return value;
  }
  const map = {
    F: ctx.fieldSeparator,
    S: ctx.componentSeparator,
    T: ctx.subcomponentSeparator,
    R: ctx.repetitionSeparator,
    E: ctx.escapeCharacter,
  };
  let out = '';
  let i = 0;
  while (i < value.length) {
    const c = value[i];
    if (c === esc && i + 2 < value.length && value[i + 2] === esc && Object.hasOwn(map, value[i + 1])) {
      out += map[value[i + 1]];
      i += 3;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
