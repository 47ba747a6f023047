// Hearth alerts overlay.
//
// Everything shown here can come from chat, so text only ever goes into the
// DOM through textContent; no markup is ever parsed from data.
//
// The page follows the channel's event log (events.js): it shows, once
// each and oldest first, every event after the page loaded, and after a
// reconnect the ones it missed. Events of before it loaded are not shown.
'use strict';

(function () {
  const DEFAULT_HOLD_MS = 5000;
  const MIN_HOLD_MS = 500;
  const MAX_HOLD_MS = 30000;
  // Beyond BACKLOG waiting alerts each one gets a share of the time BACKLOG
  // alerts would take, but never less than RUSH_MS (or the hold, if that
  // is shorter), so the queue catches up and names stay readable.
  // Past RUSH_BACKLOG waiting alerts (a raid of newcomers) each gets
  // RUSH_FLOOR_MS, so that every one shows and the queue still drains.
  const BACKLOG = 5;
  const RUSH_MS = 1500;
  const RUSH_BACKLOG = 40;
  const RUSH_FLOOR_MS = 700;
  const ENTER_MS = 450;
  const LEAVE_MS = 350;
  // The text starts at MAX_FONT_PX and shrinks until it fits the banner.
  // Below MIN_FONT_PX a poll result's question gives way first, down to
  // its first QUESTION_KEEP characters and an ellipsis; names, titles and
  // a poll's winners are never cut, and shrink further if they must.
  const MAX_FONT_PX = 36;
  const MIN_FONT_PX = 14;
  const FLOOR_FONT_PX = 4;
  const QUESTION_KEEP = 20;
  // Texts are never longer than Twitch and Hearth allow (a poll question
  // is at most 300 bytes); this only bounds what a broken state can cost.
  const MAX_TEXT = 300;

  // What each kind says; kinds not listed here are skipped.
  const KINDS = new Map([
    ['welcome', { label: 'First time here', before: 'Welcome, ', after: '!' }],
    ['welcome_back', { label: 'Returning viewer', before: 'Welcome back, ', after: '!' }],
    ['rank_up', { label: 'Rank up' }],
    ['follow', { label: 'New follower', before: 'Thanks for the follow, ', after: '!' }],
    ['redemption', { label: 'Channel points' }],
    ['poll_result', { label: 'Poll result' }],
    ['sub', { label: 'New subscriber' }],
    ['resub', { label: 'Resubscribed' }],
    ['subgift', { label: 'Gifted subs' }],
    ['cheer', { label: 'Cheer' }],
    ['raid', { label: 'Raid' }],
  ]);

  const panel = document.getElementById('alert');
  const label = document.getElementById('alert-label');
  const text = document.getElementById('alert-text');
  const body = panel.querySelector('.alert-body');
  const timer = document.getElementById('alert-timer');
  const motion = window.matchMedia('(prefers-reduced-motion: reduce)');

  const params = new URLSearchParams(window.location.search);
  const hold = holdTime(params.get('hold'));
  // ?kinds=follow,sub shows those kinds only.
  const only = kindsParam(params.get('kinds'));

  function kindsParam(raw) {
    if (!raw) return null;
    const set = new Set(raw.split(',').map((k) => k.trim()).filter((k) => KINDS.has(k)));
    return set.size > 0 ? set : null;
  }

  function holdTime(raw) {
    const ms = Number.parseInt(raw || '', 10);
    if (!Number.isFinite(ms)) return DEFAULT_HOLD_MS;
    return Math.min(MAX_HOLD_MS, Math.max(MIN_HOLD_MS, ms));
  }

  const queue = [];
  let showing = false;

  // clean turns events into alerts that are safe to show.
  function clean(e) {
    const login = typeof e.login === 'string' ? e.login : '';
    const name = typeof e.display_name === 'string' && e.display_name.trim() !== '' ? e.display_name : login;
    const rank = typeof e.rank === 'string' ? e.rank.trim() : '';
    // A redemption's text is the reward's title, which the streamer chose;
    // a poll result's is the question; a sub's or a cheer's, the viewer's
    // message; a gift's, its recipient. Hearth has cleaned them, and the
    // names, before sending them.
    const reward = typeof e.text === 'string' ? Array.from(e.text.trim()).slice(0, MAX_TEXT).join('') : '';
    const amount = Number.isSafeInteger(e.amount) && e.amount > 0 ? e.amount : 0;
    return { seq: e.seq, kind: e.kind, name, rank, reward, amount, test: e.test === true };
  }

  // Who may go unnamed: an anonymous cheer or gift, a raid of nobody known.
  const NAMELESS = new Set(['cheer', 'subgift']);

  function receive(events, info) {
    if (!info.history) {
      for (const e of events) {
        const a = clean(e);
        if (!KINDS.has(a.kind) || (only && !only.has(a.kind))) continue;
        if (a.name === '' && !NAMELESS.has(a.kind)) continue;
        queue.push(a);
      }
    }
    if (!showing) next();
  }

  function holdFor(pending) {
    if (pending <= BACKLOG) return hold;
    if (pending > RUSH_BACKLOG) return Math.min(hold, RUSH_FLOOR_MS);
    return Math.max(Math.min(hold, RUSH_MS), (hold * BACKLOG) / pending);
  }

  function plural(n, one, many) {
    return n === 1 ? one : many;
  }

  function span(className, content) {
    const el = document.createElement('span');
    el.className = className;
    el.textContent = content;
    return el;
  }

  // fits says whether the banner shows all of its text: nothing wider
  // than the text's box, and the body no taller than the banner's inside.
  function fits() {
    if (text.scrollWidth > text.clientWidth + 1) return false;
    const style = getComputedStyle(panel);
    const inner = panel.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    return body.getBoundingClientRect().height <= inner + 0.5;
  }

  function setFont(px) {
    text.style.fontSize = px + 'px';
  }

  // fit sizes the text of the alert on screen so that all of it shows. A
  // poll result's question, passed as question (its span and its text),
  // is shortened when the text would otherwise go below MIN_FONT_PX.
  function fit(question) {
    let px = MAX_FONT_PX;
    setFont(px);
    while (!fits() && px > MIN_FONT_PX) setFont(px -= 2);
    if (fits()) return;
    if (question) {
      // The longest start of the question that fits, found by halving.
      const chars = Array.from(question.text);
      const show = (n) => {
        question.span.textContent = n >= chars.length ? question.text : chars.slice(0, n).join('').trimEnd() + '…';
      };
      let lo = Math.min(QUESTION_KEEP, chars.length);
      let hi = chars.length;
      show(hi);
      if (!fits()) {
        hi -= 1;
        while (lo < hi) {
          const mid = Math.ceil((lo + hi) / 2);
          show(mid);
          if (fits()) lo = mid;
          else hi = mid - 1;
        }
        show(lo);
      }
    }
    while (!fits() && px > FLOOR_FONT_PX) setFont(px -= 1);
  }

  // fill puts alert's text on the banner and returns the poll question's
  // span and text, for fit, or null.
  function fill(alert) {
    const kind = KINDS.get(alert.kind);
    const name = document.createElement('bdi');
    name.className = 'alert-name';
    name.textContent = alert.name;
    let parts;
    let question = null;
    if (alert.kind === 'rank_up') {
      parts = alert.rank === ''
        ? [name, span('alert-words', ' ranked up!')]
        : [name, span('alert-words', ' reached '), span('alert-rank', alert.rank), span('alert-words', '!')];
    } else if (alert.kind === 'poll_result') {
      // The name is the winning option (options joined by " = " on a tie);
      // the text is the question.
      if (alert.reward === '') {
        parts = [name, span('alert-words', ' wins!')];
      } else {
        question = { span: span('alert-rank', alert.reward), text: alert.reward };
        parts = [question.span, span('alert-words', ' → '), name];
      }
    } else if (alert.kind === 'redemption') {
      parts = alert.reward === ''
        ? [name, span('alert-words', ' redeemed a reward!')]
        : [name, span('alert-words', ' redeemed '), span('alert-rank', alert.reward), span('alert-words', '!')];
    } else if (alert.kind === 'sub' || alert.kind === 'resub') {
      parts = alert.amount > 1
        ? [name, span('alert-words', ' subscribed for '), span('alert-rank', alert.amount + ' months'), span('alert-words', '!')]
        : [name, span('alert-words', ' just subscribed!')];
    } else if (alert.kind === 'subgift') {
      if (alert.name === '') name.textContent = 'Someone';
      parts = [name, span('alert-words', ' gifted '), span('alert-rank', alert.amount + plural(alert.amount, ' sub', ' subs')), span('alert-words', '!')];
    } else if (alert.kind === 'cheer') {
      if (alert.name === '') name.textContent = 'Someone';
      parts = [name, span('alert-words', ' cheered '), span('alert-rank', alert.amount + plural(alert.amount, ' bit', ' bits')), span('alert-words', '!')];
    } else if (alert.kind === 'raid') {
      parts = [name, span('alert-words', ' is raiding with '), span('alert-rank', alert.amount + plural(alert.amount, ' viewer', ' viewers')), span('alert-words', '!')];
    } else {
      parts = [span('alert-words', kind.before), name, span('alert-words', kind.after)];
    }
    label.textContent = alert.test ? kind.label + ' · test' : kind.label;
    text.replaceChildren(...parts);
    panel.dataset.kind = alert.kind;
    panel.dataset.seq = String(alert.seq);
    return question;
  }

  // next shows the oldest waiting alert, if any, and schedules its end.
  // Timers drive the sequence, not animation events, so a page OBS is not
  // drawing still moves through its queue.
  function next() {
    const alert = queue.shift();
    if (!alert) {
      showing = false;
      return;
    }
    showing = true;
    const ms = holdFor(queue.length + 1);
    const enter = Math.min(ENTER_MS, ms / 4);
    const leave = Math.min(LEAVE_MS, ms / 4);
    const still = motion.matches;
    const question = fill(alert);
    panel.hidden = false;
    fit(question);
    panel.animate(
      still
        ? [{ opacity: 0 }, { opacity: 1 }]
        : [{ opacity: 0, transform: 'translateX(-36px)' }, { opacity: 1, transform: 'translateX(0)' }],
      { duration: enter, easing: 'cubic-bezier(0.2, 0.8, 0.2, 1)' });
    if (!still) {
      timer.animate([{ transform: 'scaleX(1)' }, { transform: 'scaleX(0)' }], { duration: ms, easing: 'linear', fill: 'forwards' });
    }
    window.setTimeout(() => {
      panel.animate(
        still
          ? [{ opacity: 1 }, { opacity: 0 }]
          : [{ opacity: 1, transform: 'translateY(0)' }, { opacity: 0, transform: 'translateY(14px)' }],
        { duration: leave, easing: 'ease-in', fill: 'forwards' });
    }, ms - leave);
    window.setTimeout(() => {
      for (const a of panel.getAnimations({ subtree: true })) a.cancel();
      panel.hidden = true;
      next();
    }, ms);
  }

  window.hearthEvents(receive, {
    preview: () => [window.hearthSample(1, 'follow', 'Sample Viewer'), window.hearthSample(2, 'raid', 'Sample Streamer', { amount: 42 })],
  });
})();
