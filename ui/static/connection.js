// The live feed of the worklist: a websocket to /ws that resumes from the
// last position it saw, reconnecting with backoff. Where the websocket
// cannot be opened but the API answers (a proxy that drops upgrades, a
// server without the hub), it polls the API every 2 s and tries the
// websocket again every 30 s.
//
// Protocol: GET /ws?site=&modality=&section=&since=POSITION; the server
// sends {type:"snapshot",position,studies} or, when resuming, the missed
// changes then {type:"live",position}; then {type:"upsert",position,study}
// and {type:"remove",position,site,accession,version}; {type:"resync"} asks
// for a reconnect without since. The server closes with 4001 when the
// session ended (signed out, locked after a time without activity): the
// panel goes to the sign-in page.

import * as api from './api.js';

const POLL_MS = 2000;
const WS_RETRY_MS = 30000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15000;
const CLOSE_SESSION_ENDED = 4001;

export class Connection {
  // handlers: onSnapshot(studies, more), onUpsert(study), onRemove({site,
  // accession, version}), onState({state: "connecting" | "live" |
  // "reconnecting", mode: "ws" | "poll", lostAt: Date | null}).
  constructor(filters, handlers) {
    this.filters = { ...filters };
    this.h = handlers;
    this.position = null;
    this.ws = null;
    this.gen = 0; // bumped to orphan the callbacks of an old socket or timer
    this.attempt = 0;
    this.timer = 0;
    this.mode = 'ws';
    this.state = 'connecting';
    this.lostAt = null;
    this.lastWsTry = 0;
    addEventListener('online', () => this.state !== 'live' && this.restartSoon(0));
  }

  start() {
    this.connect();
  }

  // setFilters starts over with a fresh snapshot for the new filters.
  setFilters(filters) {
    this.filters = { ...filters };
    this.position = null;
    this.stop();
    this.setState('connecting');
    this.connect();
  }

  stop() {
    this.gen++;
    clearTimeout(this.timer);
    if (this.ws) {
      this.ws.onclose = this.ws.onmessage = this.ws.onerror = this.ws.onopen = null;
      this.ws.close();
      this.ws = null;
    }
  }

  setState(state) {
    if (state === 'live') this.lostAt = null;
    else if (this.state === 'live' && !this.lostAt) this.lostAt = new Date();
    this.state = state;
    this.h.onState({ state, mode: this.mode, lostAt: this.lostAt });
  }

  url() {
    const u = new URL('/ws', location.href);
    u.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    u.search = api.filterQuery(this.filters, { since: this.position });
    return u.toString();
  }

  connect() {
    this.stop();
    const gen = this.gen;
    this.lastWsTry = Date.now();
    let opened = false;
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this.poll(gen);
      return;
    }
    this.ws = ws;
    ws.onopen = () => { opened = true; };
    ws.onmessage = ev => gen === this.gen && this.message(ev.data);
    ws.onclose = ev => {
      if (gen !== this.gen) return;
      this.ws = null;
      if (ev.code === CLOSE_SESSION_ENDED) {
        this.stop();
        api.signIn(ev.reason);
        return;
      }
      if (opened) {
        this.setState('reconnecting');
        this.restartSoon();
      } else {
        this.poll(gen); // no websocket: is the server there at all?
      }
    };
  }

  message(data) {
    let m;
    try {
      m = JSON.parse(data);
    } catch {
      return;
    }
    if (m.position !== undefined && m.position !== null) this.position = m.position;
    switch (m.type) {
      case 'snapshot':
        this.mode = 'ws';
        this.h.onSnapshot(m.studies || [], !!m.more);
        this.live();
        break;
      case 'live':
        this.mode = 'ws';
        this.live();
        break;
      case 'upsert':
        if (m.study) this.h.onUpsert(m.study);
        break;
      case 'remove':
        this.h.onRemove(m);
        break;
      case 'resync':
        this.position = null;
        this.stop();
        this.restartSoon(this.attempt ? undefined : 0);
        break;
    }
  }

  live() {
    this.attempt = 0;
    this.setState('live');
  }

  // restartSoon reconnects after a backoff delay: 0.5 s doubling to 15 s,
  // with jitter so that many panels do not return at the same instant.
  restartSoon(delay) {
    clearTimeout(this.timer);
    if (delay === undefined) {
      delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt) * (0.75 + Math.random() / 2);
      this.attempt++;
    }
    const gen = this.gen;
    this.timer = setTimeout(() => gen === this.gen && this.connect(), delay);
  }

  // poll reads the list over HTTP. It is both the fallback feed and the
  // check whether the server answers when the websocket does not open.
  async poll(gen) {
    let page;
    try {
      page = await api.worklist(this.filters, 500, true);
    } catch {
      if (gen !== this.gen) return;
      this.setState('reconnecting');
      this.restartSoon();
      return;
    }
    if (gen !== this.gen) return;
    this.mode = 'poll';
    this.h.onSnapshot(page.studies || [], !!page.more);
    this.position = null; // a websocket after polling starts from a snapshot
    this.live();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (gen !== this.gen) return;
      if (Date.now() - this.lastWsTry >= WS_RETRY_MS) this.connect();
      else this.poll(gen);
    }, POLL_MS);
  }
}
