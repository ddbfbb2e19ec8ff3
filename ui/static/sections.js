// Which sections a study is in, as the server decides it (ui/section.go):
// the words of the procedure text, patterns on the whole code or text, and
// the modality, per part of a section (GET /api/v1/sections). The panel
// filters by section itself, so that what a filter hides can be counted.

// words splits a procedure text into its lower-case words.
export function words(text) {
  return (text || '').toLowerCase().split(/[^\p{L}\p{Nd}]+/u).filter(Boolean);
}

// glob reports whether s matches pattern, '*' matching any run of
// characters.
export function glob(pattern, s) {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === s;
  if (!s.startsWith(parts[0])) return false;
  s = s.slice(parts[0].length);
  for (const p of parts.slice(1, -1)) {
    const i = s.indexOf(p);
    if (i < 0) return false;
    s = s.slice(i + p.length);
  }
  const last = parts[parts.length - 1];
  return s.length >= last.length && s.endsWith(last);
}

function partMatches(part, study, ws) {
  const mods = part.modalities || [], wordsOf = part.words || [], procs = part.procedures || [];
  if (mods.length && !mods.some(m => m.toLowerCase() === (study.modality || '').toLowerCase())) return false;
  if (!wordsOf.length && !procs.length) return true;
  if (wordsOf.some(w => { w = w.toLowerCase(); return ws.some(x => glob(w, x)); })) return true;
  const code = (study.procedureCode || '').toLowerCase(), text = (study.procedureText || '').toLowerCase();
  return procs.some(p => { p = p.toLowerCase(); return glob(p, code) || glob(p, text); });
}

// sectionsOf returns the names of the sections (as GET /api/v1/sections
// lists them) that study is in.
export function sectionsOf(sections, study) {
  const ws = words(study.procedureText);
  return sections.filter(s => (s.parts || []).some(p => partMatches(p, study, ws))).map(s => s.name);
}
