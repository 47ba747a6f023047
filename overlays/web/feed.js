// Hearth feed overlay: the channel's recent events, newest first. Text
// only ever goes into the DOM through textContent.
'use strict';

(function () {
  const DEFAULT_KINDS = ['follow', 'sub', 'resub', 'subgift', 'cheer', 'raid', 'redemption'];
  const ALL_KINDS = new Set(DEFAULT_KINDS.concat(['welcome', 'welcome_back', 'rank_up', 'poll_result']));
  const DEFAULT_LENGTH = 8;
  const MAX_LENGTH = 30;
  const ICONS = {
    follow: '♥', sub: '★', resub: '★', subgift: '❖', cheer: '◆', raid: '⚑', redemption: '●',
    welcome: '✦', welcome_back: '✦', rank_up: '▲', poll_result: '✔',
  };

  const params = new URLSearchParams(window.location.search);
  const kinds = kindsParam(params.get('kinds'));
  const length = lengthParam(params.get('length'));
  const list = document.getElementById('feed');

  function kindsParam(raw) {
    const picked = (raw || '').split(',').map((k) => k.trim()).filter((k) => ALL_KINDS.has(k));
    return new Set(picked.length > 0 ? picked : DEFAULT_KINDS);
  }

  function lengthParam(raw) {
    const n = Number.parseInt(raw || '', 10);
    if (!Number.isFinite(n)) return DEFAULT_LENGTH;
    return Math.min(MAX_LENGTH, Math.max(1, n));
  }

  function row(e) {
    const parts = window.hearthDescribe(e);
    if (!parts) return null;
    const li = document.createElement('li');
    li.className = 'feed-row';
    li.dataset.kind = e.kind;
    li.dataset.seq = String(e.seq);
    const icon = document.createElement('span');
    icon.className = 'feed-icon';
    icon.setAttribute('aria-hidden', 'true');
    icon.textContent = ICONS[e.kind] || '•';
    const line = document.createElement('span');
    line.className = 'feed-text';
    for (const p of parts) {
      const el = document.createElement(p.role === 'name' ? 'bdi' : 'span');
      el.className = 'feed-' + p.role;
      el.textContent = p.text;
      line.append(el);
    }
    if (e.test === true) {
      const tag = document.createElement('span');
      tag.className = 'feed-test';
      tag.textContent = 'test';
      line.append(tag);
    }
    li.append(icon, line);
    return li;
  }

  function receive(events, info) {
    for (const e of events) {
      if (!kinds.has(e.kind)) continue;
      const li = row(e);
      if (!li) continue;
      if (!info.history) li.classList.add('feed-new');
      list.prepend(li);
    }
    while (list.children.length > length) list.lastElementChild.remove();
  }

  window.hearthEvents(receive, {
    preview: () => [
      window.hearthSample(1, 'follow', 'Sample Follower'),
      window.hearthSample(2, 'sub', 'Sample Subscriber', { amount: 1 }),
      window.hearthSample(3, 'resub', 'Loyal Viewer', { amount: 14 }),
      window.hearthSample(4, 'subgift', 'Generous Gifter', { amount: 5 }),
      window.hearthSample(5, 'cheer', 'Sample Cheerer', { amount: 500 }),
      window.hearthSample(6, 'raid', 'Friendly Streamer', { amount: 42 }),
      window.hearthSample(7, 'redemption', 'Sample Viewer', { text: 'Hydrate!' }),
    ],
  });
})();
