// Announcing a new critical study: a short chime and a browser
// notification. Muting silences the chime only; the night profile plays it
// softly. The first snapshot only learns which studies are critical
// already, so opening the panel does not ring for old news.

import * as fmt from './format.js';

const SOUND_URL = new URL('./alert.wav', import.meta.url).href;

export class Alerts {
  // onShow(key) is called when the reader clicks a notification; wants(study)
  // says whether the reader wants to hear of it (all critical studies, or
  // those of their filters), outside(study) whether their filters hide it.
  constructor({ onShow, wants = () => true, outside = () => false }) {
    this.onShow = onShow;
    this.wants = wants;
    this.outside = outside;
    this.critical = new Set(); // keys of studies known to be critical
    this.seeded = false;
    this.muted = false;
    this.night = false;
    this.audio = null;
  }

  // snapshot takes a whole list; the first only seeds.
  snapshot(studies) {
    const seeding = !this.seeded;
    this.seeded = true;
    const now = new Set();
    for (const s of studies) {
      if (isCritical(s)) now.add(fmt.studyKey(s));
      if (!seeding) this.upsert(s);
    }
    if (seeding) this.critical = now;
    else for (const k of [...this.critical]) if (!now.has(k)) this.critical.delete(k);
  }

  // upsert announces a study that has become critical.
  upsert(study) {
    const key = fmt.studyKey(study);
    if (!isCritical(study) || study.onList === false) {
      this.critical.delete(key);
      return;
    }
    if (this.critical.has(key)) return;
    this.critical.add(key);
    if (this.seeded && this.wants(study)) this.announce(study, key);
  }

  remove(site, accession) {
    this.critical.delete(site + '/' + accession);
  }

  announce(study, key) {
    this.play();
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    const reasons = (study.rank && study.rank.reasons) || [];
    const why = reasons.length ? reasons[0].text : 'critical';
    try {
      const where = this.outside(study) ? 'Critical, outside your filter: ' : 'Critical: ';
      const n = new Notification(where + fmt.procedure(study), {
        body: why + '\n' + study.site + ' ' + study.accession + ' · ' + fmt.dueText(study.rank && study.rank.due, new Date()),
        tag: 'voorrang-' + key,
        requireInteraction: !this.night,
      });
      n.onclick = () => {
        window.focus();
        this.onShow(key);
        n.close();
      };
    } catch {
      // some browsers allow notifications from a service worker only
    }
  }

  play() {
    if (this.muted) return;
    if (!this.audio) this.audio = new Audio(SOUND_URL);
    this.audio.volume = this.night ? 0.25 : 1;
    this.audio.currentTime = 0;
    const p = this.audio.play();
    if (p && p.catch) p.catch(() => {}); // no user gesture yet: stay quiet rather than fail
  }

  // askPermission must run in a user gesture (a click).
  static askPermission() {
    if ('Notification' in window && Notification.permission === 'default') {
      try {
        const p = Notification.requestPermission();
        if (p && p.catch) p.catch(() => {});
      } catch {
        // old callback-only API: nothing to do
      }
    }
  }

  static permission() {
    return 'Notification' in window ? Notification.permission : 'unsupported';
  }
}

function isCritical(study) {
  return !!study.rank && study.rank.band === 'critical';
}
