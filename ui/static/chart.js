// SVG charts drawn by the page itself: bars, lines, a heat map and
// intervals. Every colour and line style comes from stats.css by class
// (the page's CSP allows no inline style).

const NS = 'http://www.w3.org/2000/svg';

// svg makes an SVG element with attributes and children.
export function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return e;
}

function text(x, y, s, cls = 'label', anchor = 'start') {
  return svg('text', { x, y, class: cls, 'text-anchor': anchor }, s);
}

// frame empties the chart and sets its drawing area.
function frame(el, w, h) {
  el.replaceChildren();
  el.setAttribute('viewBox', `0 0 ${w} ${h}`);
  el.setAttribute('preserveAspectRatio', 'xMinYMin meet');
}

// niceMax rounds v up to 1, 2 or 5 times a power of ten.
export function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// groupedBars draws, per category (x), one bar per series: series is
// [{name, cls, values}], values one per category.
export function groupedBars(el, categories, series, { unit = '', width = 560 } = {}) {
  const w = width, h = 240, left = 44, bottom = 36, top = 10;
  frame(el, w, h);
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const ph = h - bottom - top, pw = w - left - 8;
  const slot = pw / categories.length, bw = Math.max(2, (slot - 6) / Math.max(1, series.length));
  const y = (v) => top + ph - (v / max) * ph;
  for (const t of [0, max / 2, max]) {
    el.append(svg('line', { x1: left, x2: w - 8, y1: y(t), y2: y(t), class: 'gridline' }),
      text(left - 4, y(t) + 4, fmtNum(t) + unit, 'tick', 'end'));
  }
  categories.forEach((c, i) => {
    const x0 = left + i * slot + 3;
    series.forEach((s, j) => {
      const v = s.values[i] || 0;
      el.append(svg('rect', { x: x0 + j * bw, y: y(v), width: bw - 1, height: Math.max(0, top + ph - y(v)), class: 'bar ' + s.cls },
        svg('title', {}, `${s.name}, ${c}: ${fmtNum(v)}${unit}`)));
    });
    el.append(text(x0 + slot / 2 - 3, h - bottom + 14, c, 'tick', 'middle'));
  });
  legend(el, series, left, h - 6);
}

function legend(el, series, x, y) {
  let dx = x;
  for (const s of series) {
    el.append(svg('rect', { x: dx, y: y - 9, width: 10, height: 10, class: 'bar ' + s.cls }), text(dx + 14, y, s.name, 'tick'));
    dx += 24 + s.name.length * 7;
  }
}

// barsAndLine draws bars (left axis) and a line (right axis) over days.
export function barsAndLine(el, labels, bars, line, { lineUnit = '' } = {}) {
  const w = 1200, h = 240, left = 40, right = 44, bottom = 28, top = 10;
  frame(el, w, h);
  const ph = h - top - bottom, pw = w - left - right;
  const bmax = niceMax(Math.max(0, ...bars)), lmax = niceMax(Math.max(0, ...line.filter((v) => v !== null)));
  const slot = pw / Math.max(1, labels.length);
  const yb = (v) => top + ph - (v / bmax) * ph, yl = (v) => top + ph - (v / lmax) * ph;
  for (const f of [0, 0.5, 1]) {
    el.append(svg('line', { x1: left, x2: w - right, y1: yb(bmax * f), y2: yb(bmax * f), class: 'gridline' }),
      text(left - 4, yb(bmax * f) + 4, fmtNum(bmax * f), 'tick', 'end'),
      text(w - right + 4, yl(lmax * f) + 4, fmtNum(lmax * f) + lineUnit, 'tick'));
  }
  bars.forEach((v, i) => {
    el.append(svg('rect', { x: left + i * slot + 1, y: yb(v), width: Math.max(1, slot - 2), height: top + ph - yb(v), class: 'bar series-0' },
      svg('title', {}, `${labels[i]}: ${v}`)));
  });
  let d = '';
  line.forEach((v, i) => {
    if (v === null) return;
    d += (d ? ' L' : 'M') + (left + i * slot + slot / 2).toFixed(1) + ' ' + yl(v).toFixed(1);
  });
  if (d) el.append(svg('path', { d, class: 'line' }));
  const every = Math.ceil(labels.length / 12);
  labels.forEach((l, i) => {
    if (i % every === 0) el.append(text(left + i * slot + slot / 2, h - 10, l.slice(5), 'tick', 'middle'));
  });
}

