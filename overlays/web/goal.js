// Hearth goal overlay: a progress bar per goal, and a moment of
// celebration when one is reached while the page watches.
//
// Titles come from the API, so text only goes into the DOM through
// textContent. Parameters: id=GOAL shows that goal only (default: all).
'use strict';

(function () {
  const TOPIC = 'goal';
  const CELEBRATE_MS = 4000;

  const only = new URLSearchParams(window.location.search).get('id');
  const box = document.getElementById('goals');
  const numbers = new Intl.NumberFormat();
  const shown = new Map();
  // Whether each goal was reached in the last state, so a goal reached
  // before the page loaded is not celebrated again.
  const reached = new Map();
  let first = true;

  function createGoal(id) {
    const el = document.createElement('section');
    el.className = 'goal';
    el.dataset.id = id;
    const head = document.createElement('div');
    head.className = 'goal-head';
    const title = document.createElement('bdi');
    title.className = 'goal-title';
    const count = document.createElement('span');
    count.className = 'goal-count';
    head.append(title, count);
    const bar = document.createElement('div');
    bar.className = 'goal-bar';
    const fill = document.createElement('div');
    fill.className = 'goal-fill';
    bar.append(fill);
    el.append(head, bar);
    return el;
  }

  function render(state) {
    const raw = Array.isArray(state.goals) ? state.goals : [];
    const goals = raw.filter((g) => g && typeof g === 'object' && typeof g.id === 'string' && g.id !== '' &&
      (only === null || g.id === only));
    const keep = new Set(goals.map((g) => g.id));
    for (const [id, el] of shown) {
      if (!keep.has(id)) {
        shown.delete(id);
        reached.delete(id);
        el.remove();
      }
    }
    let prev = null;
    for (const g of goals) {
      let el = shown.get(g.id);
      if (!el) {
        el = createGoal(g.id);
        shown.set(g.id, el);
      }
      const target = Number.isFinite(g.target) && g.target > 0 ? g.target : 1;
      const progress = Number.isFinite(g.progress) && g.progress > 0 ? g.progress : 0;
      el.querySelector('.goal-title').textContent = typeof g.title === 'string' ? g.title : '';
      el.querySelector('.goal-count').textContent = numbers.format(progress) + ' / ' + numbers.format(target);
      el.style.setProperty('--progress', String(Math.min(1, progress / target)));
      const isReached = g.reached === true;
      el.toggleAttribute('data-reached', isReached);
      if (isReached && !first && reached.get(g.id) === false) celebrate(el);
      reached.set(g.id, isReached);
      const at = prev ? prev.nextSibling : box.firstChild;
      if (at !== el) box.insertBefore(el, at);
      prev = el;
    }
    first = false;
  }

  function celebrate(el) {
    el.dataset.celebrating = '';
    window.setTimeout(() => delete el.dataset.celebrating, CELEBRATE_MS);
  }

  window.hearthLive(TOPIC, render, {
    preview: () => [{
      channel: 'preview',
      goals: [
        { id: 'followers', title: 'Road to 100 followers', kind: 'followers', target: 100, progress: 64 },
        { id: 'subs', title: 'Sub goal', kind: 'subs', target: 25, progress: 25, reached: true },
      ],
    }],
  });
})();
