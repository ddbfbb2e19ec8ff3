// What the panel remembers per browser, in localStorage under "voorrang.".
// A browser that refuses storage (private mode, policy) still works; it
// just forgets.

const PREFIX = 'voorrang.';

export function load(name, fallback) {
  try {
    const v = localStorage.getItem(PREFIX + name);
    return v === null ? fallback : JSON.parse(v);
  } catch {
    return fallback;
  }
}

export function save(name, value) {
  try {
    if (value === undefined || value === null) localStorage.removeItem(PREFIX + name);
    else localStorage.setItem(PREFIX + name, JSON.stringify(value));
  } catch {
    // storage full or refused: keep working without it
  }
}