// heatmap draws a 7 × 24 grid of values, Monday first, in nine shades.
export function heatmap(el, grid) {
  const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const w = 900, left = 40, top = 16, cw = (w - left - 4) / 24, ch = 22, h = top + 7 * ch + 28;
  frame(el, w, h);
  const max = Math.max(0, ...grid.flat());
  for (let hr = 0; hr < 24; hr += 3) el.append(text(left + hr * cw + cw / 2, 11, String(hr).padStart(2, '0'), 'tick', 'middle'));
  grid.forEach((row, d) => {
    el.append(text(left - 6, top + d * ch + ch / 2 + 4, days[d], 'tick', 'end'));
    row.forEach((v, hr) => {
      const level = max > 0 ? Math.min(8, Math.floor((v / max) * 8.999)) : 0;
      el.append(svg('rect', { x: left + hr * cw, y: top + d * ch, width: cw - 1, height: ch - 1, class: 'heat heat-' + level },
        svg('title', {}, `${days[d]} ${String(hr).padStart(2, '0')}:00 — ${v.toFixed(1)} waiting`)));
    });
  });
  // The scale: the nine shades from none to the most waiting, so that the
  // map reads the same in the dark and the light theme.
  const sy = top + 7 * ch + 10;
  el.append(text(left, sy + 10, '0', 'tick', 'start'));
  for (let l = 0; l <= 8; l++) el.append(svg('rect', { x: left + 14 + l * 20, y: sy, width: 18, height: 12, class: 'scale heat-' + l }));
  el.append(text(left + 14 + 9 * 20 + 4, sy + 10, `${max.toFixed(1)} waiting`, 'tick', 'start'));
}

// hbars draws one horizontal bar per row, for shares (0..1).
export function hbars(el, rows) {
  const w = 1200, rh = 30, left = 90, h = rows.length * rh + 8;
  frame(el, w, h);
  const pw = w - left - 140;
  rows.forEach((r, i) => {
    const y = 4 + i * rh;
    el.append(text(left - 8, y + 15, r.label, 'tick', 'end'),
      svg('rect', { x: left, y, width: pw, height: rh - 10, class: 'track' }));
    if (r.value !== null) {
      el.append(svg('rect', { x: left, y, width: pw * r.value, height: rh - 10, class: 'bar ' + r.cls },
        svg('title', {}, `${r.label}: ${Math.round(r.value * 100)}% of ${r.n}`)),
      text(left + pw + 8, y + 15, `${Math.round(r.value * 100)}% of ${r.n}`, 'tick'));
    } else {
      el.append(text(left + pw + 8, y + 15, 'no studies', 'tick'));
    }
  });
}

// intervals draws estimates with their intervals around zero, each
// row's name above its line and its limit as a mark:
// [{label, value, low, high, limit, outcome}].
export function intervals(el, rows, unit) {
  const w = 1200, rh = 44, left = 20, right = 20, h = rows.length * rh + 30;
  frame(el, w, h);
  const span = Math.max(1, ...rows.flatMap((r) => [Math.abs(r.low), Math.abs(r.high), Math.abs(r.limit)])) * 1.1;
  const x = (v) => left + ((v + span) / (2 * span)) * (w - left - right);
  el.append(svg('line', { x1: x(0), x2: x(0), y1: 4, y2: h - 22, class: 'zero' }),
    text(x(-span), h - 6, `−${fmtNum(span)} ${unit}`, 'tick'), text(x(span), h - 6, `+${fmtNum(span)} ${unit}`, 'tick', 'end'),
    text(x(0), h - 6, '0', 'tick', 'middle'));
  rows.forEach((r, i) => {
    const y = 30 + i * rh;
    el.append(text(left, y - 14, r.label, 'tick'),
      svg('line', { x1: x(r.limit), x2: x(r.limit), y1: y - 9, y2: y + 9, class: 'limit' },
        svg('title', {}, `limit ${fmtNum(r.limit)} ${unit}`)));
    if (r.value !== null) {
      el.append(svg('line', { x1: x(r.low), x2: x(r.high), y1: y, y2: y, class: 'ci ' + r.outcome }),
        svg('circle', { cx: x(r.value), cy: y, r: 5, class: 'est ' + r.outcome },
          svg('title', {}, `${fmtNum(r.value)} (${fmtNum(r.low)} to ${fmtNum(r.high)}) ${unit}`)));
    }
  });
}

export function fmtNum(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  const a = Math.abs(v);
  return a >= 100 || Number.isInteger(v) ? Math.round(v).toString() : a >= 10 ? v.toFixed(1) : v.toFixed(2).replace(/\.?0+$/, '');
}
