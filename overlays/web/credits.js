// Hearth credits overlay: rolls each credits event once, the latest
// first if several wait. Text only ever goes into the DOM through
// textContent.
'use strict';

(function () {
  const TITLES = {
    newcomers: 'New faces',
    chatters: 'Most active chatters',
    subs: 'Subscribers',
    gifters: 'Gifters',
    raiders: 'Raiders',
    poll_winners: 'Poll winners',
    rank_ups: 'Ranked up',
  };
  const DEFAULT_SPEED = 60;
  const params = new URLSearchParams(window.location.search);
  const speed = speedParam(params.get('speed'));
  const roll = document.getElementById('roll');
  const queue = [];
  let rolling = false;

  function speedParam(raw) {
    const n = Number.parseInt(raw || '', 10);
    if (!Number.isFinite(n)) return DEFAULT_SPEED;
    return Math.min(400, Math.max(20, n));
  }

  function el(tag, className, text) {
    const e = document.createElement(tag);
    e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fill(e) {
    const sections = e.credits && Array.isArray(e.credits.sections) ? e.credits.sections : [];
    const parts = [el('h1', 'credits-title', e.test === true ? 'Thanks for watching · test' : 'Thanks for watching')];
    for (const s of sections) {
      if (!s || !Array.isArray(s.names) || !TITLES[s.kind]) continue;
      const names = s.names.filter((n) => typeof n === 'string' && n.trim() !== '');
      if (names.length === 0) continue;
      const section = el('section', 'credits-section');
      section.dataset.kind = s.kind;
      section.append(el('h2', 'credits-heading', TITLES[s.kind]));
      const list = el('ul', 'credits-names');
      for (const n of names) list.append(el('li', 'credits-name', n));
      section.append(list);
      parts.push(section);
    }
    roll.replaceChildren(...parts);
    roll.dataset.seq = String(e.seq);
  }

  // next rolls the next waiting credits: from below the screen until the
  // last line has left it. A timer ends it, so a page OBS is not drawing
  // still moves on.
  function next() {
    const e = queue.shift();
    if (!e) {
      rolling = false;
      roll.hidden = true;
      document.body.dataset.rolling = 'false';
      return;
    }
    rolling = true;
    fill(e);
    roll.hidden = false;
    document.body.dataset.rolling = 'true';
    const height = window.innerHeight;
    const distance = height + roll.offsetHeight;
    const ms = (distance / speed) * 1000;
    const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    if (!still) {
      roll.animate([{ transform: 'translateY(' + height + 'px)' }, { transform: 'translateY(' + -roll.offsetHeight + 'px)' }],
        { duration: ms, easing: 'linear', fill: 'forwards' });
    }
    window.setTimeout(() => {
      for (const a of roll.getAnimations()) a.cancel();
      next();
    }, ms);
  }

  function receive(events, info) {
    if (info.history) return;
    for (const e of events) {
      if (e.kind === 'credits') queue.push(e);
    }
    if (!rolling) next();
  }

  window.hearthEvents(receive, {
    preview: () => [window.hearthSample(1, 'credits', '', {
      credits: { sections: [
        { kind: 'newcomers', names: ['First Timer', 'Curious Cat', 'Hello World'] },
        { kind: 'chatters', names: ['Chatty Kathy', 'Emote Enjoyer', 'Question Asker'] },
        { kind: 'subs', names: ['Loyal Viewer', 'New Subscriber'] },
        { kind: 'gifters', names: ['Generous Gifter'] },
        { kind: 'raiders', names: ['Friendly Streamer'] },
        { kind: 'poll_winners', names: ['Which game next? → Option A'] },
        { kind: 'rank_ups', names: ['Chatty Kathy → Regular'] },
      ] },
    })],
  });
})();
