// Hearth welcome overlay: this stream's newcomers and returning regulars,
// newest first, drifting slowly when they do not all fit. Text only ever
// goes into the DOM through textContent.
'use strict';

(function () {
  const DEFAULT_LENGTH = 20;
  const DRIFT_PX_PER_S = 30;
  const params = new URLSearchParams(window.location.search);
  const length = lengthParam(params.get('length'));
  const ticker = document.getElementById('ticker');
  const track = document.getElementById('track');
  // stream is the stream the names shown belong to: a newer one clears
  // them.
  let stream = -1;

  function lengthParam(raw) {
    const n = Number.parseInt(raw || '', 10);
    if (!Number.isFinite(n)) return DEFAULT_LENGTH;
    return Math.min(50, Math.max(1, n));
  }

  function item(e) {
    const li = document.createElement('li');
    li.className = 'ticker-item';
    li.dataset.kind = e.kind;
    li.dataset.seq = String(e.seq);
    const name = document.createElement('bdi');
    name.className = 'ticker-name';
    const login = typeof e.login === 'string' ? e.login : '';
    name.textContent = typeof e.display_name === 'string' && e.display_name.trim() !== '' ? e.display_name : login;
    li.append(name);
    if (e.kind === 'welcome_back') {
      const back = document.createElement('span');
      back.className = 'ticker-back';
      back.textContent = 'back';
      li.append(back);
    }
    if (e.test === true) {
      const tag = document.createElement('span');
      tag.className = 'feed-test';
      tag.textContent = 'test';
      li.append(tag);
    }
    return li;
  }

  // drift moves the track back and forth when it is wider than its
  // window, slowly enough to read.
  function drift() {
    for (const a of track.getAnimations()) a.cancel();
    const over = track.scrollWidth - track.parentElement.clientWidth;
    if (over <= 0 || window.matchMedia('(prefers-reduced-motion: reduce)').matches) return;
    track.animate([{ transform: 'translateX(0)' }, { transform: 'translateX(' + -over + 'px)' }],
      { duration: (over / DRIFT_PX_PER_S) * 1000, direction: 'alternate', iterations: Infinity, easing: 'ease-in-out', delay: 2000, endDelay: 2000 });
  }

  function receive(events) {
    let changed = false;
    for (const e of events) {
      if (e.kind !== 'welcome' && e.kind !== 'welcome_back') continue;
      const s = Number.isSafeInteger(e.stream) ? e.stream : 0;
      if (s < stream) continue;
      if (s > stream) {
        stream = s;
        track.replaceChildren();
      }
      track.prepend(item(e));
      changed = true;
    }
    while (track.children.length > length) track.lastElementChild.remove();
    ticker.hidden = track.children.length === 0;
    if (changed) drift();
  }

  window.hearthEvents(receive, {
    preview: () => [
      window.hearthSample(1, 'welcome', 'First Timer'),
      window.hearthSample(2, 'welcome_back', 'Old Friend'),
      window.hearthSample(3, 'welcome', 'Curious Cat'),
      window.hearthSample(4, 'welcome', 'Hello World'),
    ],
  });
})();
