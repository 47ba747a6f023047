// Hearth leaderboard overlay.
//
// Everything shown here can come from chat, so text only ever goes into the
// DOM through textContent; no markup is ever parsed from data.
'use strict';

(function () {
  const TOPIC = 'leaderboard';
  const MAX_ROWS = 10;
  const MOVE_MS = 450;
  const FADE_MS = 350;

  const list = document.getElementById('rows');
  const ghosts = document.getElementById('ghosts');
  const empty = document.getElementById('empty');
  const numbers = new Intl.NumberFormat();
  const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;

  // The rows on screen, by login, so an update changes them in place.
  const rows = new Map();

  function createRow(login) {
    const row = document.createElement('li');
    row.className = 'row';
    row.dataset.login = login;
    const rank = document.createElement('span');
    rank.className = 'rank';
    const name = document.createElement('bdi');
    name.className = 'name';
    const points = document.createElement('span');
    points.className = 'points';
    row.append(rank, name, points);
    return row;
  }

  function setText(el, text) {
    if (el.textContent !== text) {
      el.textContent = text;
      return true;
    }
    return false;
  }

  function fillRow(row, entry, isNew) {
    const [rank, name, points] = row.children;
    row.dataset.rank = String(entry.rank);
    setText(rank, String(entry.rank));
    const renamed = setText(name, entry.name);
    if (setText(points, numbers.format(entry.points)) && !isNew && !still) {
      points.animate(
        [{ transform: 'scale(1.18)', color: '#ffffff' }, { transform: 'scale(1)' }],
        { duration: 600, easing: 'ease-out' });
    }
    return renamed;
  }

  // clean turns whatever arrived into entries that are safe to show.
  function clean(state) {
    const raw = state && Array.isArray(state.entries) ? state.entries : [];
    const out = [];
    const seen = new Set();
    for (const e of raw) {
      if (!e || typeof e !== 'object') continue;
      const login = typeof e.login === 'string' ? e.login : '';
      if (login === '' || seen.has(login)) continue;
      seen.add(login);
      const name = typeof e.display_name === 'string' && e.display_name.trim() !== '' ? e.display_name : login;
      const rank = Number.isFinite(e.rank) ? e.rank : out.length + 1;
      const points = Number.isFinite(e.points) ? e.points : 0;
      out.push({ login, name, rank, points });
      if (out.length === MAX_ROWS) break;
    }
    return out;
  }

  function render(state) {
    const entries = clean(state);

    // First: where every row is now, to animate moves from there.
    const before = new Map();
    for (const [login, row] of rows) before.set(login, row.getBoundingClientRect().top);

    const keep = new Set(entries.map((e) => e.login));
    for (const [login, row] of rows) {
      if (!keep.has(login)) {
        rows.delete(login);
        leave(row);
      }
    }

    const added = [];
    entries.forEach((entry, i) => {
      let row = rows.get(entry.login);
      const isNew = !row;
      if (isNew) {
        row = createRow(entry.login);
        rows.set(entry.login, row);
        added.push(row);
      }
      const renamed = fillRow(row, entry, isNew);
      // Move only rows that are out of place, so most nodes never move.
      const at = list.children[i] || null;
      if (at !== row) list.insertBefore(row, at);
      // Sized once in place, where it has its width.
      if (renamed) window.hearthFit(row.children[1]);
    });

    empty.hidden = entries.length !== 0;
    if (still) return;

    // Last, invert, play: slide moved rows from where they were.
    for (const [login, row] of rows) {
      if (!before.has(login)) continue;
      const dy = before.get(login) - row.getBoundingClientRect().top;
      if (Math.abs(dy) < 1) continue;
      row.animate(
        [{ transform: `translateY(${dy}px)` }, { transform: 'translateY(0)' }],
        { duration: MOVE_MS, easing: 'cubic-bezier(0.2, 0.8, 0.2, 1)' });
    }
    for (const row of added) {
      row.animate(
        [{ opacity: 0, transform: 'translateX(-18px)' }, { opacity: 1, transform: 'translateX(0)' }],
        { duration: FADE_MS, easing: 'ease-out' });
    }
  }

  // leave fades a row out where it stands, out of the list's flow so the
  // rows below can move up at once.
  function leave(row) {
    if (still) {
      row.remove();
      return;
    }
    const top = row.offsetTop;
    ghosts.append(row);
    row.style.top = `${top}px`;
    const fade = row.animate([{ opacity: 1 }, { opacity: 0 }], { duration: FADE_MS, easing: 'ease-in' });
    fade.onfinish = () => row.remove();
  }

  window.hearthLive(TOPIC, render, {
    preview: () => [{
      channel: 'preview',
      entries: [
        { rank: 1, login: 'sample_one', display_name: 'Sample Viewer', points: 15230, messages: 120 },
        { rank: 2, login: 'sample_two', display_name: 'Chatty Kathy', points: 9001, messages: 80 },
        { rank: 3, login: 'sample_three', display_name: 'Emote Enjoyer', points: 4410, messages: 40 },
        { rank: 4, login: 'sample_four', display_name: 'Question Asker', points: 870, messages: 9 },
        { rank: 5, login: 'sample_five', display_name: 'Lurker Supreme', points: 12, messages: 1 },
      ],
    }],
  });
})();
