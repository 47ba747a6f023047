// Hearth chat overlay.
//
// Everything shown here comes from chat, so text only ever goes into the
// DOM through textContent and emotes through an <img> whose address is
// built from a checked id; no markup is ever parsed from data.
//
// Parameters: length=N lines shown (1 to 50, default 15); fade=S seconds
// before a line fades out (0, the default, keeps lines); bots=0 hides
// known bots; badges=0 hides badges.
'use strict';

(function () {
  const TOPIC = 'chat';
  const EMOTE_URL = 'https://static-cdn.jtvnw.net/emoticons/v2/';
  const EMOTE_ID = /^[A-Za-z0-9_]{1,64}$/;
  const COLOR = /^#[0-9A-Fa-f]{6}$/;
  const BADGE = /^[a-z0-9_-]{1,32}$/;
  const BADGE_LABELS = {
    broadcaster: 'LIVE', moderator: 'MOD', vip: 'VIP', subscriber: 'SUB', founder: 'SUB',
    partner: '✓', staff: 'STAFF', 'bits-leader': 'BITS', 'sub-gifter': 'GIFT',
  };
  const FADE_OUT_MS = 600;

  const params = new URLSearchParams(window.location.search);
  const length = bounded(params.get('length'), 1, 50, 15);
  const fadeSeconds = bounded(params.get('fade'), 0, 3600, 0);
  const showBots = params.get('bots') !== '0';
  const showBadges = params.get('badges') !== '0';

  const box = document.getElementById('chat');
  // The lines on screen by id, and the ids that faded, so a later state
  // that still holds them does not bring them back.
  const shown = new Map();
  const faded = new Set();

  function bounded(raw, lo, hi, def) {
    const n = Number.parseInt(raw === null ? '' : raw, 10);
    return Number.isFinite(n) && n >= lo && n <= hi ? n : def;
  }

  function text(s) {
    return typeof s === 'string' ? s : '';
  }

  function createLine(line) {
    const el = document.createElement('div');
    el.className = 'line';
    el.dataset.id = line.id;
    if (line.action === true) el.dataset.action = '';
    if (showBadges && Array.isArray(line.badges)) {
      for (const b of line.badges) {
        if (typeof b !== 'string' || !BADGE.test(b) || !(b in BADGE_LABELS)) continue;
        const badge = document.createElement('span');
        badge.className = 'badge';
        badge.dataset.badge = b;
        badge.textContent = BADGE_LABELS[b];
        el.append(badge);
      }
    }
    const name = document.createElement('bdi');
    name.className = 'chat-name';
    name.textContent = text(line.display_name) || text(line.login);
    const color = text(line.color);
    if (COLOR.test(color)) name.style.color = color;
    el.append(name, document.createTextNode(line.action === true ? ' ' : ': '));
    const body = document.createElement('bdi');
    body.className = 'chat-text';
    if (line.action === true && COLOR.test(color)) body.style.color = color;
    const fragments = Array.isArray(line.fragments) ? line.fragments : [];
    fragments.forEach((f, i) => {
      if (!f || typeof f !== 'object') return;
      if (i > 0) body.append(document.createTextNode(' '));
      const emote = text(f.emote);
      if (emote !== '' && EMOTE_ID.test(emote)) {
        const img = document.createElement('img');
        img.className = 'emote';
        img.alt = text(f.text);
        img.title = text(f.text);
        img.dataset.emote = emote;
        img.src = EMOTE_URL + emote + '/default/dark/2.0';
        body.append(img);
      } else {
        body.append(document.createTextNode(text(f.text)));
      }
    });
    el.append(body);
    return el;
  }

  function fadeOut(id) {
    const el = shown.get(id);
    if (!el) return;
    faded.add(id);
    shown.delete(id);
    el.classList.add('leaving');
    window.setTimeout(() => el.remove(), FADE_OUT_MS);
  }

  function render(state) {
    const now = Date.parse(state.now);
    const raw = Array.isArray(state.lines) ? state.lines : [];
    const lines = [];
    const seen = new Set();
    for (const l of raw) {
      if (!l || typeof l !== 'object' || typeof l.id !== 'string' || l.id === '' || seen.has(l.id)) continue;
      seen.add(l.id);
      if (!showBots && l.bot === true) continue;
      if (faded.has(l.id)) continue;
      lines.push(l);
    }
    const keep = lines.slice(-length);
    const keepIDs = new Set(keep.map((l) => l.id));
    // Lines a moderator deleted, or that scrolled past the length, go.
    for (const [id, el] of shown) {
      if (!keepIDs.has(id)) {
        shown.delete(id);
        el.remove();
      }
    }
    for (const id of faded) {
      if (!seen.has(id)) faded.delete(id);
    }
    let prev = null;
    for (const l of keep) {
      let el = shown.get(l.id);
      if (!el) {
        let wait = fadeSeconds * 1000;
        if (fadeSeconds > 0) {
          const at = Date.parse(l.at);
          if (Number.isFinite(now) && Number.isFinite(at)) wait -= Math.max(0, now - at);
          if (wait <= 0) {
            faded.add(l.id);
            continue;
          }
          window.setTimeout(() => fadeOut(l.id), wait);
        }
        el = createLine(l);
        shown.set(l.id, el);
      }
      // In the state's order: a line that comes back into view when a
      // later one is deleted goes above the lines after it.
      const at = prev ? prev.nextSibling : box.firstChild;
      if (at !== el) box.insertBefore(el, at);
      prev = el;
    }
  }

  window.hearthLive(TOPIC, render, {
    preview: () => {
      const now = new Date();
      const line = (id, name, color, badges, text, action) => ({
        id: id, login: name.toLowerCase(), display_name: name, color: color, badges: badges,
        action: action === true, fragments: [{ text: text }], at: now.toISOString(),
      });
      return [{
        channel: 'preview',
        now: now.toISOString(),
        lines: [
          line('p1', 'SampleViewer', '#1E90FF', ['subscriber'], 'hello chat, first time here!'),
          line('p2', 'ModeratorMia', '#00A65A', ['moderator'], 'welcome in, enjoy the stream'),
          line('p3', 'Chatty_Kathy', '#FF69B4', ['vip', 'subscriber'], 'that play was amazing'),
          line('p4', 'LurkerSupreme', '', [], 'waves from the back', true),
        ],
      }];
    },
  });
})();
