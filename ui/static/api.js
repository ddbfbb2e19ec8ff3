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

async function request(path, options = {}) {
  const res = await fetch('/api/v1' + path, {
    ...options,
    headers: { Accept: 'application/json', ...(options.body ? { 'Content-Type': 'application/json' } : {}) },
    cache: 'no-store',
  });
  let body = null;
  try {
    body = await res.json();
  } catch {
    // an empty or non-JSON answer: judged by status alone
  }
  if (!res.ok) {
    const e = (body && body.error) || {};
    throw new ApiError(res.status, e.code || 'http', e.message || res.status + ' ' + res.statusText);
  }
  return body;
}

// filterQuery is the query string of the filters the server applies.
export function filterQuery(filters, extra = {}) {
  const q = new URLSearchParams();
  for (const k of ['site', 'modality', 'section']) if (filters[k]) q.set(k, filters[k]);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  return q.toString();
}

export const worklist = (filters, limit = 500) => request('/worklist?' + filterQuery(filters, { limit }));
export const sections = () => request('/sections');
export const config = () => request('/config');

function studyPath(study) {
  return '/studies/' + encodeURIComponent(study.site) + '/' + encodeURIComponent(study.accession);
}

export const study = s => request(studyPath(s));

export const claim = (study, by, override = false) =>
  request(studyPath(study) + '/claim', { method: 'POST', body: JSON.stringify({ by, override }) });

export const release = (study, by, override = false) =>
  request(studyPath(study) + '/release', { method: 'POST', body: JSON.stringify({ by, override }) });
