// Hearth overlays' live connection, shared by every overlay page.
//
// hearthLive(topic, onState, options) opens a WebSocket to the hub on the
// same origin, for the channel and token of this page's URL, and calls
// onState with every state pushed on topic. It reconnects with backoff and
// jitter when Hearth restarts; the page keeps what it shows meanwhile.
// <body data-connection> says "connecting", "open", "closed", "revoked"
// (the token was rotated: the page stops reconnecting) or "preview".
//
// options.since, a function, returns the last event seq the page took in
// (or null): each (re)connect asks for what came after it. With ?preview=1
// the page connects to nothing and gets options.preview()'s states, sample
// data. With ?status=1 the page shows a small badge while it is not
// connected (<body data-status>, drawn by overlay.css).
'use strict';

window.hearthLive = function (topic, onState, options) {
  const MIN_RETRY_MS = 500;
  const MAX_RETRY_MS = 15000;
  const params = new URLSearchParams(window.location.search);
  const opts = options || {};
  if (params.get('status') === '1') document.body.dataset.status = 'shown';
  if (params.get('preview') === '1') {
    document.body.dataset.connection = 'preview';
    for (const state of typeof opts.preview === 'function' ? opts.preview() : []) onState(state);
    return;
  }
  let socket = null;
  let attempt = 0;
  let retry = 0;

  function socketURL() {
    const url = new URL('ws', window.location.href);
    url.protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const query = new URLSearchParams({
      channel: params.get('channel') || '',
      token: params.get('token') || '',
      topic: topic,
    });
    const since = typeof opts.since === 'function' ? opts.since() : null;
    if (Number.isSafeInteger(since) && since >= 0) query.set('since', String(since));
    url.search = query.toString();
    url.hash = '';
    return url.toString();
  }

  function connect() {
    document.body.dataset.connection = 'connecting';
    let ws;
    try {
      ws = new WebSocket(socketURL());
    } catch (err) {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      document.body.dataset.connection = 'open';
    };
    ws.onmessage = (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch (err) {
        return;
      }
      if (msg && msg.topic === topic && msg.state) onState(msg.state);
    };
    ws.onclose = (ev) => {
      if (socket !== ws) return;
      socket = null;
      // 4001: this page's overlay token was rotated; its URL will never
      // be let in again, so it stops asking.
      if (ev.code === 4001) {
        document.body.dataset.connection = 'revoked';
        return;
      }
      document.body.dataset.connection = 'closed';
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    const ceiling = Math.min(MAX_RETRY_MS, MIN_RETRY_MS * 2 ** attempt);
    attempt += 1;
    // Jitter spreads reconnects when one Hearth serves many overlays.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    window.clearTimeout(retry);
    retry = window.setTimeout(connect, delay);
  }

  connect();
};

// hearthFit sizes the text of el, a box of one line, so that all of it
// shows: a little smaller first, then on two lines (<el class="fit-wrap">)
// and smaller still. Names from Twitch are shown whole, not cut; only text
// that cannot fit even so (stacked marks) is left to the box's clipping.
window.hearthFit = function (el) {
  const FIRST_FLOOR = 0.75;
  const LAST_FLOOR = 0.4;
  el.style.fontSize = '';
  el.classList.remove('fit-wrap');
  const fits = () => el.scrollWidth <= el.clientWidth + 1 && el.scrollHeight <= el.clientHeight + 1;
  if (fits()) return;
  const base = parseFloat(getComputedStyle(el).fontSize);
  // shrink finds the largest size from floor * base that fits.
  const shrink = (floor) => {
    el.style.fontSize = base * floor + 'px';
    if (!fits()) return false;
    let lo = base * floor;
    let hi = base;
    for (let i = 0; i < 7; i++) {
      const mid = (lo + hi) / 2;
      el.style.fontSize = mid + 'px';
      if (fits()) lo = mid;
      else hi = mid;
    }
    el.style.fontSize = lo + 'px';
    return true;
  };
  if (shrink(FIRST_FLOOR)) return;
  el.style.fontSize = '';
  el.classList.add('fit-wrap');
  if (fits() || shrink(LAST_FLOOR)) return;
  el.style.fontSize = base * LAST_FLOOR + 'px';
};
