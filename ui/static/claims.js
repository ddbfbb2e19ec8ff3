// Keeping the reader's claims while the panel is open: a claim is a short
// lease (the server's --claim-ttl), so a closed laptop frees the study;
// while the panel is open it renews each claim its reader holds when half
// the lease is left. The reader is told at once, in words, when a claim is
// lost: taken over by a colleague, released by one, or lapsed because the
// panel could not renew it.

import { clock } from './format.js';

export class ClaimKeeper {
  // renew(study) claims again (resolving to the study), get(study) reads
  // it; lost(study, text) tells the reader; me() is the reader's name.
  constructor({ renew, get, lost, me }) {
    Object.assign(this, { renew, get, lost, me });
    this.ttl = 20 * 60 * 1000;
    this.offset = 0; // the server's clock minus ours, learnt from claims
    this.held = new Map(); // key -> {study, busy}
  }

  setTTL(seconds) {
    if (seconds > 0) this.ttl = seconds * 1000;
  }

  serverNow() {
    return Date.now() + this.offset;
  }

  // claimed takes a study the reader has just claimed or renewed.
  claimed(study) {
    const c = study.claim;
    if (!c || c.by !== this.me()) return;
    this.offset = Date.parse(c.until) - this.ttl - Date.now();
    this.held.set(key(study), { study, busy: false });
  }

  // released forgets a study the reader let go of.
  released(study) {
    this.held.delete(key(study));
  }

  // seen looks at a study as the feed brings it: a claim of the reader's
  // the panel did not know (another tab, a reload) is kept from now on; a
  // claim of the reader's that now is someone else's is lost.
  seen(study) {
    const k = key(study), h = this.held.get(k), c = study.claim;
    const mine = c && c.by === this.me() && Date.parse(c.until) > this.serverNow();
    if (mine) {
      if (h) h.study = study;
      else this.held.set(k, { study, busy: false });
      return;
    }
    if (!h) return;
    this.held.delete(k);
    if (study.onList === false) return; // reported or cancelled: nothing to hold
    this.lost(study, lostText(study, this.me(), this.serverNow()));
  }

  // gone forgets a study that left the list.
  gone(site, accession) {
    this.held.delete(site + '/' + accession);
  }

  // tick renews every claim with half its lease or less left, and tells
  // of claims that lapsed because renewing failed.
  tick() {
    const now = this.serverNow();
    for (const [k, h] of this.held) {
      const until = Date.parse(h.study.claim.until);
      if (until <= now) {
        this.held.delete(k);
        this.lost(h.study, h.study.accession + ': your claim lapsed at ' + clock(new Date(until)) +
          ' (the panel could not renew it' + (h.error ? ': ' + h.error : '') + ')');
        continue;
      }
      if (h.busy || until - now > this.ttl / 2) continue;
      h.busy = true;
      this.renew(h.study).then(st => {
        h.busy = false;
        h.error = '';
        this.claimed(st);
      }, async e => {
        h.busy = false;
        if (e && (e.code === 'conflict' || e.code === 'not_found')) {
          this.held.delete(k);
          let st = null;
          try {
            st = await this.get(h.study);
          } catch {
            // not found: the study left the list
          }
          if (st && st.onList !== false) this.lost(st, lostText(st, this.me(), this.serverNow()));
          return;
        }
        h.error = e && e.status ? e.message : 'the service did not answer';
      });
    }
  }
}

function key(s) {
  return s.site + '/' + s.accession;
}

// lostText says what became of the reader's claim on study.
function lostText(study, me, now) {
  const c = study.claim;
  if (c && c.by && c.by !== me && Date.parse(c.until) > now) {
    return study.accession + ' was taken over by ' + (c.name || c.by) + ' at ' + clock(new Date(c.at));
  }
  if (c && c.by === me) return study.accession + ': your claim lapsed at ' + clock(new Date(c.until));
  return study.accession + ': your claim was released by a colleague';
}
