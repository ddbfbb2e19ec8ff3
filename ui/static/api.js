// The JSON API under /api/v1.

// An ApiError carries the server's stable code ("conflict", "not_found",
// "invalid") and its human message.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// The session's CSRF token (GET /api/v1/me), sent with every request that
// changes something.
let csrf = '';

// signIn sends the browser to the sign-in page, saying why, and back here
// afterwards.
export function signIn(reason) {
  const q = new URLSearchParams({ next: location.pathname + location.search });
  if (reason) q.set('reason', reason);
  location.assign('/signin?' + q);
}

// request calls the API. options.background marks a request the panel
// makes by itself (a poll): it does not keep the session from locking when
// the reader is away.
async function request(path, options = {}) {
  const { background, ...init } = options;
  const headers = { Accept: 'application/json' };
  if (init.method && init.method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    headers['X-CSRF-Token'] = csrf;
  }
  if (background) headers['X-Voorrang-Background'] = '1';
  const res = await fetch('/api/v1' + path, { ...init, headers, cache: 'no-store' });
  let body = null;
  try {
    body = await res.json();
  } catch {
    // an empty or non-JSON answer: judged by status alone
  }
  if (!res.ok) {
    const e = (body && body.error) || {};
    if (res.status === 401) signIn(e.code);
    throw new ApiError(res.status, e.code || 'http', e.message || res.status + ' ' + res.statusText);
  }
  return body;
}

// me returns who is signed in, and keeps the session's CSRF token.
export async function me() {
  const m = await request('/me');
  csrf = m.csrf || '';
  return m;
}

// signOut ends the session and goes to the sign-in page.
export async function signOut() {
  try {
    await fetch('/auth/logout', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: '{}', cache: 'no-store',
    });
  } finally {
    signIn('signed_out');
  }
}

// filterQuery is the query string of the filters the server applies.
export function filterQuery(filters, extra = {}) {
  const q = new URLSearchParams();
  for (const k of ['site', 'modality', 'section']) if (filters[k]) q.set(k, filters[k]);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  return q.toString();
}

export const worklist = (filters, limit = 500, background = false) =>
  request('/worklist?' + filterQuery(filters, { limit }), { background });
export const sections = () => request('/sections');
// get reads any JSON route of the API (the stats page's).
export const get = (path) => request(path);
export const config = () => request('/config');

function studyPath(study) {
  return '/studies/' + encodeURIComponent(study.site) + '/' + encodeURIComponent(study.accession);
}

export const study = s => request(studyPath(s));

// claim and release act as the reader signed in.
// A renewal is the panel's own doing (background): it does not keep the
// session from locking.
export const claim = (study, override = false, background = false) =>
  request(studyPath(study) + '/claim', { method: 'POST', body: JSON.stringify({ override }), background });

export const release = (study, override = false) =>
  request(studyPath(study) + '/release', { method: 'POST', body: JSON.stringify({ override }) });

// feedback records the reader's verdict on an AI result: agree, disagree
// or not-assessable, with an optional note.
export const feedback = (study, resultId, verdict, note = '') =>
  request('/ai-results/' + encodeURIComponent(resultId) + '/feedback', {
    method: 'POST', body: JSON.stringify({ site: study.site, accession: study.accession, verdict, note }),
  });

// discrepancies lists the open AI findings after a final report.
export const discrepancies = (background = false) => request('/discrepancies', { background });

export const reviewDiscrepancy = (d, note = '') =>
  request('/discrepancies/' + [d.site, d.accession, d.resultId].map(encodeURIComponent).join('/') + '/review', {
    method: 'POST', body: JSON.stringify({ note }),
  });
