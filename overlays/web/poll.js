// Hearth poll overlay.
//
// Everything shown here can come from chat (the question and the options'
// labels), so text only ever goes into the DOM through textContent; no
// markup is ever parsed from data.
//
// The hub sends the channel's whole poll state, coalesced (the last state
// wins), so the page never counts anything itself: it shows the latest
// state, changing the rows in place, and lets CSS transitions carry each
// bar from where it is to where the new state puts it.
'use strict';

(function () {
  const TOPIC = 'poll';
  const MAX_OPTIONS = 10;
  const DEFAULT_HIDE_AFTER_S = 15;
  const MIN_HIDE_AFTER_S = 1;
  const MAX_HIDE_AFTER_S = 600;
  // A cancelled poll has no result to look at: it goes sooner.
  const CANCELLED_HIDE_AFTER_S = 5;
  const URGENT_MS = 10000;
  const TICK_MS = 250;

  const root = document.getElementById('poll');
  const kindEl = document.getElementById('poll-kind');
  const noteEl = document.getElementById('poll-note');
  const clockEl = document.getElementById('poll-clock');
  const questionEl = document.getElementById('poll-question');
  const list = document.getElementById('poll-options');
  const votersEl = document.getElementById('poll-voters');
  const hintEl = document.getElementById('poll-hint');
  const numbers = new Intl.NumberFormat();

  const params = new URLSearchParams(window.location.search);
  const hideAfterMs = hideAfter(params.get('hide_after')) * 1000;

  function hideAfter(raw) {
    const s = Number.parseInt(raw || '', 10);
    if (!Number.isFinite(s)) return DEFAULT_HIDE_AFTER_S;
    return Math.min(MAX_HIDE_AFTER_S, Math.max(MIN_HIDE_AFTER_S, s));
  }

  // The server's clock, as an offset from this page's monotonic clock.
  // Every estimate the page gets is a lower bound: a state's `now` was read
  // before the state reached the page (and a state the hub kept and sends
  // on connect may be minutes old), and the Date header of a response was
  // read, and truncated to the second, before the response arrived. So the
  // page keeps the highest bound it has seen, which is within a second of
  // the truth from the first response on, and closer once live states
  // arrive.
  let serverOffset = -Infinity;

  function learnServerTime(serverMs, receivedAt) {
    if (Number.isFinite(serverMs)) serverOffset = Math.max(serverOffset, serverMs - receivedAt);
  }

  function serverNow() {
    // Until the server has said anything, the browser's clock is all there is.
    const offset = Number.isFinite(serverOffset) ? serverOffset : Date.now() - performance.now();
    return performance.now() + offset;
  }

  // asked says a Date header is on its way or has arrived; answered, that
  // the request is over, however it went. A page opened while Hearth was
  // down asks again with the first state it gets.
  let asked = false;
  let answered = false;

  function askServerTime() {
    if (asked) return;
    asked = true;
    fetch('assets/poll.css', { method: 'HEAD', cache: 'no-store' })
      .then((res) => {
        learnServerTime(Date.parse(res.headers.get('Date') || ''), performance.now());
        // For whoever debugs the page: the server's clock is known.
        document.body.dataset.clock = 'server';
      })
      .catch(() => {
        asked = false;
      })
      .finally(() => {
        answered = true;
        tick();
      });
  }

  // parseTime reads a time as Go writes it (RFC 3339, up to nanoseconds)
  // into milliseconds since the epoch, or NaN when absent or zero.
  function parseTime(raw) {
    if (typeof raw !== 'string') return NaN;
    const ms = Date.parse(raw.replace(/(\.\d{3})\d+/, '$1'));
    return ms > 0 ? ms : NaN;
  }

  function count(v) {
    return Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
  }

  function text(v) {
    return typeof v === 'string' ? v : '';
  }

  // clean turns whatever arrived into a poll that is safe to show.
  function clean(state) {
    const s = state && typeof state === 'object' ? state : {};
    const raw = Array.isArray(s.options) ? s.options.slice(0, MAX_OPTIONS) : [];
    const options = raw.map((o) => {
      const opt = o && typeof o === 'object' ? o : {};
      return { label: text(opt.label), votes: count(opt.votes), score: count(opt.score) };
    });
    const winners = new Set();
    if (Array.isArray(s.winners)) {
      for (const i of s.winners) {
        if (Number.isInteger(i) && i >= 0 && i < options.length) winners.add(i);
      }
    }
    const status = ['open', 'closed', 'cancelled'].includes(s.status) && options.length > 0 ? s.status : '';
    return {
      id: text(s.id),
      native: s.kind === 'native',
      status,
      question: text(s.question),
      options,
      winners,
      voters: count(s.voters),
      total: count(s.total),
      weighting: text(s.weighting),
      endsAt: parseTime(s.ends_at),
      closedAt: parseTime(s.closed_at),
      now: parseTime(s.now),
    };
  }

  function setText(el, value) {
    if (el.textContent !== value) el.textContent = value;
  }

  function setData(el, name, value) {
    if (el.dataset[name] !== value) el.dataset[name] = value;
  }

  function plural(n, one, many) {
    return `${numbers.format(n)} ${n === 1 ? one : many}`;
  }

  // The poll on screen: its rows by option index, and what they were
  // built for, so an update of the same poll changes them in place.
  let poll = null;
  let rows = [];
  let builtFor = '';
  // fitPending says labels changed since they were last sized.
  let fitPending = false;
  // When the poll on screen hides itself, in server time; Infinity while
  // it is open.
  let hideAt = Infinity;

  function createRow(index) {
    const row = document.createElement('li');
    row.className = 'poll-option';
    row.dataset.index = String(index);
    const fill = document.createElement('span');
    fill.className = 'poll-fill';
    fill.setAttribute('aria-hidden', 'true');
    const number = document.createElement('span');
    number.className = 'poll-number';
    number.textContent = String(index + 1);
    const label = document.createElement('bdi');
    label.className = 'poll-label';
    const badge = document.createElement('span');
    badge.className = 'poll-badge';
    badge.hidden = true;
    const share = document.createElement('span');
    share.className = 'poll-share';
    const votes = document.createElement('span');
    votes.className = 'poll-count';
    row.append(fill, number, label, badge, share, votes);
    return { row, fill, label, badge, share, votes };
  }

  // build replaces the rows for a new poll. Its bars start empty and grow
  // to their share once the empty state has been drawn.
  function build(p) {
    rows = p.options.map((_, i) => createRow(i));
    list.replaceChildren(...rows.map((r) => r.row));
    root.style.setProperty('--n', String(Math.max(2, rows.length)));
    builtFor = signature(p);
    // Lay the empty bars out now, so that setting their share starts a
    // transition instead of drawing them full at once.
    list.getBoundingClientRect();
  }

  function signature(p) {
    return JSON.stringify([p.id, p.options.map((o) => o.label)]);
  }

  // countText is an option's count. With points, viewers buy votes: the
  // score is the votes bought, and the viewers who bought them follow. A
  // weight by rank says nothing to a viewer, and the bar already shows it.
  function countText(p, o) {
    if (p.weighting === 'points') {
      return `${plural(o.score, 'vote', 'votes')} · ${plural(o.votes, 'viewer', 'viewers')}`;
    }
    return plural(o.votes, 'vote', 'votes');
  }

  function weightingNote(weighting) {
    if (weighting === '') return '';
    if (weighting === 'rank') return 'Weighted by rank';
    if (weighting === 'points') return 'Weighted by points';
    return 'Weighted votes';
  }

  function fill(p) {
    if (signature(p) !== builtFor) build(p);
    const tie = p.status === 'closed' && p.winners.size > 1;
    const counts = p.options.map((o) => countText(p, o));
    // Every count gets the room of the longest, so the shares line up.
    root.style.setProperty('--count-ch', String(Math.max(...counts.map((c) => c.length))));
    p.options.forEach((o, i) => {
      const r = rows[i];
      const share = p.total > 0 ? Math.min(1, o.score / p.total) : 0;
      r.fill.style.transform = `scaleX(${share})`;
      if (setText(r.label, o.label)) fitPending = true;
      setText(r.share, `${Math.round(share * 100)}%`);
      setText(r.votes, counts[i]);
      const winner = p.status === 'closed' && p.winners.has(i);
      setData(r.row, 'winner', String(winner));
      r.badge.hidden = !winner;
      setText(r.badge, winner ? (tie ? 'Tied' : 'Winner') : '');
    });

    setText(kindEl, p.native ? 'Twitch poll' : 'Chat poll');
    setData(root, 'kind', p.native ? 'native' : 'chat');
    setText(questionEl, p.question);
    const note = weightingNote(p.weighting);
    setText(noteEl, note);
    noteEl.hidden = note === '';
    setText(votersEl, p.voters === 0 ? 'No votes yet' : plural(p.voters, 'voter', 'voters'));
    let hint = '';
    if (p.status === 'open') {
      hint = p.native ? 'Vote in the Twitch poll' : `Type !vote 1–${p.options.length} in chat`;
    } else if (p.status === 'cancelled') {
      hint = 'This poll was cancelled';
    } else if (tie) {
      hint = 'It’s a tie!';
    }
    setText(hintEl, hint);
    setData(root, 'tie', String(tie));
  }

  function receive(state) {
    learnServerTime(parseTime(state && state.now), performance.now());
    askServerTime();
    const p = clean(state);
    if (p.status === '') {
      poll = null;
      hideAt = -Infinity;
    } else {
      poll = p;
      if (p.status === 'open') {
        hideAt = Infinity;
      } else {
        const closed = Number.isFinite(p.closedAt) ? p.closedAt : (Number.isFinite(p.now) ? p.now : serverNow());
        const after = p.status === 'cancelled' ? Math.min(hideAfterMs, CANCELLED_HIDE_AFTER_S * 1000) : hideAfterMs;
        hideAt = closed + after;
      }
      setData(root, 'status', p.status);
      setData(root, 'id', p.id);
      // A poll already over for good is not brought back to fade out again.
      if (poll.status === 'open' || serverNow() < hideAt) fill(p);
    }
    tick();
  }

  function clockText(p, now) {
    if (p.status === 'cancelled') return 'Cancelled';
    if (p.status === 'closed') {
      if (p.winners.size > 1) return 'Tie';
      return p.winners.size === 1 ? 'Final result' : 'Closed';
    }
    if (!Number.isFinite(p.endsAt)) return '';
    const left = Math.max(0, Math.ceil((p.endsAt - now) / 1000));
    const m = Math.floor(left / 60);
    const s = left % 60;
    return `${m}:${String(s).padStart(2, '0')}`;
  }

  // tick brings what depends on time up to date: the countdown, and
  // whether the poll is still on screen.
  function tick() {
    const now = serverNow();
    // A closed poll waits for the server's clock: the state the hub kept
    // says when it closed but may be old, and only the clock tells whether
    // its time on screen is already over.
    const shown = poll !== null && now < hideAt && (poll.status === 'open' || answered);
    setData(root, 'shown', String(shown));
    if (!shown) return;
    if (fitPending) {
      // Sized once on screen, where the labels have their width.
      fitPending = false;
      for (const r of rows) window.hearthFit(r.label);
    }
    setText(clockEl, clockText(poll, now));
    const urgent = poll.status === 'open' && Number.isFinite(poll.endsAt) && poll.endsAt - now <= URGENT_MS;
    setData(clockEl, 'urgent', String(urgent));
  }

  askServerTime();
  window.setInterval(tick, TICK_MS);
  window.hearthLive(TOPIC, receive, {
    preview: () => {
      const now = new Date();
      return [{
        channel: 'preview', id: 'preview', kind: 'chat', status: 'open', question: 'Which game next?',
        options: [{ label: 'Option A', votes: 12, score: 12 }, { label: 'Option B', votes: 7, score: 7 }, { label: 'Option C', votes: 3, score: 3 }],
        voters: 22, total: 22, winners: [], now: now.toISOString(), ends_at: new Date(now.getTime() + 90000).toISOString(),
      }];
    },
  });
})();
