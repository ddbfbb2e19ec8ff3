// The sign-in page: a local account's name and password, or the hospital's
// identity provider; then back to where the reader was going.

const $ = id => document.getElementById(id);

const REASONS = {
  session_locked: 'You were signed out after a time without activity.',
  session_ended: 'Your session has ended. Sign in again.',
  signed_out: 'You are signed out.',
  state: 'The sign-in took too long or was started elsewhere. Try again.',
  provider_unavailable: 'The hospital sign-in cannot be reached now. Try again, or use a local account.',
  provider_refused: 'The hospital sign-in refused.',
  provider_failed: 'The hospital sign-in did not succeed. Try again.',
  no_role: 'Your hospital account has no role in Voorrang. Ask the administrator for one.',
};

const params = new URLSearchParams(location.search);

// next is where to go after signing in: a path of this site only.
function next() {
  const n = params.get('next') || '/';
  return n.startsWith('/') && !n.startsWith('//') && !n.includes('\\') ? n : '/';
}

function say(text) {
  const el = $('signin-reason');
  el.textContent = text;
  el.hidden = !text;
}

say(REASONS[params.get('reason') || params.get('error')] || '');

async function methods() {
  try {
    const res = await fetch('/auth/methods', { headers: { Accept: 'application/json' }, cache: 'no-store' });
    return res.ok ? await res.json() : {};
  } catch {
    return {};
  }
}

const m = await methods();
if (m.oidc) {
  const a = $('signin-oidc');
  a.textContent = m.oidc.label;
  a.href = '/auth/oidc?next=' + encodeURIComponent(next());
  a.hidden = false;
}
$('signin-form').hidden = !m.password;
$('signin-or').hidden = !(m.oidc && m.password);
$('signin-none').hidden = Boolean(m.oidc || m.password);
if (m.password) $('signin-name').focus();

$('signin-form').addEventListener('submit', async e => {
  e.preventDefault();
  const button = e.target.querySelector('button');
  button.disabled = true;
  say('');
  try {
    const res = await fetch('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ name: $('signin-name').value, password: $('signin-password').value }),
      cache: 'no-store',
    });
    if (res.ok) {
      location.replace(next());
      return;
    }
    let msg = res.status === 429 ? 'Too many attempts from this computer; wait a minute.' : 'Could not sign in.';
    try {
      const body = await res.json();
      if (res.status !== 429 && body.error && body.error.message) msg = body.error.message[0].toUpperCase() + body.error.message.slice(1) + '.';
    } catch {
      // not JSON
    }
    say(msg);
    $('signin-password').select();
  } catch {
    say('The service cannot be reached.');
  } finally {
    button.disabled = false;
  }
});
