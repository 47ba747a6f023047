// Hearth's event log, shared by the alerts, feed, credits and welcome
// overlays.
//
// hearthEvents(onEvents, options) follows the channel's event log and
// calls onEvents(events, info) with each event once, oldest first: the
// events after the last one it took in, across reconnects and Hearth's
// restarts (the socket asks for what came after it). info.history says
// the events happened before the page loaded: the feed shows them as the
// past, the alerts skip them. options.preview, a function, returns sample
// events for ?preview=1.
//
// Every event's texts come from Twitch or chat: the pages put them in the
// DOM with textContent only.
'use strict';

window.hearthEvents = function (onEvents, options) {
  const opts = options || {};
  // last is the highest seq taken in; null before the first message.
  let last = null;

  function clean(state) {
    const raw = state && Array.isArray(state.events) ? state.events : [];
    const out = [];
    for (const e of raw) {
      if (!e || typeof e !== 'object' || !Number.isSafeInteger(e.seq) || typeof e.kind !== 'string') continue;
      out.push(e);
    }
    return out.sort((x, y) => x.seq - y.seq);
  }

  function receive(state) {
    const head = state && Number.isSafeInteger(state.head) ? state.head : null;
    // The log lost events the page had (a store that was reset): count
    // from where it stands now.
    if (state && state.resync && head !== null && last !== null && head < last) last = head;
    const fresh = [];
    for (const e of clean(state)) {
      if (last !== null && e.seq <= last) continue;
      last = e.seq;
      fresh.push(e);
    }
    if (last === null) last = head !== null ? head : 0;
    // For whoever debugs the page: the seq it has taken in.
    document.body.dataset.seen = String(last);
    onEvents(fresh, { history: Boolean(state && state.history), preview: Boolean(state && state.preview) });
  }

  window.hearthLive('events', receive, {
    since: () => last,
    preview: () => [{ events: typeof opts.preview === 'function' ? opts.preview() : [], preview: true }],
  });
};

// hearthSample returns a sample event for ?preview=1.
window.hearthSample = function (seq, kind, name, extra) {
  return Object.assign({ seq: seq, kind: kind, login: name.toLowerCase(), display_name: name, stream: 1, at: '' }, extra || {});
};

// hearthDescribe says an event in a line, as parts of text: each part's
// text and its role ("name", "words" or "detail"), for a page to put in
// the DOM with textContent. Unknown kinds give null.
window.hearthDescribe = function (e) {
  const str = (v) => (typeof v === 'string' ? v.trim() : '');
  const login = str(e.login);
  const name = str(e.display_name) || login;
  const amount = Number.isSafeInteger(e.amount) && e.amount > 0 ? e.amount : 0;
  const text = str(e.text);
  const who = { text: name || 'Someone', role: 'name' };
  const words = (t) => ({ text: t, role: 'words' });
  const detail = (t) => ({ text: t, role: 'detail' });
  const count = (n, one, many) => n + ' ' + (n === 1 ? one : many);
  switch (e.kind) {
    case 'follow': return [who, words(' followed')];
    case 'sub': return [who, words(' subscribed')];
    case 'resub': return amount > 1 ? [who, words(' resubscribed · '), detail(count(amount, 'month', 'months'))] : [who, words(' resubscribed')];
    case 'subgift': return [who, words(' gifted '), detail(count(Math.max(amount, 1), 'sub', 'subs'))];
    case 'cheer': return [who, words(' cheered '), detail(count(amount, 'bit', 'bits'))];
    case 'raid': return [who, words(' raided with '), detail(count(amount, 'viewer', 'viewers'))];
    case 'redemption': return text ? [who, words(' redeemed '), detail(text)] : [who, words(' redeemed a reward')];
    case 'welcome': return [words('Welcome, '), who];
    case 'welcome_back': return [words('Welcome back, '), who];
    case 'rank_up': return str(e.rank) ? [who, words(' reached '), detail(str(e.rank))] : [who, words(' ranked up')];
    case 'poll_result': return text ? [detail(text), words(' → '), who] : [who, words(' wins the poll')];
    default: return null;
  }
};
